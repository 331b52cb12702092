#include "health/CheckSpec.h"

#include <algorithm>
#include <array>
#include <set>
#include <type_traits>

#include "core/Redact.h"
#include "docker/DockerHost.h"
#include "health/Endpoints.h"

namespace galaos::health {
namespace {

constexpr std::array<std::string_view, 8> kKindNames = {
    "http", "tcp", "postgres", "redis", "docker", "sqlite", "worker_queue", "command"};
static_assert(kKindNames.size() == std::variant_size_v<CheckTarget>);

constexpr auto kMaxTimeout = std::chrono::minutes(10);

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

Status Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

Status ValidateTarget(const HttpCheck& check) {
  if (!check.url.starts_with("http://") && !check.url.starts_with("https://")) {
    return Invalid("url \"" + core::RedactSecrets(check.url) +
                   "\" must start with http:// or https://");
  }
  if (check.min_status < 100 || check.max_status > 599 || check.min_status > check.max_status) {
    return Invalid("expected status range " + std::to_string(check.min_status) + "-" +
                   std::to_string(check.max_status) + " is not within 100-599");
  }
  return {};
}

Status ValidateTarget(const TcpCheck& check) {
  if (check.host.empty()) return Invalid("host is empty");
  if (check.port < 1 || check.port > 65535) {
    return Invalid("port " + std::to_string(check.port) + " is not within 1-65535");
  }
  return {};
}

Status ValidateTarget(const PostgresCheck& check) {
  if (check.url.empty()) return Invalid("url is empty");
  return {};
}

Status ValidateTarget(const RedisCheck& check) {
  TRY(detail::ParseRedisUrl(check.url));
  return {};
}

Status ValidateTarget(const DockerCheck& check) {
  TRY(docker::ParseDockerHost(check.endpoint));
  return {};
}

Status ValidateTarget(const SqliteCheck& check) {
  if (check.path.empty()) return Invalid("path is empty");
  return {};
}

Status ValidateTarget(const WorkerQueueCheck& check) {
  TRY(detail::ParseRedisUrl(check.redis_url));
  if (check.queue.empty() || check.queue.find(':') != std::string::npos) {
    return Invalid("queue name \"" + check.queue + "\" must be non-empty and without ':'");
  }
  if (check.prefix.empty()) return Invalid("key prefix is empty");
  if (check.max_waiting < 0) return Invalid("max_waiting is negative");
  if (check.min_workers < 1) return Invalid("min_workers must be at least 1");
  return {};
}

Status ValidateTarget(const CommandCheck& check) {
  if (check.argv.empty() || check.argv.front().empty()) return Invalid("argv is empty");
  return {};
}

}  // namespace

std::string_view CheckKindName(CheckKind kind) {
  return kKindNames.at(static_cast<std::size_t>(kind));
}

Expected<CheckKind> ParseCheckKind(std::string_view name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<CheckKind>(i);
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "unknown health check kind \"" + std::string(name) +
                       "\" (http, tcp, postgres, redis, docker, sqlite, worker_queue, command)");
}

Status Validate(const CheckSpec& spec) {
  const auto context =
      "health check \"" + spec.name + "\" (" + std::string(CheckKindName(spec.kind())) + ")";
  if (spec.name.empty() || !std::ranges::all_of(spec.name, IsNameChar)) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "health check name \"" + spec.name + "\" must be letters, digits, '_', '-' or '.'");
  }
  if (spec.timeout <= std::chrono::milliseconds(0) || spec.timeout > kMaxTimeout) {
    return MakeError(ErrorCode::kInvalidArgument,
                     context + ": timeout must be between 1 ms and 10 minutes");
  }
  Status valid = std::visit([](const auto& target) { return ValidateTarget(target); }, spec.target);
  if (!valid) return std::unexpected(std::move(valid).error().WithContext(context));
  return {};
}

Status ValidateAll(std::span<const CheckSpec> specs) {
  std::set<std::string_view> names;
  for (const auto& spec : specs) {
    TRY(Validate(spec));
    if (!names.insert(spec.name).second) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "health check name \"" + spec.name + "\" is used twice");
    }
  }
  return {};
}

}  // namespace galaos::health
