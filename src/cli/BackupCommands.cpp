// `backups list`, `backups clean` and `rollback`.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/Commands.h"
#include "cli/DaemonClient.h"
#include "cli/Table.h"
#include "cli/UpdateSupport.h"
#include "core/Time.h"
#include "service/Services.h"
#include "store/BackupJson.h"
#include "store/HistoryJson.h"

namespace galaos::cli {
namespace {

void AddListCommand(CLI::App& group, Context& context, Action& action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* list = group.add_subcommand("list", "Backups, newest first");
  list->add_flag("--json", *json, "As JSON");
  list->callback([&context, &action, json] {
    action = [&context, json]() -> Status {
      const config::Config* config = TRY(context.Config());
      store::Store* store = TRY(context.Store());
      auto services = TRY(service::Services::Make(*config, *store));
      std::vector<store::BackupRecord> backups = TRY(services->backups().List());
      if (*json) {
        nlohmann::json out = nlohmann::json::array();
        for (const store::BackupRecord& backup : backups) out.push_back(store::BackupJson(backup));
        std::printf("%s\n", out.dump(2).c_str());
        return {};
      }
      if (backups.empty()) {
        std::printf("no backups yet\n");
        return {};
      }
      Table table({"ID", "VERSION", "COMMIT", "CREATED (UTC)", "SIZE"});
      for (const store::BackupRecord& backup : backups) {
        table.AddRow({backup.id, backup.version, backup.commit.substr(0, 12),
                      FormatUtc(backup.created_at),
                      fmt::format("{:.1f} KiB", static_cast<double>(backup.size_bytes) / 1024.0)});
      }
      table.Print(stdout);
      return {};
    };
  });
}

void AddCleanCommand(CLI::App& group, Context& context, Action& action) {
  struct Options {
    int keep = 0;  // 0: backup.retention
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* clean = group.add_subcommand("clean", "Remove all but the newest backups");
  clean->add_option("--keep", options->keep, "How many to keep (default: backup.retention)")
      ->check(CLI::Range(1, 100000));
  clean->add_flag("--json", options->json, "As JSON");
  clean->callback([&context, &action, options] {
    action = [&context, options]() -> Status {
      const config::Config* config = TRY(context.Config());
      store::Store* store = TRY(context.Store());
      const int keep = options->keep > 0 ? options->keep : config->backup.retention;
      const nlohmann::json input = {{"keep", keep}};
      auto services = TRY(service::Services::Make(*config, *store));
      auto removed = services->backups().Prune(keep);
      if (!removed) {
        return AuditAndReturn(*store, "backups clean", input,
                              "failed: " + removed.error().message(), "",
                              std::unexpected(removed.error()));
      }
      if (options->json) {
        std::printf("%s\n", nlohmann::json{{"kept", keep}, {"removed", *removed}}.dump(2).c_str());
      } else {
        std::printf("removed %d backup(s), kept at most %d\n", *removed, keep);
      }
      return AuditAndReturn(*store, "backups clean", input, fmt::format("removed {}", *removed), "",
                            Status{});
    };
  });
}

void AddRollbackCommand(CLI::App& app, Context& context, Action& action) {
  struct Options {
    std::string backup;
    bool json = false;
    bool follow = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* rollback = app.add_subcommand(
      "rollback",
      "Return the app to a backup's version: code, files, database, dependencies, build, "
      "restart, health; undone if any of it fails");
  rollback->add_option("backup", options->backup, "A backup id, or its directory")->required();
  rollback->add_flag("--json", options->json, "As JSON (applyCodeUpdate's result shape)");
  rollback->add_flag("--follow", options->follow,
                     "Let the running daemon do it and print its progress here until it ends "
                     "(an admin token in GALAOS_UPDATER_TOKEN)");
  rollback->callback([&context, &action, options] {
    action = [&context, options]() -> Status {
      const config::Config* config = TRY(context.Config());
      if (options->follow) {
        if (options->json) return MakeError(ErrorCode::kInvalidArgument, "--follow prints text");
        return PrintFollowed(TRY(RunAndFollow(*config, "systemUpdates.rollback",
                                              {{"backupPath", options->backup}}, PrintProgress())));
      }
      store::Store* store = TRY(context.Store());
      const nlohmann::json input = {{"backup", options->backup}};
      auto services = TRY(service::Services::Make(*config, *store));
      auto result = services->versions().Rollback(
          {.backup = options->backup, .actor = service::LocalUserName()}, TerminalProgress());
      if (!result) {
        return AuditAndReturn(*store, "rollback", input, "failed: " + result.error().message(), "",
                              std::unexpected(result.error()));
      }
      if (options->json) {
        std::printf("%s\n", code::ToJson(*result).dump(2).c_str());
      } else {
        PrintResult(*result);
      }
      return AuditAndReturn(*store, "rollback", input, result->final_state, result->transaction_id,
                            StatusOf(*result));
    };
  });
}

}  // namespace

void AddBackupCommands(CLI::App& app, Context& context, Action& action) {
  CLI::App* group = app.add_subcommand("backups", "The backups made before updates");
  group->require_subcommand(1);
  AddListCommand(*group, context, action);
  AddCleanCommand(*group, context, action);
  AddRollbackCommand(app, context, action);
}

}  // namespace galaos::cli
