#include "code/UpdatePlan.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace galaos::code {
namespace {

PlannedStep CommandStep(std::string name, const std::optional<Argv>& argv, std::string note) {
  return PlannedStep{.name = std::move(name),
                     .argv = argv,
                     .description = argv ? "" : std::move(note),
                     .skipped = !argv.has_value()};
}

nlohmann::json OptionalString(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

UpdatePlan MakePlan(UpdateTarget target, const ProjectCommands& commands, BackupPlan backup,
                    std::size_t health_checks, std::chrono::seconds probation) {
  UpdatePlan plan{.target = std::move(target),
                  .package_manager = std::string(ManagerName(commands.package_manager.manager)),
                  .package_manager_reason = commands.package_manager.reason,
                  .steps = {},
                  .backup = std::move(backup)};
  const std::string snapshot =
      plan.backup.enabled
          ? fmt::format("record HEAD {}; back up {} file pattern(s){} to {}",
                        plan.target.current_commit.substr(0, 12), plan.backup.critical_files.size(),
                        plan.backup.database ? " and the database" : "", plan.backup.dir.string())
          : fmt::format("record HEAD {}; file and database backup skipped (skipBackup)",
                        plan.target.current_commit.substr(0, 12));
  plan.steps.push_back({.name = "snapshot", .argv = {}, .description = snapshot, .skipped = false});
  plan.steps.push_back(
      {.name = "fetch",
       .argv = {},
       .description = plan.target.branch ? "fetch branch " + *plan.target.branch : "fetch tags",
       .skipped = false});
  plan.steps.push_back(
      {.name = "checkout",
       .argv = {},
       .description =
           plan.target.branch
               ? fmt::format("check out {} on branch {}", plan.target.commit, *plan.target.branch)
               : fmt::format("check out {} ({}) detached", plan.target.commit, plan.target.tag),
       .skipped = false});
  plan.steps.push_back(CommandStep("install", commands.install, ""));
  plan.steps.push_back(CommandStep("migrate", commands.migrate, commands.migrate_note));
  plan.steps.push_back(CommandStep("build", commands.build, commands.build_note));
  plan.steps.push_back(CommandStep("restart", commands.restart, commands.restart_note));
  plan.steps.push_back(
      {.name = "verify",
       .argv = {},
       .description = fmt::format("{} health check(s) against the restarted app", health_checks),
       .skipped = health_checks == 0});
  const bool watched = probation.count() > 0 && health_checks > 0;
  plan.steps.push_back(
      {.name = "probation",
       .argv = {},
       .description = watched ? fmt::format("the health checks again until {} s after verify; a "
                                            "failure still rolls back",
                                            probation.count())
                              : std::string("no probation window (health.probation)"),
       .skipped = !watched});
  return plan;
}

nlohmann::json ToJson(const UpdatePlan& plan) {
  nlohmann::json steps = nlohmann::json::array();
  for (const PlannedStep& step : plan.steps) {
    steps.push_back({{"name", step.name},
                     {"argv", step.argv ? nlohmann::json(*step.argv) : nlohmann::json(nullptr)},
                     {"description", step.description},
                     {"skipped", step.skipped}});
  }
  const UpdateTarget& target = plan.target;
  return {{"currentVersion", target.current_version},
          {"currentCommit", target.current_commit},
          {"currentBranch", OptionalString(target.current_branch)},
          {"targetVersion", target.version},
          {"targetTag", target.tag.empty() ? nlohmann::json(nullptr) : nlohmann::json(target.tag)},
          {"targetCommit", target.commit},
          {"targetBranch", OptionalString(target.branch)},
          {"packageManager", plan.package_manager},
          {"packageManagerReason", plan.package_manager_reason},
          {"steps", std::move(steps)},
          {"backup",
           {{"enabled", plan.backup.enabled},
            {"dir", plan.backup.dir.string()},
            {"criticalFiles", plan.backup.critical_files},
            {"database", plan.backup.database}}}};
}

}  // namespace galaos::code
