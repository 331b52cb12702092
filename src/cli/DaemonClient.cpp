#include "cli/DaemonClient.h"

#include <fmt/format.h>
#include <httplib.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

namespace galaos::cli {
namespace {

constexpr std::chrono::seconds kConnectTimeout{30};

std::string BaseUrl(const config::ApiConfig& api) {
  std::string host = api.listen.host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return fmt::format("{}://{}:{}", api.tls_cert.empty() ? "http" : "https", host, api.listen.port);
}

std::unique_ptr<httplib::Client> MakeClient(const config::ApiConfig& api) {
  auto client = std::make_unique<httplib::Client>(BaseUrl(api));
  if (!api.tls_cert.empty()) client->set_ca_cert_path(api.tls_cert.string());
  client->set_connection_timeout(kConnectTimeout);
  return client;
}

// The Error a tRPC error reply stands for.
Error ApiError(const httplib::Result& reply, std::string_view procedure) {
  if (!reply) {
    return Error(ErrorCode::kUnavailable, fmt::format("the daemon did not answer {}: {}", procedure,
                                                      httplib::to_string(reply.error())));
  }
  nlohmann::json body = nlohmann::json::parse(reply->body, nullptr, false);
  const std::string code =
      body.is_object() && body.contains("error") ? body["error"]["data"].value("code", "") : "";
  const std::string message = body.is_object() && body.contains("error")
                                  ? body["error"].value("message", reply->body)
                                  : reply->body;
  const ErrorCode ours = code == "CONFLICT"       ? ErrorCode::kConflict
                         : code == "BAD_REQUEST"  ? ErrorCode::kInvalidArgument
                         : code == "NOT_FOUND"    ? ErrorCode::kNotFound
                         : code == "UNAUTHORIZED" ? ErrorCode::kUnauthorized
                         : code == "FORBIDDEN"    ? ErrorCode::kForbidden
                                                  : ErrorCode::kFailed;
  return Error(ours, fmt::format("{} (HTTP {}): {}", procedure, reply->status, message));
}

// The /events stream as it is read: progress is handed on at once; the end of a transaction
// is remembered until the caller knows which transaction is its own.
class EventFollower {
 public:
  explicit EventFollower(const code::ProgressCallback& progress) : progress_(progress) {}

  // Takes a chunk of the stream; false once the followed transaction has ended.
  bool Take(std::string_view chunk) {
    buffer_.append(chunk);
    for (std::size_t end; (end = buffer_.find("\n\n")) != std::string::npos;) {
      Handle(buffer_.substr(0, end));
      buffer_.erase(0, end + 2);
    }
    std::lock_guard lock(mutex_);
    return !Ended();
  }

  void Connected() {
    std::lock_guard lock(mutex_);
    connected_ = true;
    changed_.notify_all();
  }
  bool WaitConnected(std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return connected_; });
  }
  // Names the caller's transaction; true if it has already ended.
  bool Follow(std::string id) {
    std::lock_guard lock(mutex_);
    id_ = std::move(id);
    return Ended();
  }
  std::optional<FollowedTransaction> Result() {
    std::lock_guard lock(mutex_);
    if (!Ended()) return std::nullopt;
    return ended_.at(*id_);
  }

 private:
  bool Ended() const { return id_ && ended_.contains(*id_); }

  void Handle(std::string_view message) {
    std::string type;
    std::string data;
    std::size_t start = 0;
    while (start <= message.size()) {
      std::size_t end = message.find('\n', start);
      if (end == std::string_view::npos) end = message.size();
      std::string_view line = message.substr(start, end - start);
      if (line.starts_with("event: ")) type = line.substr(7);
      if (line.starts_with("data: ")) data += line.substr(6);
      start = end + 1;
    }
    nlohmann::json event = nlohmann::json::parse(data, nullptr, false);
    if (!event.is_object()) return;
    using Kind = code::ProgressEvent::Kind;
    if (type == "step" && progress_) {
      const std::string state = event.value("state", "");
      progress_({.kind = state == "started" ? Kind::kStepStarted : Kind::kStepFinished,
                 .step = event.value("step", ""),
                 .text = event.value("detail", ""),
                 .ok = state != "failed"});
    } else if (type == "output" && progress_) {
      progress_({.kind = Kind::kOutput,
                 .step = event.value("step", ""),
                 .text = event.value("line", ""),
                 .ok = true});
    } else if (type == "transaction" && event.value("state", "") != "started") {
      std::lock_guard lock(mutex_);
      const std::string id = event.value("id", "");
      ended_[id] = {.id = id,
                    .final_state = event.value("state", ""),
                    .success = event.value("success", false)};
    }
  }

