#include "api/Server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <expected>
#include <string_view>
#include <thread>

#include "api/Crypto.h"
#include "api/Tokens.h"
#include "api/WorkerPool.h"
#include "core/Time.h"

namespace galaos::api {
namespace {

constexpr std::string_view kTrpcPattern = R"(/trpc/(.+))";
constexpr std::chrono::seconds kKeepAliveInterval{15};
// Each /events client holds one worker thread of the pool below for as long as it listens.
constexpr std::size_t kMaxEventClients = 16;
// httplib serves a keep-alive connection on one worker until it closes: connections beyond
// the free workers wait in its queue, so the pool may grow to 64 busy clients (bench/api)
// besides the event streams. Workers start as clients come (WorkerPool).
constexpr std::size_t kRequestWorkers = 64;
constexpr std::size_t kWorkerThreads = kMaxEventClients + kRequestWorkers;
constexpr std::size_t kKeepAliveMaxRequests = 1000;

constexpr std::string_view kSessionCookie = "galaos_session";
constexpr std::string_view kCsrfHeader = "X-CSRF-Token";
constexpr std::string_view kSessionPath = "auth.session";
// The dashboard runs only its own files: no inline script or style, no framing.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// httplib's task queue on a WorkerPool.
class PooledTasks : public httplib::TaskQueue {
 public:
  explicit PooledTasks(std::size_t max_threads) : pool_(max_threads) {}
  void enqueue(std::function<void()> task) override { pool_.Enqueue(std::move(task)); }
  void shutdown() override { pool_.Shutdown(); }

