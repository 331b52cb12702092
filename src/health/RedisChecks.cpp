// The checks that speak to Redis through hiredis: redis (PING) and worker_queue (BullMQ).
#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "health/Checks.h"
#include "health/Endpoints.h"

namespace galaos::health::detail {
namespace {

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

timeval ToTimeval(std::chrono::milliseconds duration) {
  return timeval{.tv_sec = static_cast<time_t>(duration.count() / 1000),
                 .tv_usec = static_cast<suseconds_t>((duration.count() % 1000) * 1000)};
}

// One connection whose every step ends by the check's deadline.
class RedisClient {
 public:
  static Expected<RedisClient> Connect(const RedisEndpoint& endpoint, const CheckContext& context) {
    RedisClient client(endpoint, context);
    client.redis_.reset(redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port,
                                                ToTimeval(context.Remaining())));
    if (!client.redis_)
      return MakeError(ErrorCode::kFailed, "hiredis could not allocate a context");
    if (client.redis_->err != 0) {
      return std::unexpected(context.Failure(
          ErrorCode::kUnavailable,
          "cannot connect to Redis at " + client.display_ + ": " + client.redis_->errstr));
    }
    if (!endpoint.password.empty()) {
      auto auth = endpoint.user.empty()
                      ? client.Command({"AUTH", endpoint.password})
                      : client.Command({"AUTH", endpoint.user, endpoint.password});
      if (!auth) {
        return std::unexpected(Error(
            auth.error().code() == ErrorCode::kFailed ? ErrorCode::kUnauthorized
                                                      : auth.error().code(),
            "Redis at " + client.display_ + " refused the credentials: " + auth.error().message()));
      }
    }
    if (endpoint.db != 0) TRY(client.Command({"SELECT", std::to_string(endpoint.db)}));
    return client;
  }

  // Sends one command; an error reply is a kFailed error holding Redis's message.
  Expected<Reply> Command(std::initializer_list<std::string_view> args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    const std::string name(*args.begin());
    redisSetTimeout(redis_.get(), ToTimeval(context_->Remaining()));
    Reply reply(static_cast<redisReply*>(redisCommandArgv(
        redis_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
    if (!reply) {
      return std::unexpected(context_->Failure(
          ErrorCode::kUnavailable, "Redis at " + display_ + ": " + name + ": " + redis_->errstr));
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      return MakeError(ErrorCode::kFailed, std::string(reply->str, reply->len));
    }
    return reply;
  }

  Expected<long long> Integer(std::initializer_list<std::string_view> args) {
    const Reply reply = TRY(Command(args));
    if (reply->type != REDIS_REPLY_INTEGER) {
      return MakeError(ErrorCode::kFailed,
                       std::string(*args.begin()) + " did not answer with an integer");
    }
    return reply->integer;
  }

  const std::string& display() const { return display_; }

 private:
  RedisClient(const RedisEndpoint& endpoint, const CheckContext& context)
      : display_(endpoint.Display()), context_(&context) {}

  std::unique_ptr<redisContext, ContextDeleter> redis_;
  std::string display_;
  const CheckContext* context_;
};

// Node's Buffer.from(name).toString('base64'): the standard alphabet, with padding.
std::string Base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, data.size() - i);
    std::uint32_t chunk = 0;
    for (std::size_t j = 0; j < 3; ++j) {
      chunk = (chunk << 8) | (j < n ? static_cast<unsigned char>(data[i + j]) : 0U);
    }
    for (std::size_t j = 0; j < 4; ++j) {
      out += j <= n ? kAlphabet[(chunk >> (18 - 6 * j)) & 0x3f] : '=';
    }
  }
  return out;
}

// BullMQ names a worker's blocking connection "<prefix>:<base64(queue)>", or with a worker
// name "<prefix>:<base64(queue)>:w:<name>" (Queue.getWorkers() matches exactly these).
std::int64_t CountWorkers(std::string_view client_list, const std::string& base) {
  std::int64_t workers = 0;
  const std::string named = base + ":w:";
  while (!client_list.empty()) {
    const auto end = client_list.find('\n');
    std::string_view line = client_list.substr(0, end);
    client_list = end == std::string_view::npos ? std::string_view() : client_list.substr(end + 1);
    // Fields are space-separated key=value pairs; a client name cannot contain a space.
    while (!line.empty()) {
      const auto space = line.find(' ');
      const std::string_view field = line.substr(0, space);
      line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
      if (!field.starts_with("name=")) continue;
      std::string_view name = field.substr(5);
      if (name.ends_with('\r')) name.remove_suffix(1);
      if (name == base || name.starts_with(named)) ++workers;
      break;
    }
  }
  return workers;
}

// LLEN of a wait or legacy paused list, less a trailing "0:..." marker (BullMQ 4 kept markers
// in the list; BullMQ's own getCounts script discounts them the same way).
Expected<std::int64_t> ListJobs(RedisClient& client, const std::string& key) {
  const long long length = TRY(client.Integer({"LLEN", key}));
  if (length == 0) return 0;
  const Reply last = TRY(client.Command({"LINDEX", key, "-1"}));
  const bool marker =
      last->type == REDIS_REPLY_STRING && std::string_view(last->str, last->len).starts_with("0:");
  return marker ? length - 1 : length;
}

}  // namespace

