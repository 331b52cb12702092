#include "api/SystemUpdates.h"

#include <fmt/format.h>

#include "api/Input.h"
#include "core/Redact.h"
#include "core/Time.h"
#include "docker/ManagedContainers.h"
#include "release/CurrentVersion.h"
#include "release/UpdateChecker.h"
#include "service/Docker.h"
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

// listBackups' entries: the original's {id, path, version, timestamp, metadata}.
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

}  // namespace

void AddSystemUpdates(TrpcRouter& router, const SystemUpdatesContext& context) {
  Registrar add(router, context);
  const config::Config& config = context.config;
  store::Store& store = context.store;
  service::Services& services = context.services;

  add.Query("getCurrentVersion", Access::kPublic,
            [&config](const Caller&, const json& input) -> Expected<json> {
              TRY(InputReader(input).Finish());
              semver::Version version =
                  TRY(release::CurrentVersion(config.app.root, config.update.version_source));
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
            [&config, &store](const Caller&, const json& input) -> Expected<json> {
              TRY(InputReader(input).Finish());
              release::UpdateCheck check = TRY(service::CheckForUpdate(config, store));
              json out = {{"code", release::ToJson(check)},
                          {"docker", json::array()},
                          {"timestamp", core::FormatIsoUtc(std::chrono::system_clock::now())}};
              // Containers are checked when Docker is on; an engine that cannot be asked is
              // reported as such (dockerError), not as "no container updates".
              if (config.docker.enabled) {
                auto images = service::CheckContainerImages(config);
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

  add.Mutation("applyCodeUpdate",
               [&services, events = context.events](const Caller& caller,
                                                    const json& input) -> Expected<json> {
                 InputReader reader(input);
                 code::UpdateOptions options;
                 options.branch = reader.OptionalString("branch");
                 options.target = reader.OptionalString("target");
                 options.skip_backup = reader.Bool("skipBackup", false);
                 options.skip_migrations = reader.Bool("skipMigrations", false);
                 options.skip_build = reader.Bool("skipBuild", false);
                 options.dry_run = reader.Bool("dryRun", false);
                 TRY(reader.Finish());
                 options.trigger = "api";
                 options.actor = caller.actor;
                 code::UpdateResult result =
                     TRY(services.versions().Apply(options, ProgressTo(events)));
                 return code::ToJson(result);
               });

  add.Mutation("rollback",
               [&services, events = context.events](const Caller& caller,
                                                    const json& input) -> Expected<json> {
                 InputReader reader(input);
                 code::RollbackOptions options;
                 options.backup = reader.RequiredString("backupPath");
                 TRY(reader.Finish());
                 options.trigger = "api";
                 options.actor = caller.actor;
                 code::UpdateResult result =
                     TRY(services.versions().Rollback(options, ProgressTo(events)));
                 return code::ToJson(result);
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
