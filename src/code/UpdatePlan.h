// UpdatePlan: what a code update would do, computed without touching anything — for
// `apply code --dry-run` and the API's dry-run plan.
#pragma once

#include <chrono>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "code/Project.h"

namespace galaos::code {

struct PlannedStep {
  std::string name{};          // "install", "migrate", ...
  std::optional<Argv> argv{};  // the command a command step runs; nullopt: no command
  std::string description{};   // what it does, or why it is skipped
  bool skipped = false;
};

struct BackupPlan {
  bool enabled = true;  // false with skipBackup
  std::filesystem::path dir{};
  std::vector<std::string> critical_files{};  // globs relative to the app root
  bool database = false;                      // a database dump is included
};

struct UpdateTarget {
  std::string current_version{};
  std::string current_commit{};
  std::optional<std::string> current_branch{};
  std::string version{};  // the target's version; empty when unknown (a branch head without one)
  std::string tag{};      // empty when following a branch
  std::string commit{};   // exactly what will be checked out
  std::optional<std::string> branch{};  // set when following a branch
};

struct UpdatePlan {
  UpdateTarget target{};
  std::string package_manager{};  // ManagerName
  std::string package_manager_reason{};
  std::vector<PlannedStep> steps{};  // in the order the transaction runs them
  BackupPlan backup{};
};

// The steps in transaction order: snapshot, fetch, checkout, install, migrate, build, restart,
// verify (with `health_checks` checks), probation (skipped when `probation` is 0 or there are
// no checks).
UpdatePlan MakePlan(UpdateTarget target, const ProjectCommands& commands, BackupPlan backup,
                    std::size_t health_checks, std::chrono::seconds probation);

// {currentVersion, currentCommit, currentBranch, targetVersion, targetTag, targetCommit,
//  targetBranch, packageManager, packageManagerReason, steps:[{name, argv|null, description,
//  skipped}], backup:{enabled, dir, criticalFiles, database}}
nlohmann::json ToJson(const UpdatePlan& plan);

}  // namespace galaos::code
