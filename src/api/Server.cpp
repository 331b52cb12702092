#include "api/Server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>
#include <expected>
#include <string_view>
#include <thread>

namespace galaos::api {
namespace {

constexpr std::string_view kTrpcPattern = R"(/trpc/(.+))";
constexpr std::chrono::seconds kKeepAliveInterval{15};
// Each /events client holds one worker thread of the pool below for as long as it listens.
constexpr std::size_t kMaxEventClients = 16;
constexpr std::size_t kWorkerThreads = kMaxEventClients + 16;

std::string NewRequestId() {
  std::array<unsigned char, 8> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string hex(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  hex.pop_back();
  return hex;
}

void Send(httplib::Response& response, const HttpReply& reply) {
  response.status = reply.status;
  for (const auto& [name, value] : reply.headers) response.set_header(name, value);
  response.set_content(reply.body, reply.content_type);
}

HttpReply ErrorReply(TrpcCode code, std::string_view message, std::string_view path) {
  return HttpReply{.status = HttpStatus(code), .body = ErrorEnvelope(code, message, path).dump()};
}

// The bearer token of an Authorization header; nullopt without the header, "" when the
// header is not a bearer token.
std::optional<std::string> BearerToken(const httplib::Request& request) {
  if (!request.has_header("Authorization")) return std::nullopt;
  std::string value = request.get_header_value("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), value.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return std::string();
  }
  return value.substr(kScheme.size());
}

// The request's caller: anonymous without a token, else the token's; an error reply for a bad
// token or a rate-limited address.
std::expected<Caller, HttpReply> Identify(Authenticator& authenticator,
                                          const httplib::Request& request,
                                          const httplib::Response& response,
                                          std::string_view path) {
  Caller caller{.address = request.remote_addr,
                .request_id = response.get_header_value("X-Request-Id")};
  std::optional<std::string> token = BearerToken(request);
  if (!token) return caller;
  if (std::optional<std::chrono::seconds> wait = authenticator.BlockedFor(caller.address)) {
    HttpReply reply = ErrorReply(TrpcCode::kTooManyRequests,
                                 "too many failed authentications; try again later", path);
    reply.headers.emplace_back("Retry-After", std::to_string(wait->count()));
    return std::unexpected(reply);
  }
  Expected<Caller> authenticated = authenticator.Authenticate(*token, caller, path);
  if (!authenticated) {
    return std::unexpected(ErrorReply(TrpcCodeFor(authenticated.error().code()),
                                      authenticated.error().message(), path));
  }
  return *authenticated;
}

bool IsLoopback(std::string_view address) {
  return address.starts_with("127.") || address == "::1" || address.starts_with("::ffff:127.");
}

void StreamEvents(EventHub& events, Authenticator& authenticator, const httplib::Request& request,
                  httplib::Response& response) {
  std::expected<Caller, HttpReply> caller = Identify(authenticator, request, response, "events");
  if (!caller) return Send(response, caller.error());
  if (!caller->role)
    return Send(response, ErrorReply(TrpcCode::kUnauthorized, "UNAUTHORIZED", "events"));
  if (events.subscriber_count() >= kMaxEventClients) {
    return Send(response,
                ErrorReply(TrpcCode::kTooManyRequests, "too many event clients", "events"));
  }
  std::optional<std::uint64_t> last_id;
  if (request.has_header("Last-Event-ID")) {
    try {
      last_id = std::stoull(request.get_header_value("Last-Event-ID"));
    } catch (const std::exception&) {
      return Send(response,
                  ErrorReply(TrpcCode::kBadRequest, "Last-Event-ID: expected a number", "events"));
    }
  }
  std::shared_ptr<EventHub::Subscription> subscription = events.Subscribe(last_id);
  response.set_header("Cache-Control", "no-store");
  response.set_chunked_content_provider(
      "text/event-stream", [subscription](size_t, httplib::DataSink& sink) {
        // One event, or a keep-alive comment that also notices a client that went away.
        std::optional<StreamEvent> event = subscription->Next(kKeepAliveInterval);
        if (subscription->closed()) {
          sink.done();
          return true;
        }
        const std::string chunk = event ? FormatSse(*event) : std::string(": keep-alive\n\n");
        return sink.write(chunk.data(), chunk.size());
      });
}

}  // namespace

ApiServer::ApiServer(const config::ApiConfig& config, store::Store& store, const TrpcRouter& router,
                     core::Clock& clock, EventHub* events, Metrics* metrics)
    : config_(config),
      store_(store),
      router_(router),
      events_(events),
      metrics_(metrics),
      authenticator_(config, store, clock, metrics) {}

struct ApiServer::Http {
  std::unique_ptr<httplib::Server> server;
};

ApiServer::~ApiServer() = default;

Expected<int> ApiServer::Bind() {
  if (sodium_init() < 0) return MakeError(ErrorCode::kFailed, "libsodium failed to initialise");
  if (!config_.tls_cert.empty()) {
    auto tls =
        std::make_unique<httplib::SSLServer>(config_.tls_cert.c_str(), config_.tls_key.c_str());
    if (!tls->is_valid()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("api: cannot load the TLS certificate {} with key {}",
                                   config_.tls_cert.string(), config_.tls_key.string()));
    }
    http_ = std::make_unique<Http>(Http{std::move(tls)});
  } else {
    http_ = std::make_unique<Http>(Http{std::make_unique<httplib::Server>()});
  }
  Route();
  const std::string& host = config_.listen.host;
  int port = config_.listen.port;
  if (port == 0) {
    port = http_->server->bind_to_any_port(host);
  } else if (!http_->server->bind_to_port(host, port)) {
    port = -1;
  }
  if (port < 0) {
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("api: cannot listen on {}:{} (address in use or not local?)", host,
                                 config_.listen.port));
  }
  return port;
}

