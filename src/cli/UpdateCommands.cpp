// `check`, `apply code`, `recover` (code and Docker updates) and `health`.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/Commands.h"
#include "cli/DaemonClient.h"
#include "cli/Table.h"
#include "cli/UpdateSupport.h"
#include "core/Clock.h"
#include "health/HealthReport.h"
#include "release/UpdateChecker.h"
#include "service/Docker.h"
#include "service/Services.h"

namespace galaos::cli {
namespace {

void PrintCheck(const release::UpdateCheck& check) {
  std::printf("current   %s\n", check.current_version.ToString().c_str());
  std::printf("latest    %s%s\n",
              check.latest_version ? check.latest_version->ToString().c_str() : "(unknown)",
              check.target_tag.empty() ? "" : fmt::format(" ({})", check.target_tag).c_str());
  std::printf("available %s\n", check.available ? "yes" : "no");
  std::printf("breaking  %s\n", check.breaking ? "yes" : "no");
  for (const std::string& reason : check.breaking_reasons) std::printf("  %s\n", reason.c_str());
  if (check.release_date) {
    std::printf("released  %s\n", FormatUtc(*check.release_date).c_str());
  }
  for (const release::SkippedRelease& skipped : check.skipped) {
    std::printf("skipped   %s: %s\n", skipped.tag.c_str(), skipped.reason.c_str());
  }
  if (!check.changelog.empty()) std::printf("\n%s\n", check.changelog.c_str());
}

void AddCheckCommand(CLI::App& app, Context& context, Action& action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* check = app.add_subcommand("check", "Is a code update available?");
  check->add_flag("--json", *json, "As JSON (checkForUpdates' code object)");
  check->callback([&context, &action, json] {
    action = [&context, json]() -> Status {
      const config::Config* config = TRY(context.Config());
      store::Store* store = TRY(context.Store());
      release::UpdateCheck check = TRY(service::CheckForUpdate(*config, *store));
      if (*json) {
        std::printf("%s\n", release::ToJson(check).dump(2).c_str());
      } else {
        PrintCheck(check);
      }
      return {};
    };
  });
}

void AddApplyCommand(CLI::App& app, Context& context, Action& action) {
  struct Options {
    code::UpdateOptions update;
    std::string branch;
    std::string target;
    bool json = false;
    bool follow = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* apply = app.add_subcommand("apply", "Apply an update");
  apply->require_subcommand(1);
  CLI::App* code = apply->add_subcommand("code", "Update the application's code in place");
  code->add_option("--branch", options->branch, "Follow this branch's head instead of tags");
  code->add_option("--target", options->target,
                   "Install this release tag or version instead of the newest allowed one");
  code->add_flag("--skip-backup", options->update.skip_backup, "No backup before updating");
  code->add_flag("--skip-migrations", options->update.skip_migrations, "Do not migrate");
  code->add_flag("--skip-build", options->update.skip_build, "Do not build");
  code->add_flag("--dry-run", options->update.dry_run, "Print the plan; change nothing");
  code->add_flag("--allow-downgrade", options->update.allow_downgrade,
                 "Let --target be older than the running version");
  code->add_flag("--require-healthy", options->update.require_healthy_before,
                 "Refuse to start unless every health check passes now");
  code->add_flag("--json", options->json, "As JSON (applyCodeUpdate's result)");
  code->add_flag("--follow", options->follow,
                 "Let the running daemon apply it and print its progress here until it ends "
                 "(an admin token in GALAOS_UPDATER_TOKEN)");
  code->callback([&context, &action, options] {
    action = [&context, options]() -> Status {
      const config::Config* config = TRY(context.Config());
      if (options->follow) {
        if (options->update.dry_run || options->update.allow_downgrade ||
            options->update.require_healthy_before || options->json) {
          return MakeError(ErrorCode::kInvalidArgument,
                           "--follow goes with --branch, --target and --skip-* only");
        }
        nlohmann::json input = {{"skipBackup", options->update.skip_backup},
                                {"skipMigrations", options->update.skip_migrations},
                                {"skipBuild", options->update.skip_build}};
        if (!options->branch.empty()) input["branch"] = options->branch;
        if (!options->target.empty()) input["target"] = options->target;
        return PrintFollowed(
            TRY(RunAndFollow(*config, "systemUpdates.applyCodeUpdate", input, PrintProgress())));
      }
      store::Store* store = TRY(context.Store());
      code::UpdateOptions update = options->update;
      if (!options->branch.empty()) update.branch = options->branch;
      if (!options->target.empty()) update.target = options->target;
      update.actor = service::LocalUserName();
      const nlohmann::json input = {{"branch", options->branch},
                                    {"target", options->target},
                                    {"skipBackup", update.skip_backup},
                                    {"skipMigrations", update.skip_migrations},
                                    {"skipBuild", update.skip_build},
                                    {"dryRun", update.dry_run},
                                    {"allowDowngrade", update.allow_downgrade},
                                    {"requireHealthy", update.require_healthy_before}};
      auto services = TRY(service::Services::Make(*config, *store));
      auto result = services->versions().Apply(update, TerminalProgress());
      if (!result) {
        return AuditAndReturn(*store, "apply code", input, "refused: " + result.error().message(),
                              "", std::unexpected(result.error()));
      }
      if (options->json) {
        std::printf("%s\n", code::ToJson(*result).dump(2).c_str());
      } else {
        PrintResult(*result);
      }
      return AuditAndReturn(*store, "apply code", input, result->final_state,
                            result->transaction_id, StatusOf(*result));
    };
  });
}

void AddRecoverCommand(CLI::App& app, Context& context, Action& action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* recover = app.add_subcommand(
      "recover", "Finish or roll back the code and Docker updates a killed updater left");
  recover->add_flag("--json", *json,
                    "As JSON (a list of update results: code ones, then Docker ones)");
  recover->callback([&context, &action, json] {
    action = [&context, json]() -> Status {
      const config::Config* config = TRY(context.Config());
      store::Store* store = TRY(context.Store());
      auto services = TRY(service::Services::Make(*config, *store));
      auto results = services->versions().Recover(TerminalProgress());
      auto containers = results
                            ? service::RecoverContainerUpdates(*config, *store, TerminalProgress())
                            : Expected<std::vector<docker::DockerUpdateResult>>{};
      if (!results || !containers) {
        const Error& error = !results ? results.error() : containers.error();
        return AuditAndReturn(*store, "recover", nlohmann::json::object(),
                              "refused: " + error.message(), "", std::unexpected(error));
      }
      nlohmann::json out = nlohmann::json::array();
      Status status;
      const auto record = [&](const std::string& id, const std::string& state,
                              bool failed) -> Status {
        if (failed) status = MakeError(ErrorCode::kFailed, "the rollback of " + id + " failed");
        return AuditAndReturn(*store, "recover", nlohmann::json::object(), state, id, Status{});
      };
      for (const code::UpdateResult& result : *results) {
        out.push_back(code::ToJson(result));
        if (!*json) PrintResult(result);
        TRY(record(result.transaction_id, result.final_state,
                   result.final_state == code::StateName(code::UpdateState::kRollbackFailed)));
      }
      for (const docker::DockerUpdateResult& result : *containers) {
        out.push_back(docker::ToJson(result));
        if (!*json) PrintResult(result);
        TRY(record(result.transaction_id, result.final_state,
                   result.final_state == "RollbackFailed"));
      }
      const bool nothing = results->empty() && containers->empty();
      if (*json) {
        std::printf("%s\n", out.dump(2).c_str());
      } else if (nothing) {
        std::printf("nothing to recover\n");
      }
      if (nothing) {
        return AuditAndReturn(*store, "recover", nlohmann::json::object(), "nothing to recover", "",
                              Status{});
      }
      return status;
    };
  });
}

void AddHealthCommand(CLI::App& app, Context& context, Action& action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* health =
      app.add_subcommand("health", "Run every health check once (exit 1: unhealthy)");
  health->add_flag("--json", *json, "As JSON (healthCheck's shape)");
  health->callback([&context, &action, json] {
    action = [&context, json]() -> Status {
      const config::Config* config = TRY(context.Config());
      std::vector<health::CheckSpec> specs = TRY(service::HealthChecks(*config));
      const health::HealthReport report = health::HealthChecker().Run(specs);
      if (*json) {
        std::printf("%s\n", health::ToJson(report).dump(2).c_str());
      } else if (specs.empty()) {
        std::printf("no health checks configured\n");
      } else {
        Table table({"CHECK", "HEALTHY", "DURATION", "DETAIL"});
        for (const health::CheckSpec& spec : specs) {
          const health::CheckResult& result = report.checks.at(spec.name);
          table.AddRow({spec.name, result.healthy ? "yes" : "no",
                        fmt::format("{}ms", result.duration.count()),
                        result.error ? result.error->message() : result.message});
        }
        table.Print(stdout);
      }
      if (!report.healthy) {
        return MakeError(ErrorCode::kUnavailable,
                         fmt::format("unhealthy: {}", fmt::join(report.errors, "; ")));
      }
      return {};
    };
  });
}

}  // namespace

void AddUpdateCommands(CLI::App& app, Context& context, Action& action) {
  AddCheckCommand(app, context, action);
  AddApplyCommand(app, context, action);
  AddRecoverCommand(app, context, action);
  AddHealthCommand(app, context, action);
}

}  // namespace galaos::cli
