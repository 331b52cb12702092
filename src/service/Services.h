// What the CLI's commands and the daemon's API both need, built from the configuration: the
// health checks, the backup store, the VersionManager, and the update check.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backup/BackupStore.h"
#include "code/VersionManager.h"
#include "config/Config.h"
#include "health/CheckSpec.h"
#include "health/HealthChecker.h"
#include "health/HealthReport.h"
#include "release/UpdateChecker.h"
#include "store/Store.h"

namespace galaos::service {

// The configured checks (health.checks) plus the built-ins, in this order:
//   api       GET app.api_url, when set
//   database  postgres:// URLs: SELECT 1; sqlite:/file: URLs and paths: PRAGMA quick_check
//   redis     PING app.redis_url, when set
//   docker    GET /_ping on docker.host when docker.enabled and the host is tcp://, or a unix
//             socket that exists. docker.enabled is on by default, so a machine without Docker
//             does not become unhealthy just because Docker was never configured.
// kInvalidArgument when app.database_url cannot be read (the URL is not repeated).
Expected<std::vector<health::CheckSpec>> HealthChecks(const config::Config& config);

// Owns everything a VersionManager references; `config` and `store` must outlive it.
class Services {
 public:
  static Expected<std::unique_ptr<Services>> Make(const config::Config& config,
                                                  store::Store& store);

  backup::BackupStore& backups() { return backups_; }
  code::VersionManager& versions() { return versions_; }
  // Runs the configured checks (HealthChecks) once.
  health::HealthReport CheckHealth() const { return checker_.Run(checks_); }

 private:
  Services(const config::Config& config, store::Store& store,
           std::vector<health::CheckSpec> checks);

  health::HealthChecker checker_;
  std::vector<health::CheckSpec> checks_;
  backup::BackupStore backups_;
  code::VersionManager versions_;
};

// Is a code update available? The running version against the configured release source
// (git tags or GitHub Releases, with the response cache in `store`) under the update policy.
Expected<release::UpdateCheck> CheckForUpdate(const config::Config& config, store::Store& store);

// The local user running the command (getpwuid(geteuid())), or "uid <n>" when it has no name.
std::string LocalUserName();

}  // namespace galaos::service