Status ApiServer::Serve() {
  if (!http_) return MakeError(ErrorCode::kFailed, "api: Serve before Bind");
  // serving_ before stop_requested_, and the reverse in Stop: one of them sees the other.
  serving_ = true;
  bool ok = stop_requested_ || http_->server->listen_after_bind();
  serving_ = false;
  if (!ok && !stop_requested_)
    return MakeError(ErrorCode::kIo, "api: the server stopped on an error");
  return {};
}

void ApiServer::Stop() {
  stop_requested_ = true;
  if (events_) events_->Close();  // ends every /events stream, freeing its worker
  if (!http_) return;
  // httplib ignores a stop() that comes before its listen loop runs: wait for it to start.
  while (serving_ && !http_->server->is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  http_->server->stop();
}

void ApiServer::Route() {
  // httplib's default sets SO_REUSEPORT, which would let a second daemon bind the same port
  // and silently share its connections; SO_REUSEADDR alone still allows a quick restart.
  http_->server->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http_->server->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  http_->server->set_payload_max_length(static_cast<size_t>(config_.max_body_bytes));
  http_->server->set_read_timeout(config_.request_timeout);
  http_->server->set_write_timeout(config_.request_timeout);

  http_->server->set_pre_routing_handler([](const httplib::Request&, httplib::Response& response) {
    response.set_header("X-Request-Id", NewRequestId());
    return httplib::Server::HandlerResponse::Unhandled;
  });

  http_->server->Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
  });

  auto trpc = [this](const httplib::Request& request, httplib::Response& response) {
    const std::string procedures = request.matches[1];
    std::expected<Caller, HttpReply> caller =
        Identify(authenticator_, request, response, procedures);
    if (!caller) return Send(response, caller.error());
    TrpcRequest trpc_request{.method = request.method, .procedures = procedures};
    for (const auto& [key, value] : request.params) trpc_request.query.emplace(key, value);
    if (request.has_header("Content-Type")) {
      trpc_request.content_type = request.get_header_value("Content-Type");
    }
    trpc_request.body = request.body;
    Send(response, router_.Handle(trpc_request, *caller));
  };
  if (events_) {
    http_->server->Get("/events",
                       [this](const httplib::Request& request, httplib::Response& response) {
                         StreamEvents(*events_, authenticator_, request, response);
                       });
  }
  if (metrics_) {
    http_->server->Get(
        "/metrics", [this](const httplib::Request& request, httplib::Response& response) {
          if (!(config_.metrics_open_on_loopback && IsLoopback(request.remote_addr))) {
            std::expected<Caller, HttpReply> caller =
                Identify(authenticator_, request, response, "metrics");
            if (!caller) return Send(response, caller.error());
            if (!caller->role) {
              return Send(response, ErrorReply(TrpcCode::kUnauthorized, "UNAUTHORIZED", "metrics"));
            }
          }
          response.set_content(metrics_->Render(), "text/plain; version=0.0.4; charset=utf-8");
        });
  }

  const std::string pattern(kTrpcPattern);
  http_->server->Get(pattern, trpc);
  http_->server->Post(pattern, trpc);
  http_->server->Put(pattern, trpc);
  http_->server->Patch(pattern, trpc);
  http_->server->Delete(pattern, trpc);
  http_->server->Options(pattern, trpc);

  // httplib's own refusals (413 for a body over the limit, 404 for an unknown route, 400 for
  // a malformed request) get a tRPC error body; replies of ours already have one.
  http_->server->set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& response) {
        if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        TrpcCode code = response.status == 413   ? TrpcCode::kPayloadTooLarge
                        : response.status == 404 ? TrpcCode::kNotFound
                        : response.status == 408 ? TrpcCode::kTimeout
                        : response.status < 500  ? TrpcCode::kBadRequest
                                                 : TrpcCode::kInternalServerError;
        response.set_content(ErrorEnvelope(code, TrpcCodeName(code), "").dump(),
                             "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
}

}  // namespace galaos::api
