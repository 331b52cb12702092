#include "service/Services.h"

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <type_traits>

#include "backup/DatabaseUrl.h"
#include "code/Project.h"
#include "core/Clock.h"
#include "git/Repository.h"
#include "release/CurrentVersion.h"
#include "release/MakeReleaseSource.h"
#include "release/ResponseCache.h"

namespace galaos::service {
namespace {

constexpr std::string_view kUnixScheme = "unix://";

health::CheckTarget TargetFor(const config::HealthCheckSpec& spec, const config::Config& config) {
  return std::visit(
      [&config](const auto& check) -> health::CheckTarget {
        using T = std::decay_t<decltype(check)>;
        if constexpr (std::is_same_v<T, config::HttpCheck>) {
          return health::HttpCheck{.url = check.url,
                                   .min_status = check.expected_status,
                                   .max_status = check.expected_status,
                                   .body_contains = check.body_contains};
        } else if constexpr (std::is_same_v<T, config::TcpCheck>) {
          return health::TcpCheck{.host = check.address.host, .port = check.address.port};
        } else if constexpr (std::is_same_v<T, config::PostgresCheck>) {
          return health::PostgresCheck{.url = check.url};
        } else if constexpr (std::is_same_v<T, config::RedisCheck>) {
          return health::RedisCheck{.url = check.url};
        } else if constexpr (std::is_same_v<T, config::DockerCheck>) {
          return health::DockerCheck{.endpoint = config.docker.host};
        } else if constexpr (std::is_same_v<T, config::SqliteCheck>) {
          return health::SqliteCheck{
              .path = check.path.is_absolute() ? check.path : config.app.root / check.path};
        } else if constexpr (std::is_same_v<T, config::WorkerQueueCheck>) {
          return health::WorkerQueueCheck{.redis_url = check.redis_url,
                                          .queue = check.queue,
                                          .prefix = check.prefix,
                                          .max_waiting = check.max_waiting,
                                          .min_workers = check.min_workers};
        } else {
          static_assert(std::is_same_v<T, config::CommandCheck>);
          return health::CommandCheck{.argv = check.argv, .cwd = config.app.root};
        }
      },
      spec);
}

bool DockerConfigured(const config::DockerConfig& docker) {
  if (!docker.enabled) return false;
  if (!docker.host.starts_with(kUnixScheme)) return true;  // tcp:// is an explicit choice
  std::error_code ignored;
  return std::filesystem::exists(docker.host.substr(kUnixScheme.size()), ignored);
}

}  // namespace

Expected<std::vector<health::CheckSpec>> HealthChecks(const config::Config& config) {
  const auto timeout = config.health.timeout;
  std::vector<health::CheckSpec> specs;
  for (const config::HealthCheck& check : config.health.checks) {
    specs.push_back({.name = check.name,
                     .timeout = check.timeout.value_or(timeout),
                     .target = TargetFor(check.spec, config)});
  }
  if (!config.app.api_url.empty()) {
    specs.push_back({.name = "api",
                     .timeout = timeout,
                     .target = health::HttpCheck{.url = config.app.api_url}});
  }
  if (!config.app.database_url.empty()) {
    backup::DatabaseTarget db = TRY(WithContext(
        backup::ParseDatabaseUrl(config.app.database_url, config.app.root), "app.database_url"));
    health::CheckTarget target = health::SqliteCheck{.path = db.sqlite_path};
    if (db.kind == backup::DatabaseKind::kPostgres) {
      target = health::PostgresCheck{.url = config.app.database_url};
    }
    specs.push_back({.name = "database", .timeout = timeout, .target = std::move(target)});
  }
  if (!config.app.redis_url.empty()) {
    specs.push_back({.name = "redis",
                     .timeout = timeout,
                     .target = health::RedisCheck{.url = config.app.redis_url}});
  }
  if (DockerConfigured(config.docker)) {
    specs.push_back({.name = "docker",
                     .timeout = timeout,
                     .target = health::DockerCheck{.endpoint = config.docker.host}});
  }
  return specs;
}

Expected<std::unique_ptr<Services>> Services::Make(const config::Config& config,
                                                   store::Store& store) {
  std::vector<health::CheckSpec> checks = TRY(HealthChecks(config));
  return std::unique_ptr<Services>(new Services(config, store, std::move(checks)));
}

Services::Services(const config::Config& config, store::Store& store,
                   std::vector<health::CheckSpec> checks)
    : checks_(checks),
      backups_(config.backup.dir, store, core::SystemClock::Instance()),
      versions_(config, store, backups_, core::SystemClock::Instance(), checker_,
                std::move(checks)) {}

std::string LocalUserName() {
  const uid_t uid = geteuid();
  if (const passwd* entry = getpwuid(uid); entry != nullptr && entry->pw_name != nullptr) {
    return entry->pw_name;
  }
  return "uid " + std::to_string(uid);
}

Expected<release::UpdateCheck> CheckForUpdate(const config::Config& config, store::Store& store) {
  core::Clock& clock = core::SystemClock::Instance();
  git::Repository repository = TRY(code::OpenAppRepository(config));
  const semver::Version current =
      TRY(release::CurrentVersion(config.app.root, config.update.version_source));
  release::StoreResponseCache cache(store);
  auto source = TRY(release::MakeReleaseSource(config, repository, &cache, clock));
  release::UpdateChecker checker(repository, config.git.remote, *source, clock);
  return checker.Check(current, release::CheckOptionsFrom(config));
}

}  // namespace galaos::service