  const code::ProgressCallback& progress_;
  std::string buffer_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool connected_ = false;
  std::optional<std::string> id_;
  std::map<std::string, FollowedTransaction> ended_;
};

}  // namespace

Expected<FollowedTransaction> RunAndFollow(const config::Config& config, std::string_view procedure,
                                           nlohmann::json input,
                                           const code::ProgressCallback& progress) {
  const char* token = std::getenv(std::string(kTokenVariable).c_str());
  if (token == nullptr || *token == '\0') {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("--follow needs an admin API token in {} (galaos-updater "
                                 "token create --role admin)",
                                 kTokenVariable));
  }
  if (!config.api.enabled) {
    return MakeError(ErrorCode::kInvalidArgument, "--follow needs the daemon's API (api.enabled)");
  }
  const httplib::Headers auth{{"Authorization", fmt::format("Bearer {}", token)}};

  // Subscribed before the call, so no event of the transaction is missed.
  EventFollower follower(progress);
  std::unique_ptr<httplib::Client> events = MakeClient(config.api);
  events->set_read_timeout(std::chrono::minutes(1));  // keep-alives come every 15 s
  int events_status = 0;
  std::jthread reader([&] {
    auto result = events->Get(
        "/events", auth,
        [&](const httplib::Response& response) {
          events_status = response.status;
          follower.Connected();
          return response.status == 200;
        },
        [&](const char* data, std::size_t size) {
          return follower.Take(std::string_view(data, size));
        });
    if (!result) follower.Connected();  // unblocks the wait below on a failed connection
  });
  if (!follower.WaitConnected(kConnectTimeout) || events_status != 200) {
    events->stop();
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("cannot follow the daemon's events at {}/events (HTTP {})",
                                 BaseUrl(config.api), events_status));
  }

  input["wait"] = false;
  std::unique_ptr<httplib::Client> calls = MakeClient(config.api);
  calls->set_read_timeout(std::chrono::minutes(5));
  auto reply =
      calls->Post(fmt::format("/trpc/{}", procedure), auth, input.dump(), "application/json");
  if (!reply || reply->status != 200) {
    events->stop();
    return std::unexpected(ApiError(reply, procedure));
  }
  nlohmann::json data = nlohmann::json::parse(reply->body, nullptr, false);
  data = data.is_object() && data.contains("result") ? data["result"]["data"] : nlohmann::json();
  if (!data.is_object()) {
    events->stop();
    return MakeError(ErrorCode::kFailed,
                     fmt::format("{}: unexpected answer: {}", procedure, reply->body));
  }
  if (!data.contains("transactionId")) {
    // Nothing started (already up to date): the answer is the whole result.
    events->stop();
    return FollowedTransaction{
        .id = "", .final_state = "", .success = data.value("success", false)};
  }
  if (follower.Follow(data["transactionId"].get<std::string>())) events->stop();
  reader.join();
  std::optional<FollowedTransaction> followed = follower.Result();
  if (!followed) {
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("lost the daemon's events before transaction {} ended; see "
                                 "`galaos-updater history`",
                                 data["transactionId"].get<std::string>()));
  }
  return *followed;
}

Status PrintFollowed(const FollowedTransaction& followed) {
  if (followed.id.empty()) {
    std::printf("nothing to do\n");
    return {};
  }
  std::printf("transaction %s ended: %s\n", followed.id.c_str(), followed.final_state.c_str());
  if (followed.success) return {};
  return MakeError(ErrorCode::kFailed,
                   fmt::format("transaction {} did not succeed ({}); see `galaos-updater history`",
                               followed.id, followed.final_state));
}

}  // namespace galaos::cli
