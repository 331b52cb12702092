#include "api/SystemUpdates.h"

#include <fmt/format.h>

#include "api/Input.h"
#include "core/Redact.h"
#include "core/Time.h"
#include "docker/ComposeStack.h"
#include "docker/ManagedContainers.h"
#include "release/CurrentVersion.h"
#include "release/UpdateChecker.h"
#include "schedule/ScheduleService.h"
#include "service/Docker.h"
#include "service/UpdateRunner.h"
#include "store/AuditJson.h"
#include "store/BackupJson.h"
#include "store/HistoryJson.h"

namespace galaos::api {
namespace {

using nlohmann::json;
constexpr std::string_view kPrefix = "systemUpdates.";

// Publishes a transaction's progress to the event stream, when there is one.
code::ProgressCallback ProgressTo(EventHub* events) {
  if (!events) return {};
  return [events](const code::ProgressEvent& event) {
    switch (event.kind) {
      case code::ProgressEvent::Kind::kStepStarted:
        events->Publish("step", {{"step", event.step}, {"state", "started"}});
        break;
      case code::ProgressEvent::Kind::kStepFinished:
        events->Publish("step", {{"step", event.step},
                                 {"state", event.ok ? "succeeded" : "failed"},
                                 {"detail", event.text}});
        break;
      case code::ProgressEvent::Kind::kOutput:
        events->Publish("output", {{"step", event.step}, {"line", event.text}});
        break;
    }
  };
}

// A long mutation's answer: its result, or without `wait` its transaction id once it has
// started in `background`. A dry run starts no transaction, so it is always waited for.
Expected<json> RunTransaction(bool wait, BackgroundTransactions* background, bool dry_run,
                              BackgroundTransactions::Work work) {
  if (wait || dry_run) return work({});
  if (!background) {
    return MakeError(ErrorCode::kInvalidArgument, "wait: false is not available on this server");
  }
  return background->Start(std::move(work));
}

// listBackups' entries: the original's {id, path, version, timestamp, metadata}.
// The original applyCodeUpdate options (also applyFullUpdate's codeOptions).
code::UpdateOptions CodeOptions(InputReader& reader, const Caller& caller) {
  code::UpdateOptions options;
  options.branch = reader.OptionalString("branch");
  options.skip_backup = reader.Bool("skipBackup", false);
  options.skip_migrations = reader.Bool("skipMigrations", false);
  options.skip_build = reader.Bool("skipBuild", false);
  options.trigger = "api";
  options.actor = caller.actor;
  return options;
}

// The containers a docker update changes and how: applyDockerUpdate's input, also
// applyFullUpdate's dockerOptions. composeFile is relative to app.root (docker/ComposeStack.h).
docker::DockerUpdateOptions DockerOptions(InputReader& reader, const Caller& caller) {
  docker::DockerUpdateOptions options;
  options.containers =
      reader.OptionalStringArray("containers").value_or(std::vector<std::string>{});
  options.compose_file = reader.OptionalString("composeFile").value_or("");
  if (reader.Has("zeroDowntime")) {  // absent: docker.zero_downtime
    options.zero_downtime = reader.Bool("zeroDowntime", false);
  }
  options.trigger = "api";
  options.actor = caller.actor;
  return options;
}

// What a full update can tell about its docker part before the code update changes anything
// (the rest, e.g. where a compose file's symlinks lead, is checked when that part starts).
Status CheckBeforeTheCode(const config::Config& config,
                          const docker::DockerUpdateOptions& options) {
  if (!options.containers.empty() && !options.compose_file.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "dockerOptions: name containers or a compose file, not both");
  }
  if (options.compose_file.empty()) return {};
  return WithContext(docker::CheckComposeFileName(config.app.root, options.compose_file),
                     "dockerOptions.composeFile");
}

class Registrar {
 public:
  Registrar(TrpcRouter& router, SystemUpdatesContext context)
      : router_(router), context_(context) {}

  void Query(std::string_view name, Access access, Handler handler) {
    router_.Add(fmt::format("{}{}", kPrefix, name), ProcedureKind::kQuery, access,
                std::move(handler));
  }

