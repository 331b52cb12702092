// CheckSpec: what one health check probes, and how long it may take. Plain data the config
// module fills in; Validate() checks it once at load, HealthChecker runs it. Members without
// another default carry `{}`, so designated initializers may leave them out under -Wextra.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/Error.h"

namespace galaos::health {

// The order matches CheckTarget's alternatives.
enum class CheckKind { kHttp, kTcp, kPostgres, kRedis, kDocker, kSqlite, kWorkerQueue, kCommand };

std::string_view CheckKindName(CheckKind kind);  // "http", "tcp", ..., "worker_queue", "command"
Expected<CheckKind> ParseCheckKind(std::string_view name);

// GET url; healthy when min_status <= status <= max_status and, if body_contains is not empty,
// the body (its first 1 MiB) contains it. Redirects are not followed.
struct HttpCheck {
  std::string url{};  // http:// or https://
  int min_status = 200;
  int max_status = 299;
  std::string body_contains{};
};

// A TCP connection to host:port can be opened.
struct TcpCheck {
  std::string host{};
  int port = 0;
};

// Connects with libpq and runs SELECT 1.
struct PostgresCheck {
  std::string url{};  // postgresql://user:pass@host:port/db URI or a key=value conninfo
};

// Connects, authenticates, selects the database and expects PONG to PING.
struct RedisCheck {
  std::string url{};  // redis://[[user]:password@]host[:port][/db]
};

// GET /_ping on the Docker Engine API expecting 200 "OK".
struct DockerCheck {
  std::string endpoint = "unix:///var/run/docker.sock";  // DOCKER_HOST form, or tcp://host:port
};

// Opens the file read-only and runs PRAGMA quick_check.
struct SqliteCheck {
  std::filesystem::path path{};
};

// A BullMQ queue in Redis: healthy when at least min_workers workers are connected and at most
// max_waiting jobs wait (wait + legacy paused lists + prioritized set).
struct WorkerQueueCheck {
  std::string redis_url{};  // as RedisCheck::url
  std::string queue{};      // the BullMQ queue name (no ':', as BullMQ requires)
  std::string prefix = "bull";
  std::int64_t max_waiting = 1000;
  std::int64_t min_workers = 1;
};

// Runs argv (never through a shell); healthy on exit status 0.
struct CommandCheck {
  std::vector<std::string> argv{};
  std::filesystem::path cwd{};  // empty: the updater's working directory
};

using CheckTarget = std::variant<HttpCheck, TcpCheck, PostgresCheck, RedisCheck, DockerCheck,
                                 SqliteCheck, WorkerQueueCheck, CommandCheck>;

struct CheckSpec {
  std::string name{};  // the key in the report: "api", "database", "redis", "workers", ...
  // Bounds the whole check, except host name lookups inside libpq and hiredis (synchronous).
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};
  CheckTarget target{};

  CheckKind kind() const { return static_cast<CheckKind>(target.index()); }
};

// Checks one spec's fields; messages name the check and never contain a password.
Status Validate(const CheckSpec& spec);
// Every spec valid and names unique.
Status ValidateAll(std::span<const CheckSpec> specs);

}  // namespace galaos::health