 private:
  WorkerPool pool_;
};

std::string NewRequestId() {
  return RandomHex(8);
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

// The 429 reply for an address with too many recent authentication failures, if it has.
std::optional<HttpReply> RateLimited(Authenticator& authenticator, const std::string& address,
                                     std::string_view path) {
  std::optional<std::chrono::seconds> wait = authenticator.BlockedFor(address);
  if (!wait) return std::nullopt;
  HttpReply reply = ErrorReply(TrpcCode::kTooManyRequests,
                               "too many failed authentications; try again later", path);
  reply.headers.emplace_back("Retry-After", std::to_string(wait->count()));
  return reply;
}

// The value of the session cookie, when the request has one.
std::optional<std::string> SessionCookie(const httplib::Request& request) {
  const std::string cookies = request.get_header_value("Cookie");
  std::string_view rest = cookies;
  while (!rest.empty()) {
    const std::size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? "" : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.starts_with(kSessionCookie) && pair.size() > kSessionCookie.size() &&
        pair[kSessionCookie.size()] == '=') {
      return std::string(pair.substr(kSessionCookie.size() + 1));
    }
  }
  return std::nullopt;
}

// The live session of the request's cookie; a session whose token was revoked (or removed)
// since sign-in ends here.
std::optional<Session> FindSession(store::Store& store, SessionStore& sessions,
                                   const httplib::Request& request) {
  std::optional<std::string> id = SessionCookie(request);
  if (!id) return std::nullopt;
  std::optional<Session> session = sessions.Find(*id);
  if (!session) return std::nullopt;
  Expected<store::ApiToken> token = store.GetApiToken(session->token_id);
  if (!token || token->revoked_at) {
    sessions.Remove(*id);
    return std::nullopt;
  }
  return session;
}

bool ChangesState(const httplib::Request& request) {
  return request.method != "GET" && request.method != "HEAD";
}

// The caller of a request with a session cookie and no bearer token: the session's, when it
// is live and, for a request that changes state, the CSRF header matches.
std::expected<Caller, HttpReply> SessionCaller(store::Store& store, SessionStore& sessions,
                                               const httplib::Request& request, Caller caller,
                                               std::string_view path) {
  if (!SessionCookie(request)) return caller;
  std::optional<Session> session = FindSession(store, sessions, request);
  if (!session) {
    return std::unexpected(
        ErrorReply(TrpcCode::kUnauthorized, "session expired or signed out; sign in again", path));
  }
  if (ChangesState(request) &&
      !CsrfTokenMatches(request.get_header_value(std::string(kCsrfHeader)), session->csrf_token)) {
    return std::unexpected(ErrorReply(TrpcCode::kForbidden, "missing or wrong CSRF token", path));
  }
  caller.role = session->role;
  caller.actor = session->actor;
  return caller;
}

// The request's caller: anonymous without a token or session, else the token's or the
// session's; an error reply for a bad token or session, or a rate-limited address.
std::expected<Caller, HttpReply> Identify(Authenticator& authenticator, store::Store& store,
                                          SessionStore& sessions, const httplib::Request& request,
                                          const httplib::Response& response,
                                          std::string_view path) {
  Caller caller{.address = request.remote_addr,
                .request_id = response.get_header_value("X-Request-Id")};
  std::optional<std::string> token = BearerToken(request);
  if (!token) return SessionCaller(store, sessions, request, std::move(caller), path);
  if (std::optional<HttpReply> refused = RateLimited(authenticator, caller.address, path)) {
    return std::unexpected(*refused);
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

void StreamEvents(EventHub& events, Authenticator& authenticator, store::Store& store,
                  SessionStore& sessions, const httplib::Request& request,
                  httplib::Response& response) {
  std::expected<Caller, HttpReply> caller =
      Identify(authenticator, store, sessions, request, response, "events");
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

void SetDashboardHeaders(httplib::Response& response) {
  response.set_header("Content-Security-Policy", std::string(kContentSecurityPolicy));
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("X-Frame-Options", "DENY");
  response.set_header("Referrer-Policy", "no-referrer");
}

// The reply of an /auth/session route: a dashboard reply that is never cached.
void SendAuth(httplib::Response& response, const HttpReply& reply) {
  SetDashboardHeaders(response);
  response.set_header("Cache-Control", "no-store");
  Send(response, reply);
}

std::string SessionCookieHeader(std::string_view value, std::chrono::seconds max_age, bool tls) {
  return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", kSessionCookie,
                     value, max_age.count(), tls ? "; Secure" : "");
}

nlohmann::json SessionJson(const Session& session) {
  return {{"role", RoleName(session.role)},
          {"actor", session.actor},
          {"csrfToken", session.csrf_token},
          {"expiresAt", core::FormatIsoUtc(session.expires_at)}};
}

HttpReply JsonReply(const nlohmann::json& body) {
  return HttpReply{.body = body.dump()};
}

// Sign-in and sign-out are audited like mutations: `action` is auth.session.create or
// auth.session.delete, the actor the token's name.
Status AuditSession(store::Store& store, std::string_view action, const std::string& actor,
                    const httplib::Request& request, const httplib::Response& response) {
  TRY(store.AppendAudit(store::AuditEntry{.actor = actor,
                                          .client_address = request.remote_addr,
                                          .request_id = response.get_header_value("X-Request-Id"),
                                          .action = std::string(action),
                                          .input_json = "{}",
                                          .outcome = "ok",
                                          .transaction_id = ""}));
  return {};
}

// POST /auth/session {"token": "<id>.<secret>"}: a new session for a valid API token.
// Failures count towards the address's rate limit, as a bad bearer token does. A sign-in
// that cannot be audited is refused.
HttpReply SignIn(Authenticator& authenticator, store::Store& store, SessionStore& sessions,
                 const httplib::Request& request, const httplib::Response& response, bool tls,
                 std::chrono::seconds ttl) {
  if (std::optional<HttpReply> refused =
          RateLimited(authenticator, request.remote_addr, kSessionPath)) {
    return *refused;
  }
  // JSON only: a cross-site HTML form cannot send it, so cannot sign a browser in.
  if (!request.get_header_value("Content-Type").starts_with("application/json")) {
    return ErrorReply(TrpcCode::kUnsupportedMediaType, "expected application/json", kSessionPath);
  }
  const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) {
    return ErrorReply(TrpcCode::kBadRequest, R"(expected {"token": "<id>.<secret>"})",
                      kSessionPath);
  }
  const std::string token = body["token"].get<std::string>();
  // A failure counts towards the address's limit and is audited, as a bad bearer token is.
  Expected<Caller> caller =
      authenticator.Authenticate(token,
                                 Caller{.address = request.remote_addr,
                                        .request_id = response.get_header_value("X-Request-Id")},
                                 kSessionPath);
  if (!caller) {
    return ErrorReply(TrpcCodeFor(caller.error().code()), caller.error().message(), kSessionPath);
  }
  if (Status audited = AuditSession(store, "auth.session.create", caller->actor, request, response);
      !audited) {
    return ErrorReply(TrpcCode::kInternalServerError,
                      "cannot audit the sign-in: " + audited.error().message(), kSessionPath);
  }
  NewSession created =
      sessions.Create(*caller->role, caller->actor, token.substr(0, token.find('.')));
  spdlog::info("api: {} signed in to the dashboard from {}", caller->actor, request.remote_addr);
  HttpReply reply = JsonReply(SessionJson(created.session));
  reply.headers.emplace_back("Set-Cookie", SessionCookieHeader(created.id, ttl, tls));
  return reply;
}

// DELETE /auth/session: ends the cookie's session (with its CSRF token) and clears the cookie.
// The session ends even when the audit cannot be written (that is logged).
HttpReply SignOut(store::Store& store, SessionStore& sessions, const httplib::Request& request,
                  const httplib::Response& response, bool tls) {
  if (std::optional<Session> session = FindSession(store, sessions, request)) {
    if (!CsrfTokenMatches(request.get_header_value(std::string(kCsrfHeader)),
                          session->csrf_token)) {
      return ErrorReply(TrpcCode::kForbidden, "missing or wrong CSRF token", kSessionPath);
    }
    sessions.Remove(*SessionCookie(request));
    spdlog::info("api: {} signed out of the dashboard", session->actor);
    if (Status audited =
            AuditSession(store, "auth.session.delete", session->actor, request, response);
        !audited) {
      spdlog::error("api: cannot audit a sign-out: {}", audited.error().message());
    }
  }
  HttpReply reply = JsonReply({{"signedOut", true}});
  reply.headers.emplace_back("Set-Cookie", SessionCookieHeader("", std::chrono::seconds(0), tls));
  return reply;
}

}  // namespace

ApiServer::ApiServer(const config::ApiConfig& config, store::Store& store, const TrpcRouter& router,
                     core::Clock& clock, EventHub* events, Metrics* metrics)
    : config_(config),
      store_(store),
      router_(router),
      events_(events),
      metrics_(metrics),
      authenticator_(config, store, clock, metrics),
      sessions_(clock, config.session_ttl) {}

struct ApiServer::Http {
  std::unique_ptr<httplib::Server> server;
  int listen_socket = -1;  // the last socket httplib made for bind_to_port
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
  // httplib listens with a backlog of 5: 64 clients connecting at once overflow it, and the
  // dropped SYNs wait a 1 s retransmit (the p99 of bench/api). listen() again only widens it.
  if (::listen(http_->listen_socket, SOMAXCONN) != 0) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("api: cannot widen the listen backlog: {}", std::strerror(errno)));
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
  http_->server->set_socket_options([http = http_.get()](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    http->listen_socket = sock;
  });
  // Responses go out in more than one write (headers, body): without TCP_NODELAY, Nagle's
  // algorithm holds the second until the client's delayed ACK (~40 ms per keep-alive request).
  // Accepted sockets inherit it from the listening one.
  http_->server->set_tcp_nodelay(true);
  // httplib's default closes a keep-alive connection after 5 requests; busy clients then
  // reconnect all the time and overflow its listen backlog of 5 (SYNs dropped, 1 s retries).
  http_->server->set_keep_alive_max_count(kKeepAliveMaxRequests);
  http_->server->new_task_queue = [] { return new PooledTasks(kWorkerThreads); };
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
        Identify(authenticator_, store_, sessions_, request, response, procedures);
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
    http_->server->Get(
        "/events", [this](const httplib::Request& request, httplib::Response& response) {
          StreamEvents(*events_, authenticator_, store_, sessions_, request, response);
        });
  }
  if (metrics_) {
    http_->server->Get(
        "/metrics", [this](const httplib::Request& request, httplib::Response& response) {
          if (!(config_.metrics_open_on_loopback && IsLoopback(request.remote_addr))) {
            std::expected<Caller, HttpReply> caller =
                Identify(authenticator_, store_, sessions_, request, response, "metrics");
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
  RouteDashboard();

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

void ApiServer::RouteDashboard() {
  const bool tls = !config_.tls_cert.empty();
  http_->server->Post("/auth/session",
                      [this, tls](const httplib::Request& request, httplib::Response& response) {
                        SendAuth(response, SignIn(authenticator_, store_, sessions_, request,
                                                  response, tls, config_.session_ttl));
                      });
  http_->server->Get(
      "/auth/session", [this](const httplib::Request& request, httplib::Response& response) {
        std::optional<Session> session = FindSession(store_, sessions_, request);
        SendAuth(response,
                 session ? JsonReply(SessionJson(*session))
                         : ErrorReply(TrpcCode::kUnauthorized, "not signed in", kSessionPath));
      });
  http_->server->Delete("/auth/session",
                        [this, tls](const httplib::Request& request, httplib::Response& response) {
                          SendAuth(response, SignOut(store_, sessions_, request, response, tls));
                        });

  std::optional<std::filesystem::path> root = FindWebRoot(config_.web_root);
  if (!root) {
    spdlog::warn("api: no dashboard files found{}; / is not served",
                 config_.web_root.empty() ? "" : " in api.web_root " + config_.web_root.string());
    return;
  }
  spdlog::info("api: serving the dashboard from {}", root->string());
  web_.emplace(*root);
  // Registered last: every other GET route matches first.
  http_->server->Get("/.*", [this](const httplib::Request& request, httplib::Response& response) {
    SetDashboardHeaders(response);
    Send(response, web_->Get(request.path, request.get_header_value("If-None-Match")));
  });
}

}  // namespace galaos::api