  // An admin mutation whose every call is audited, whatever its outcome.
  void Mutation(std::string_view name, Handler handler) {
    const std::string path = fmt::format("{}{}", kPrefix, name);
    router_.Add(path, ProcedureKind::kMutation, Access::kAdmin,
                [store = &context_.store, path, handler = std::move(handler)](
                    const Caller& caller, const json& input) -> Expected<json> {
                  Expected<json> output = handler(caller, input);
                  std::string outcome = "ok";
                  std::string transaction_id;
                  if (!output) {
                    outcome = "failed: " + output.error().message();
                  } else if (output->is_object()) {
                    if (output->value("success", true) == false) outcome = "failed";
                    if (!output->contains("success") && output->contains("transactionId")) {
                      outcome = "started";  // wait: false
                    }
                    // null when no transaction ran (a dry run, nothing newer)
                    if (auto id = output->find("transactionId");
                        id != output->end() && id->is_string()) {
                      transaction_id = *id;
                    }
                  }
                  auto audited = store->AppendAudit(store::AuditEntry{
                      .actor = caller.actor,
                      .client_address = caller.address,
                      .request_id = caller.request_id,
                      .action = path,
                      .input_json = core::RedactSecrets(input.is_null() ? "{}" : input.dump()),
                      .outcome = outcome,
                      .transaction_id = transaction_id});
                  // A mutation must be recorded: an audit failure is the caller's error.
                  if (!audited && output) return std::unexpected(audited.error());
                  return output;
                });
  }

 private:
  TrpcRouter& router_;
  SystemUpdatesContext context_;
};

// createSchedule, listSchedules, setScheduleEnabled, removeSchedule and triggerUpdate
// (docs/SCHEDULES.md).
void AddSchedules(Registrar& add, const SystemUpdatesContext& context) {
  const config::Config& config = context.config;
  store::Store& store = context.store;
  auto schedules = [&store] {
    return schedule::ScheduleService(store, core::SystemClock::Instance());
  };
  auto with_runs = [schedules](const store::Schedule& schedule) -> Expected<json> {
    return schedule::ToJson(schedule,
                            TRY(schedules().NextRuns(schedule.id, schedule::kListedFireTimes)));
  };

  add.Query("listSchedules", Access::kViewer,
            [schedules, with_runs](const Caller&, const json& input) -> Expected<json> {
              TRY(InputReader(input).Finish());
              json out = json::array();
              for (const store::Schedule& schedule : TRY(schedules().List())) {
                out.push_back(TRY(with_runs(schedule)));
              }
              return out;
            });

  add.Mutation(
      "createSchedule",
      [&config, schedules, with_runs](const Caller&, const json& input) -> Expected<json> {
        InputReader reader(input);
        store::ScheduleSpec spec;
        spec.enabled = reader.Bool("enabled", true);
        spec.cron = reader.RequiredString("schedule");
        spec.timezone = reader.OptionalString("timezone").value_or(config.schedule.timezone);
        const std::string type = reader.Enum("updateType", {"code", "docker", "both"});
        spec.auto_apply = reader.Bool("autoApply", false);
        spec.maintenance_window = reader.OptionalString("maintenanceWindow");
        spec.notification_channels =
            reader.OptionalStringArray("notificationChannels").value_or(std::vector<std::string>{});
        const std::string on_conflict = reader.Enum("onConflict", {"skip", "queue"}, "skip");
        TRY(reader.Finish());
        spec.update_type = TRY(store::ParseScheduleUpdateType(type));
        spec.on_conflict = TRY(store::ParseConflictPolicy(on_conflict));
        return with_runs(TRY(schedules().Create(spec)));
      });

  add.Mutation("setScheduleEnabled",
               [schedules, with_runs](const Caller&, const json& input) -> Expected<json> {
                 InputReader reader(input);
                 const std::string id = reader.RequiredString("scheduleId");
                 const bool given = reader.Has("enabled");
                 const bool enabled = reader.Bool("enabled", false);
                 TRY(reader.Finish());
                 if (!given) return MakeError(ErrorCode::kInvalidArgument, "enabled: required");
                 return with_runs(TRY(schedules().SetEnabled(id, enabled)));
               });

  add.Mutation("removeSchedule", [schedules](const Caller&, const json& input) -> Expected<json> {
    InputReader reader(input);
    const std::string id = reader.RequiredString("scheduleId");
    TRY(reader.Finish());
    TRY(schedules().Remove(id));
    return json{{"success", true}, {"scheduleId", id}};
  });

  add.Mutation(
      "triggerUpdate",
      [&config, &store, &services = context.services, events = context.events,
       background = context.background,
       last_check = context.last_check](const Caller& caller, const json& input) -> Expected<json> {
        InputReader reader(input);
        service::RunRequest request;
        const std::string type = reader.Enum("updateType", {"code", "docker", "both"});
        InputReader& options = reader.Object("options");
        request.apply = !options.Bool("checkOnly", false);
        request.code_options.branch = options.OptionalString("branch");
        request.code_options.skip_backup = options.Bool("skipBackup", false);
        request.code_options.skip_migrations = options.Bool("skipMigrations", false);
        request.code_options.skip_build = options.Bool("skipBuild", false);
        request.channels = options.OptionalStringArray("notificationChannels")
                               .value_or(std::vector<std::string>{});
        const bool wait = reader.Bool("wait", true);
        TRY(reader.Finish());
        request.type = TRY(store::ParseScheduleUpdateType(type));
        request.code_options.trigger = "api";
        request.code_options.actor = caller.actor;
        // A check only starts no transaction: it is always waited for.
        return RunTransaction(
            wait, background, /*dry_run=*/!request.apply,
            [&config, &store, &services, events, last_check, request](
                const BackgroundTransactions::OnStarted& on_started) mutable -> Expected<json> {
              std::optional<std::string> first_id;
              request.code_options.on_started = [&](const std::string& id) {
                if (!first_id) first_id = id;
                if (on_started) on_started(id);
              };
              service::UpdateRunner runner(
                  config, store, services, core::SystemClock::Instance(),
                  service::ContainerApplier(config, store, ProgressTo(events),
                                            request.code_options.on_started),
                  last_check);
              json out = service::ToJson(TRY(runner.Run(request, ProgressTo(events))));
              if (first_id) out["transactionId"] = *first_id;  // for the audit row
              return out;
            });
      });
}

// The app's version. A code update or rollback rewrites package.json in place (git checkout
// truncates, then writes): a read in between fails, and then the version the unfinished
// transaction started from is the answer, as the app still runs it until its restart step.
Expected<semver::Version> RunningVersion(const config::Config& config, store::Store& store) {
  Expected<semver::Version> version =
      release::CurrentVersion(config.app.root, config.update.version_source);
  if (version) return version;
  for (const store::Transaction& transaction : TRY(store.ListUnfinishedTransactions())) {
    if (transaction.type == store::TransactionType::kDocker || transaction.from_version.empty())
      continue;
    if (auto started = semver::Version::Parse(transaction.from_version, semver::ParseMode::kLoose))
      return started;
  }
  return version;
}

}  // namespace