Expected<std::string> Check(const RedisCheck& check, const CheckContext& context) {
  const RedisEndpoint endpoint = TRY(ParseRedisUrl(check.url));
  RedisClient client = TRY(RedisClient::Connect(endpoint, context));
  const Reply pong = TRY(client.Command({"PING"}));
  const std::string_view answer =
      pong->type == REDIS_REPLY_STATUS ? std::string_view(pong->str, pong->len) : "";
  if (answer != "PONG") {
    return MakeError(ErrorCode::kFailed, "Redis at " + client.display() + " did not answer PONG");
  }
  return "PONG from " + client.display();
}

Expected<std::string> Check(const WorkerQueueCheck& check, const CheckContext& context) {
  const RedisEndpoint endpoint = TRY(ParseRedisUrl(check.redis_url));
  RedisClient client = TRY(RedisClient::Connect(endpoint, context));
  const std::string queue = "queue \"" + check.queue + "\"";

  auto listed = client.Command({"CLIENT", "LIST"});
  if (!listed) {
    return std::unexpected(std::move(listed).error().WithContext(
        "cannot list Redis clients to find the workers of " + queue));
  }
  const Reply clients = std::move(*listed);
  if (clients->type != REDIS_REPLY_STRING) {
    return MakeError(ErrorCode::kFailed, "CLIENT LIST did not answer with text");
  }
  const std::string base = check.prefix + ":" + Base64(check.queue);
  const std::int64_t workers = CountWorkers(std::string_view(clients->str, clients->len), base);

  const std::string key = check.prefix + ":" + check.queue + ":";
  const std::int64_t waiting = TRY(ListJobs(client, key + "wait")) +
                               TRY(ListJobs(client, key + "paused")) +
                               TRY(client.Integer({"ZCARD", key + "prioritized"}));
  const bool paused = TRY(client.Integer({"HEXISTS", key + "meta", "paused"})) == 1;

  const std::string counts = std::to_string(workers) + (workers == 1 ? " worker, " : " workers, ") +
                             std::to_string(waiting) + (waiting == 1 ? " job" : " jobs") +
                             " waiting" + (paused ? ", queue paused" : "");
  if (workers < check.min_workers) {
    return MakeError(ErrorCode::kUnavailable, queue + ": " + counts + "; expected at least " +
                                                  std::to_string(check.min_workers) +
                                                  " (Redis clients named " + base + " or " + base +
                                                  ":w:<name>)");
  }
  if (waiting > check.max_waiting) {
    return MakeError(ErrorCode::kFailed, queue + ": " + counts + "; more than " +
                                             std::to_string(check.max_waiting) + " waiting");
  }
  return queue + ": " + counts;
}

}  // namespace galaos::health::detail
