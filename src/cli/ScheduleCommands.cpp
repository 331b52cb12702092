// `schedule create|list|remove|enable|disable|next|trigger`: the stored schedules the daemon
// runs, and a manual update run now in this process (under the update lock).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/Commands.h"
#include "cli/Table.h"
#include "cli/UpdateSupport.h"
#include "core/Clock.h"
#include "schedule/ScheduleService.h"
#include "service/Services.h"
#include "service/UpdateRunner.h"

namespace galaos::cli {
namespace {

schedule::ScheduleService Schedules(store::Store& store) {
  return schedule::ScheduleService(store, core::SystemClock::Instance());
}

void PrintSchedule(const store::Schedule& schedule, std::span<const schedule::Seconds> runs) {
  const store::ScheduleSpec& spec = schedule.spec;
  std::printf("%s  %s  %s  %s\n", schedule.id.c_str(), spec.enabled ? "enabled" : "disabled",
              std::string(store::Name(spec.update_type)).c_str(),
              spec.auto_apply ? "auto-apply" : "notify only");
  std::printf("  cron        %s (%s): %s\n", spec.cron.c_str(), spec.timezone.c_str(),
              schedule::DescribeSchedule(spec).c_str());
  if (spec.maintenance_window) {
    std::printf("  window      %s\n", spec.maintenance_window->c_str());
  }
  if (!spec.notification_channels.empty()) {
    std::printf("  channels    %s\n",
                fmt::format("{}", fmt::join(spec.notification_channels, ", ")).c_str());
  }
  if (spec.on_conflict == store::ConflictPolicy::kQueue) {
    std::printf("  on conflict queue (runs once the running update is over)\n");
  }
  std::printf("  last run    %s\n",
              schedule.last_run
                  ? (FormatUtc(*schedule.last_run) + " UTC: " + schedule.last_result).c_str()
                  : "never");
  std::printf("  next run    %s\n",
              schedule.next_run ? (FormatUtc(*schedule.next_run) + " UTC").c_str() : "none");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::printf("  %-11s %s UTC\n", i == 0 ? "fire times" : "", FormatUtc(runs[i]).c_str());
  }
}

void AddCreate(CLI::App& group, Context& context, Action& action) {
  struct Options {
    store::ScheduleSpec spec;
    std::string type = "code";
    std::string on_conflict = "skip";
    std::string window;
    bool disabled = false;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* create = group.add_subcommand("create", "Store a new schedule");
  create->alias("add");
  create->add_option("cron", options->spec.cron, "Cron expression (5 or 6 fields, or @daily...)")
      ->required();
  create->add_option("--type", options->type, "What it updates")
      ->check(CLI::IsMember({"code", "docker", "both"}))
      ->capture_default_str();
  options->spec.timezone.clear();
  create->add_option("--timezone", options->spec.timezone,
                     "IANA zone name, or local (default: schedule.timezone)");
  create->add_flag("--auto-apply", options->spec.auto_apply,
                   "Apply updates (inside the window), not only announce them");
  create->add_option("--window", options->window,
                     "Maintenance window, e.g. \"Sat,Sun 02:00-05:00 Europe/Berlin\"");
  create->add_option("--channel", options->spec.notification_channels,
                     "Notify only these sinks (repeatable): database webhook slack email");
  create
      ->add_option("--on-conflict", options->on_conflict,
                   "When another update runs: skip this run, or queue it until the lock is free")
      ->check(CLI::IsMember({"skip", "queue"}))
      ->capture_default_str();
  create->add_flag("--disabled", options->disabled, "Store it disabled");
  create->add_flag("--json", options->json, "As JSON (listSchedules' shape)");
  create->callback([&context, &action, options] {
    action = [&context, options]() -> Status {
      const config::Config* config = TRY(context.Config());
      store::Store* store = TRY(context.Store());
      store::ScheduleSpec spec = options->spec;
      if (spec.timezone.empty()) spec.timezone = config->schedule.timezone;
      spec.update_type = TRY(store::ParseScheduleUpdateType(options->type));
      spec.on_conflict = TRY(store::ParseConflictPolicy(options->on_conflict));
      spec.enabled = !options->disabled;
      if (!options->window.empty()) spec.maintenance_window = options->window;
      const nlohmann::json input = schedule::ToJson(store::Schedule{.spec = spec}, {});
      Expected<store::Schedule> created = Schedules(*store).Create(spec);
      if (!created) {
        return AuditAndReturn(*store, "schedule create", input,
                              "refused: " + created.error().message(), "",
                              std::unexpected(created.error()));
      }
      const auto runs = TRY(Schedules(*store).NextRuns(created->id, schedule::kListedFireTimes));
      if (options->json) {
        std::printf("%s\n", schedule::ToJson(*created, runs).dump(2).c_str());
      } else {
        PrintSchedule(*created, runs);
      }
      return AuditAndReturn(*store, "schedule create", input, "ok " + created->id, "", Status{});
    };
  });
}

void AddList(CLI::App& group, Context& context, Action& action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* list = group.add_subcommand("list", "The schedules, their next fire times and results");
  list->add_flag("--json", *json, "As JSON (listSchedules' shape)");
  list->callback([&context, &action, json] {
    action = [&context, json]() -> Status {
      store::Store* store = TRY(context.Store());
      nlohmann::json out = nlohmann::json::array();
      const std::vector<store::Schedule> schedules = TRY(Schedules(*store).List());
      for (const store::Schedule& schedule : schedules) {
        const auto runs = TRY(Schedules(*store).NextRuns(schedule.id, schedule::kListedFireTimes));
        if (*json) {
          out.push_back(schedule::ToJson(schedule, runs));
        } else {
          PrintSchedule(schedule, runs);
        }
      }
      if (*json) std::printf("%s\n", out.dump(2).c_str());
      if (!*json && schedules.empty()) std::printf("no schedules\n");
      return {};
    };
  });
}

// remove, enable and disable: one id, audited.
void AddIdCommand(CLI::App& group, Context& context, Action& action, std::string name,
                  std::string help,
                  std::function<Status(schedule::ScheduleService&, const std::string&)> work) {
  auto id = std::make_shared<std::string>();
  CLI::App* command = group.add_subcommand(name, help);
  command->add_option("id", *id, "Schedule id (see schedule list)")->required();
  command->callback([&context, &action, id, name, work] {
    action = [&context, id, name, work]() -> Status {
      store::Store* store = TRY(context.Store());
      schedule::ScheduleService schedules = Schedules(*store);
      Status done = work(schedules, *id);
      if (done)
        std::printf("%s: %s\n", id->c_str(), name == "remove" ? "removed" : (name + "d").c_str());
      return AuditAndReturn(*store, "schedule " + name, {{"scheduleId", *id}},
                            done ? "ok" : "refused: " + done.error().message(), "", done);
    };
  });
}

void AddNext(CLI::App& group, Context& context, Action& action) {
  struct Options {
    std::string id;
    std::size_t count = 10;
  };
  auto options = std::make_shared<Options>();
  CLI::App* next = group.add_subcommand("next", "The next fire times of a schedule");
  next->add_option("id", options->id, "Schedule id")->required();
  next->add_option("--count", options->count, "How many")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  next->callback([&context, &action, options] {
    action = [&context, options]() -> Status {
      store::Store* store = TRY(context.Store());
      for (const schedule::Seconds run :
           TRY(Schedules(*store).NextRuns(options->id, options->count))) {
        std::printf("%s UTC\n", FormatUtc(run).c_str());
      }
      return {};
    };
  });
}

void AddTrigger(CLI::App& group, Context& context, Action& action) {
  struct Options {
    std::string type;
    service::RunRequest request;
    bool check_only = false;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* trigger = group.add_subcommand(
      "trigger", "Run an update now in this process (refused while another update runs)");
  trigger->add_option("type", options->type, "code, docker or both")
      ->required()
      ->check(CLI::IsMember({"code", "docker", "both"}));
  code::UpdateOptions& code = options->request.code_options;
  trigger->add_flag("--check-only", options->check_only,
                    "Only check and announce what is available, as a notify-only schedule does");
  trigger->add_flag("--skip-backup", code.skip_backup, "No backup before a code update");
  trigger->add_flag("--skip-migrations", code.skip_migrations, "Do not migrate");
  trigger->add_flag("--skip-build", code.skip_build, "Do not build");
  trigger->add_option("--channel", options->request.channels,
                      "Announce only to these sinks (repeatable)");
  trigger->add_flag("--json", options->json, "As JSON (triggerUpdate's result)");
  trigger->callback([&context, &action, options] {
    action = [&context, options]() -> Status {
      const config::Config* config = TRY(context.Config());
      store::Store* store = TRY(context.Store());
      service::RunRequest request = options->request;
      request.type = TRY(store::ParseScheduleUpdateType(options->type));
      request.apply = !options->check_only;
      request.code_options.trigger = "cli";
      request.code_options.actor = service::LocalUserName();
      const nlohmann::json input = {{"updateType", options->type},
                                    {"checkOnly", options->check_only},
                                    {"skipBackup", request.code_options.skip_backup},
                                    {"skipMigrations", request.code_options.skip_migrations},
                                    {"skipBuild", request.code_options.skip_build}};
      auto services = TRY(service::Services::Make(*config, *store));
      service::UpdateRunner runner(*config, *store, *services, core::SystemClock::Instance());
      Expected<service::RunOutcome> outcome = runner.Run(request, TerminalProgress());
      if (!outcome) {
        return AuditAndReturn(*store, "schedule trigger", input,
                              "refused: " + outcome.error().message(), "",
                              std::unexpected(outcome.error()));
      }
      if (options->json) {
        std::printf("%s\n", service::ToJson(*outcome).dump(2).c_str());
      } else {
        std::printf("%s\n", outcome->summary.c_str());
      }
      const std::string transaction =
          outcome->code_update ? outcome->code_update->transaction_id : "";
      Status status = outcome->success ? Status{}
                                       : MakeError(ErrorCode::kFailed,
                                                   "the update run failed: " + outcome->summary);
      return AuditAndReturn(*store, "schedule trigger", input, outcome->success ? "ok" : "failed",
                            transaction, status);
    };
  });
}

}  // namespace

void AddScheduleCommands(CLI::App& app, Context& context, Action& action) {
  CLI::App* group = app.add_subcommand("schedule", "Update schedules, and manual update runs");
  group->require_subcommand(1);
  AddCreate(*group, context, action);
  AddList(*group, context, action);
  AddIdCommand(*group, context, action, "remove", "Delete a schedule",
               [](schedule::ScheduleService& schedules, const std::string& id) {
                 return schedules.Remove(id);
               });
  for (const bool enabled : {true, false}) {
    AddIdCommand(*group, context, action, enabled ? "enable" : "disable",
                 enabled ? "Enable a schedule (its next run is computed from now)"
                         : "Disable a schedule (it keeps its settings)",
                 [enabled](schedule::ScheduleService& schedules, const std::string& id) -> Status {
                   TRY(schedules.SetEnabled(id, enabled));
                   return {};
                 });
  }
  AddNext(*group, context, action);
  AddTrigger(*group, context, action);
}

}  // namespace galaos::cli