void AddSystemUpdates(TrpcRouter& router, const SystemUpdatesContext& context) {
  Registrar add(router, context);
  const config::Config& config = context.config;
  store::Store& store = context.store;
  service::Services& services = context.services;

  add.Query("getCurrentVersion", Access::kPublic,
            [&config, &store](const Caller&, const json& input) -> Expected<json> {
              TRY(InputReader(input).Finish());
              semver::Version version = TRY(RunningVersion(config, store));
              json out = {{"version", version.ToString()},
                          {"major", version.major()},
                          {"minor", version.minor()},
                          {"patch", version.patch()}};
              if (version.IsPrerelease())
                out["prerelease"] = fmt::format("{}", fmt::join(version.prerelease(), "."));
              if (!version.build().empty())
                out["build"] = fmt::format("{}", fmt::join(version.build(), "."));
              return out;
            });

  add.Query("checkForUpdates", Access::kViewer,
            [&config, &store, last_check = context.last_check](
                const Caller&, const json& input) -> Expected<json> {
              TRY(InputReader(input).Finish());
              Expected<release::UpdateCheck> checked = service::CheckForUpdate(config, store);
              if (last_check) last_check->RecordCode(checked);
              const release::UpdateCheck check = TRY(std::move(checked));
              json out = {{"code", release::ToJson(check)},
                          {"docker", json::array()},
                          {"timestamp", core::FormatIsoUtc(std::chrono::system_clock::now())}};
              // Containers are checked when Docker is on; an engine that cannot be asked is
              // reported as such (dockerError), not as "no container updates".
              if (config.docker.enabled) {
                auto images = service::CheckContainerImages(config);
                if (last_check) last_check->RecordContainers(images);
                if (!images) {
                  out["dockerError"] = images.error().message();
                  return out;
                }
                for (const docker::ContainerImageCheck& image : *images) {
                  out["docker"].push_back(docker::ToJson(image));
                }
              }
              return out;
            });

  add.Query("healthCheck", Access::kViewer,
            [&services](const Caller&, const json& input) -> Expected<json> {
              TRY(InputReader(input).Finish());
              return health::ToJson(services.CheckHealth());
            });

  add.Query("listBackups", Access::kViewer,
            [&services](const Caller&, const json& input) -> Expected<json> {
              TRY(InputReader(input).Finish());
              json out = json::array();
              for (const store::BackupRecord& backup : TRY(services.backups().List())) {
                out.push_back(store::BackupJson(backup));
              }
              return out;
            });

  add.Query("listContainers", Access::kViewer,
            [&config](const Caller&, const json& input) -> Expected<json> {
              TRY(InputReader(input).Finish());
              auto engine = TRY(service::ConnectEngine(config));
              json out = json::array();
              for (const docker::ManagedContainer& managed :
                   TRY(docker::ListManaged(*engine, config.docker))) {
                out.push_back(docker::ToJson(managed));
              }
              return out;
            });

  add.Query("getDockerInfo", Access::kViewer,
            [&config](const Caller&, const json& input) -> Expected<json> {
              TRY(InputReader(input).Finish());
              auto engine = TRY(service::ConnectEngine(config));
              return docker::ToJson(TRY(docker::GetEngineInfo(*engine)));
            });

  add.Query("getUpdateHistory", Access::kViewer,
            [&store](const Caller&, const json& input) -> Expected<json> {
              InputReader reader(input);
              const int limit = static_cast<int>(reader.Int("limit", 20, 1, 100));
              TRY(reader.Finish());
              std::vector<store::Transaction> transactions =
                  TRY(store.ListTransactions(store::TransactionQuery{.limit = limit}));
              return store::HistoryJson(transactions);
            });

  add.Mutation(
      "applyCodeUpdate",
      [&services, events = context.events, background = context.background](
          const Caller& caller, const json& input) -> Expected<json> {
        InputReader reader(input);
        code::UpdateOptions options = CodeOptions(reader, caller);
        options.target = reader.OptionalString("target");
        options.dry_run = reader.Bool("dryRun", false);
        const bool wait = reader.Bool("wait", true);
        TRY(reader.Finish());
        return RunTransaction(
            wait, background, options.dry_run,
            [&services, events, options](auto on_started) mutable -> Expected<json> {
              options.on_started = std::move(on_started);
              return code::ToJson(TRY(services.versions().Apply(options, ProgressTo(events))));
            });
      });

  add.Mutation(
      "rollback",
      [&services, events = context.events, background = context.background](
          const Caller& caller, const json& input) -> Expected<json> {
        InputReader reader(input);
        code::RollbackOptions options;
        options.backup = reader.RequiredString("backupPath");
        options.trigger = "api";
        options.actor = caller.actor;
        const bool wait = reader.Bool("wait", true);
        TRY(reader.Finish());
        return RunTransaction(
            wait, background, /*dry_run=*/false,
            [&services, events, options](auto on_started) mutable -> Expected<json> {
              options.on_started = std::move(on_started);
              return code::ToJson(TRY(services.versions().Rollback(options, ProgressTo(events))));
            });
      });

  add.Mutation("applyDockerUpdate",
               [&config, &store, events = context.events, background = context.background](
                   const Caller& caller, const json& input) -> Expected<json> {
                 InputReader reader(input);
                 docker::DockerUpdateOptions options = DockerOptions(reader, caller);
                 options.dry_run = reader.Bool("dryRun", false);
                 const bool wait = reader.Bool("wait", true);
                 TRY(reader.Finish());
                 return RunTransaction(
                     wait, background, options.dry_run,
                     [&config, &store, events, options](auto on_started) mutable -> Expected<json> {
                       options.on_started = std::move(on_started);
                       return docker::ToJson(TRY(
                           service::UpdateContainers(config, store, options, ProgressTo(events))));
                     });
               });

  // Code first; the containers are not touched when the code update failed. Two transactions
  // in the history (code, then docker), as a scheduled "both" run makes.
  add.Mutation(
      "applyFullUpdate",
      [&config, &store, &services, events = context.events, background = context.background](
          const Caller& caller, const json& input) -> Expected<json> {
        InputReader reader(input);
        code::UpdateOptions code_options = CodeOptions(reader.Object("codeOptions"), caller);
        docker::DockerUpdateOptions docker_options =
            DockerOptions(reader.Object("dockerOptions"), caller);
        const bool wait = reader.Bool("wait", true);
        TRY(reader.Finish());
        TRY(CheckBeforeTheCode(config, docker_options));
        return RunTransaction(
            wait, background, /*dry_run=*/false,
            [&config, &store, &services, events, code_options, docker_options](
                const BackgroundTransactions::OnStarted& on_started) mutable -> Expected<json> {
              code_options.on_started = on_started;
              docker_options.on_started = on_started;
              const code::UpdateResult code =
                  TRY(services.versions().Apply(code_options, ProgressTo(events)));
              const json code_json = code::ToJson(code);
              json out{{"success", false},
                       {"code", code_json},
                       {"transactionId", code_json["transactionId"]}};  // for the audit
              if (!code.success) {
                out["docker"] = {{"success", false},
                                 {"errors", {"not applied: the code update failed"}}};
                out["state"] = service::RunState(false, {code.final_state});
                return out;
              }
              Expected<docker::DockerUpdateResult> containers =
                  service::UpdateContainers(config, store, docker_options, ProgressTo(events));
              out["docker"] =
                  containers ? docker::ToJson(*containers)
                             : json{{"success", false}, {"errors", {containers.error().message()}}};
              out["success"] = containers && containers->success;
              out["state"] = service::RunState(
                  out["success"], {code.final_state, containers ? containers->final_state : ""});
              return out;
            });
      });

  // Rollback images beyond the newest `keep` per container (default docker.image_retention);
  // never an image a container uses, never an image of anything else.
  add.Mutation("pruneImages", [&config](const Caller&, const json& input) -> Expected<json> {
    InputReader reader(input);
    const bool dry_run = reader.Bool("dryRun", false);
    std::optional<int> keep;
    if (reader.Has("keep")) keep = static_cast<int>(reader.Int("keep", 1, 1, 1000));
    TRY(reader.Finish());
    const docker::PrunePlan plan = TRY(service::PruneRollbackImages(config, keep, dry_run));
    json out = docker::ToJson(plan);
    out["message"] =
        fmt::format("{} {} rollback image(s), {:.1f} MB", dry_run ? "Would delete" : "Deleted",
                    plan.images_deleted, static_cast<double>(plan.bytes_freed) / 1e6);
    return out;
  });

  add.Mutation("restartContainers", [&config](const Caller&, const json& input) -> Expected<json> {
    InputReader reader(input);
    const std::vector<std::string> names =
        reader.OptionalStringArray("containers").value_or(std::vector<std::string>{});
    TRY(reader.Finish());
    const std::vector<std::string> restarted = TRY(service::RestartManaged(config, names));
    return json{{"success", true}, {"restarted", restarted}};
  });

  add.Mutation("cleanBackups", [&services](const Caller&, const json& input) -> Expected<json> {
    InputReader reader(input);
    const int keep = static_cast<int>(reader.Int("keepCount", 5, 1, 100000));
    TRY(reader.Finish());
    const int deleted = TRY(services.backups().Prune(keep));
    return json{{"deletedCount", deleted},
                {"message", fmt::format("Deleted {} old backup(s)", deleted)}};
  });

  AddSchedules(add, context);

  // The audit log for the dashboard (viewers too: it records who changed what, no secrets,
  // since inputs are redacted before they are written). since/until: milliseconds since the
  // epoch, as JavaScript's Date.getTime(); since inclusive, until exclusive.
  add.Query("getAuditLog", Access::kViewer,
            [&store](const Caller&, const json& input) -> Expected<json> {
              InputReader reader(input);
              store::AuditQuery query{.limit = static_cast<int>(reader.Int("limit", 100, 1, 1000))};
              query.actor = reader.OptionalString("actor");
              query.action = reader.OptionalString("action");
              if (reader.Has("outcome")) query.outcome = reader.Enum("outcome", {"ok", "failed"});
              const auto time = [&reader](std::string_view key) -> std::optional<store::TimePoint> {
                if (!reader.Has(key)) return std::nullopt;
                return store::TimePoint(std::chrono::milliseconds(
                    reader.Int(key, 0, 0, std::int64_t{253402300799999})));  // up to year 9999
              };
              query.since = time("since");
              query.until = time("until");
              TRY(reader.Finish());
              json out = json::array();
              for (const store::AuditRecord& row : TRY(store.ListAudit(query))) {
                out.push_back(store::AuditRowJson(row));
              }
              return out;
            });

  add.Query("verifyAuditLog", Access::kViewer,
            [&store](const Caller&, const json& input) -> Expected<json> {
              TRY(InputReader(input).Finish());
              return store::AuditVerificationJson(TRY(store.VerifyAuditLog()));
            });
}

}  // namespace galaos::api
