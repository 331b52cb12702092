#include "docker/UpdateManager.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "docker/ComposeStack.h"
#include "docker/ContainerSpec.h"
#include "docker/ImageCheck.h"
#include "docker/ImageReference.h"
#include "docker/ManagedContainers.h"
#include "docker/ZeroDowntime.h"
#include "store/UpdateLock.h"

namespace galaos::docker {
namespace {

using nlohmann::json;
using store::TransactionStatus;

constexpr int kStateVersion = 1;

// The transaction's states (see UpdateManager.h), as journaled.
enum class State {
  kPreflight,
  kPull,
  kTag,
  kRecreate,
  kCommit,
  kRollback,
  kSucceeded,
  kFailed,
  kRolledBack,
  kRollbackFailed,
};
constexpr std::array<std::pair<State, std::string_view>, 10> kStateNames = {{
    {State::kPreflight, "Preflight"},
    {State::kPull, "Pull"},
    {State::kTag, "Tag"},
    {State::kRecreate, "Recreate"},
    {State::kCommit, "Commit"},
    {State::kRollback, "Rollback"},
    {State::kSucceeded, "Succeeded"},
    {State::kFailed, "Failed"},
    {State::kRolledBack, "RolledBack"},
    {State::kRollbackFailed, "RollbackFailed"},
}};

std::string_view StateName(State state) {
  for (const auto& [value, name] : kStateNames) {
    if (value == state) return name;
  }
  return "unknown";
}

Expected<State> ParseState(std::string_view text) {
  for (const auto& [value, name] : kStateNames) {
    if (name == text) return value;
  }
  return MakeError(ErrorCode::kCorrupt, fmt::format("unknown docker update state \"{}\"", text));
}

TransactionStatus StoreStatus(State state) {
  switch (state) {
    case State::kSucceeded:
      return TransactionStatus::kSucceeded;
    case State::kFailed:
      return TransactionStatus::kFailed;
    case State::kRolledBack:
      return TransactionStatus::kRolledBack;
    case State::kRollbackFailed:
      return TransactionStatus::kRollbackFailed;
    case State::kRollback:
      return TransactionStatus::kRollingBack;
    default:
      return TransactionStatus::kRunning;
  }
}

bool IsTerminal(State state) {
  return store::IsTerminal(StoreStatus(state));
}

// One container of the transaction.
struct Entry {
  ContainerUpdate update{};
  std::optional<RecreatePlan> plan{};  // from its recreate on
};

struct Journal {
  std::vector<Entry> entries{};  // in recreate order
  std::string failure{};
  std::string failed_container{};
};

std::string ToStateJson(const Journal& journal) {
  json containers = json::array();
  for (const Entry& entry : journal.entries) {
    const ContainerUpdate& u = entry.update;
    containers.push_back({{"container", u.container},
                          {"image", u.image},
                          {"previousImageId", u.previous_image_id},
                          {"newImageId", u.new_image_id},
                          {"rollbackTag", u.rollback_tag},
                          {"strategy", u.strategy},
                          {"outcome", u.outcome},
                          {"error", u.error},
                          {"plan", entry.plan ? ToJson(*entry.plan) : json(nullptr)}});
  }
  return json{{"containers", containers},
              {"failure", journal.failure},
              {"failedContainer", journal.failed_container}}
      .dump();
}

Expected<Journal> FromStateJson(std::string_view text, int version) {
  const auto corrupt = [](std::string why) {
    return MakeError(ErrorCode::kCorrupt, "docker update journal: " + why);
  };
  if (version != kStateVersion) return corrupt(fmt::format("unknown version {}", version));
  const json value = json::parse(text, nullptr, false);
  if (!value.is_object() || !value.contains("containers") || !value["containers"].is_array()) {
    return corrupt("no containers list");
  }
  Journal journal{.failure = value.value("failure", ""),
                  .failed_container = value.value("failedContainer", "")};
  for (const json& c : value["containers"]) {
    if (!c.is_object() || !c.contains("container") || !c["container"].is_string()) {
      return corrupt("a container without a name");
    }
    Entry entry{.update = {.container = c["container"],
                           .image = c.value("image", ""),
                           .previous_image_id = c.value("previousImageId", ""),
                           .new_image_id = c.value("newImageId", ""),
                           .rollback_tag = c.value("rollbackTag", ""),
                           .strategy = c.value("strategy", ""),
                           .outcome = c.value("outcome", ""),
                           .error = c.value("error", "")}};
    if (c.contains("plan") && !c["plan"].is_null()) {
      entry.plan = TRY(WithContext(RecreatePlanFromJson(c["plan"]), entry.update.container));
    }
    journal.entries.push_back(std::move(entry));
  }
  return journal;
}

// The pull's progress lines worth a person's attention: layer and image status changes,
// without the byte counters of "Downloading"/"Extracting".
std::optional<std::string> PullLine(const json& line) {
  if (!line.is_object() || (line.contains("progressDetail") && !line["progressDetail"].empty())) {
    return std::nullopt;
  }
  const std::string status = line.value("status", "");
  if (status.empty()) return std::nullopt;
  const std::string id = line.value("id", "");
  return id.empty() ? status : id + ": " + status;
}

// How `u` is recreated: in place, or, with `zero_downtime` and nothing in the way
// (ZeroDowntimeObstacle, then its reason), beside itself. A run and a dry run decide alike.
void DecideStrategy(bool zero_downtime, const ContainerSpec& spec, ContainerUpdate& u) {
  u.strategy = "recreate";
  if (!zero_downtime) return;
  if (std::optional<std::string> obstacle = ZeroDowntimeObstacle(spec)) {
    u.strategy_reason = std::move(*obstacle);
    return;
  }
  u.strategy = "zero-downtime";
}

// One transaction's run: states from the table above, each journaled before its work.
class Runner {
 public:
  Runner(store::Store& store, Engine& engine, const RegistryCredentials& credentials,
         core::Clock& clock, std::string id, Journal journal,
         const core::ProgressCallback& progress, RecreateOptions recreate, bool zero_downtime,
         std::optional<RecreateState> crash_after)
      : store_(store),
        engine_(engine),
        credentials_(credentials),
        clock_(clock),
        id_(std::move(id)),
        journal_(std::move(journal)),
        progress_(progress),
        recreate_(recreate),
        zero_downtime_(zero_downtime),
        crash_after_(crash_after) {}

  // Runs from `state` to a terminal state and finishes the transaction.
  DockerUpdateResult Run(State state) {
    while (!IsTerminal(state)) {
      state_ = state;
      const Status journaled = Persist();
      if (!journaled) {
        // Never run a step the journal does not know about.
        errors_.push_back(journaled.error().WithContext("journal").message());
        state = state <= State::kTag ? State::kFailed : State::kRollbackFailed;
        break;
      }
      state = Execute(state);
    }
    const Status finished = store_.FinishTransaction(
        id_, {.status = StoreStatus(state), .error = errors_.empty() ? "" : errors_.front()});
    if (!finished) errors_.push_back(finished.error().WithContext("journal").message());
    return Result(state);
  }

  // A transaction a killed updater left: the state to resume from (see UpdateManager.h).
  State ResumeAfterCrash(State journaled) {
    if (journaled == State::kCommit || journaled == State::kRollback) return journaled;
    journal_.failure =
        fmt::format("the updater stopped during {} (killed or crashed)", StateName(journaled));
    errors_.push_back(journal_.failure);
    if (journaled < State::kRecreate) {
      for (Entry& entry : journal_.entries) entry.update.outcome = "not touched";
      return State::kFailed;
    }
    return State::kRollback;
  }

 private:
  Status Persist() {
    return store_.RecordTransition(
        id_, {.status = StoreStatus(state_),
              .state = std::string(StateName(state_)),
              .state_version = kStateVersion,
              .state_json = ToStateJson(journal_),
              .error = journal_.failure.empty() ? std::nullopt
                                                : std::optional<std::string>(journal_.failure)});
  }

  // Persists a plan's transition; the crash hook of the tests fires right after.
  Status PersistPlan(const RecreatePlan& plan) {
    TRY(Persist());
    if (crash_after_ == plan.state) ::_exit(137);
    return {};
  }

  // Runs `work` as the journaled step `name`, reporting its start and end.
  Status Step(const std::string& name, const std::function<Status(std::string& output)>& work) {
    Report({.kind = core::ProgressEvent::Kind::kStepStarted, .step = name});
    const Expected<std::int64_t> step = store_.BeginStep(id_, name);
    if (!step) return std::unexpected(step.error().WithContext("journal"));
    std::string output;
    const Status done = work(output);
    const Status finished = store_.FinishStep(
        *step, {.status = done ? store::StepStatus::kSucceeded : store::StepStatus::kFailed,
                .output_tail = store::Utf8Tail(output, store::kMaxOutputTailBytes),
                .error = done ? "" : done.error().message()});
    Report({.kind = core::ProgressEvent::Kind::kStepFinished,
            .step = name,
            .text = done ? "ok" : done.error().message(),
            .ok = static_cast<bool>(done)});
    if (!done) return done;
    return WithContext(finished, "journal");
  }

  void Report(const core::ProgressEvent& event) const {
    if (progress_) progress_(event);
  }

  void Output(const std::string& step, std::string text, std::string& output) const {
    output += text + "\n";
    Report({.kind = core::ProgressEvent::Kind::kOutput, .step = step, .text = std::move(text)});
  }

  // Ends a forward state that failed: before Recreate nothing was touched.
  State Fail(State state, const std::string& container, const Error& error) {
    journal_.failure = error.message();
    journal_.failed_container = container;
    errors_.push_back(container.empty() ? error.message() : container + ": " + error.message());
    if (state >= State::kRecreate) return State::kRollback;
    for (Entry& entry : journal_.entries) {
      if (entry.update.outcome == "pending") entry.update.outcome = "not touched";
    }
    return State::kFailed;
  }

  State Execute(State state) {
    switch (state) {
      case State::kPreflight:
        return Preflight();
      case State::kPull:
        return Pull();
      case State::kTag:
        return Tag();
      case State::kRecreate:
        return Recreate();
      case State::kCommit:
        return Commit();
      case State::kRollback:
        return Rollback();
      default:
        return state;
    }
  }

  State Preflight() {
    std::string failed;
    const Status done = Step("preflight", [&](std::string& output) -> Status {
      for (const Entry& entry : journal_.entries) {
        const std::string& name = entry.update.container;
        failed = name;
        TRY(WithContext(engine_.InspectContainer(name), name));
        const auto leftover = engine_.InspectContainer(RecoveryName(name));
        if (leftover) {
          return MakeError(ErrorCode::kConflict,
                           fmt::format("{} exists: an earlier recreate was not finished; run "
                                       "`galaos-updater recover` or remove it",
                                       RecoveryName(name)));
        }
        if (leftover.error().code() != ErrorCode::kNotFound) {
          return std::unexpected(leftover.error());
        }
        Output("preflight", fmt::format("{}: {}", name, entry.update.image), output);
      }
      return {};
    });
    return done ? State::kPull : Fail(State::kPreflight, failed, done.error());
  }

  State Pull() {
    std::string failed;
    const Status done = Step("pull", [&](std::string& output) -> Status {
      std::set<std::string> pulled;
      for (Entry& entry : journal_.entries) {
        ContainerUpdate& u = entry.update;
        failed = u.container;
        if (pulled.insert(u.image).second) {
          Output("pull", "pulling " + u.image, output);
          const Status pulled =
              engine_.PullImage(u.image, PullAuth(credentials_, u.image), [&](const json& line) {
                if (auto text = PullLine(line)) Output("pull", *std::move(text), output);
                return true;
              });
          TRY(WithContext(pulled, "pull " + u.image));
        }
        const json image = TRY(engine_.InspectImage(u.image));
        u.new_image_id = image.value("Id", "");
        u.outcome = u.new_image_id == u.previous_image_id ? "up to date" : "pending";
      }
      return {};
    });
    if (!done) return Fail(State::kPull, failed, done.error());
    for (Entry& entry : journal_.entries) {
      if (entry.update.outcome == "pending") {
        entry.update.rollback_tag = RollbackTag(entry.update.container, clock_.Now());
      }
    }
    return State::kTag;
  }

  State Tag() {
    std::string failed;
    const Status done = Step("tag", [&](std::string& output) -> Status {
      for (const Entry& entry : journal_.entries) {
        const ContainerUpdate& u = entry.update;
        if (u.rollback_tag.empty()) continue;
        failed = u.container;
        const std::size_t colon = u.rollback_tag.rfind(':');
        TRY(engine_.TagImage(u.previous_image_id, u.rollback_tag.substr(0, colon),
                             u.rollback_tag.substr(colon + 1)));
        Output("tag",
               fmt::format("{}: {} tagged {}", u.container, u.previous_image_id, u.rollback_tag),
               output);
      }
      return {};
    });
    if (!done) return Fail(State::kTag, failed, done.error());
    return State::kRecreate;
  }

  // A container:<x> network mode naming a container recreated earlier in this transaction (by
  // its old id) joins the new container instead of the stopped old one.
  void FollowRecreatedNetworkOwner(RecreatePlan& plan) const {
    json& host_config = plan.spec.create_body["HostConfig"];
    const std::string mode = host_config.value("NetworkMode", "");
    if (!mode.starts_with("container:")) return;
    const std::string owner = mode.substr(10);
    for (const Entry& earlier : journal_.entries) {
      if (earlier.plan && !earlier.plan->new_id.empty() && owner.size() >= 12 &&
          earlier.plan->old_id.starts_with(owner)) {
        host_config["NetworkMode"] = "container:" + earlier.plan->new_id;
      }
    }
  }

  // With zero_downtime_, a zero-downtime rollout where the container allows one; an ineligible
  // container falls back to recreating in place (the minimal-downtime path), said in the output.
  Status ChooseStrategy(RecreatePlan& plan, ContainerUpdate& u, std::string& output) const {
    DecideStrategy(zero_downtime_, plan.spec, u);
    if (u.strategy != "zero-downtime") {
      if (!u.strategy_reason.empty()) {
        Output("recreate " + u.container,
               fmt::format("zero-downtime update of {} is not possible: {}; recreating it in place",
                           u.container, u.strategy_reason),
               output);
      }
      return {};
    }
    TRY(PlanZeroDowntime(engine_, plan));  // kConflict: an earlier rollout left its container
    Output("recreate " + u.container,
           fmt::format("zero downtime: the new container starts beside the old one, which "
                       "drains for {} ms once the new one has its aliases",
                       recreate_.drain_period.count()),
           output);
    return {};
  }

  State Recreate() {
    for (Entry& entry : journal_.entries) {
      ContainerUpdate& u = entry.update;
      if (u.outcome != "pending") continue;
      const Status done = Step("recreate " + u.container, [&](std::string& output) -> Status {
        RecreatePlan plan = TRY(PlanRecreate(engine_, u.container, u.image));
        FollowRecreatedNetworkOwner(plan);
        TRY(ChooseStrategy(plan, u, output));
        entry.plan = std::move(plan);
        TRY(PersistPlan(*entry.plan));
        return RunRecreate(engine_, *entry.plan, recreate_, [&](const RecreatePlan& plan) {
          Output("recreate " + u.container, std::string(RecreateStateName(plan.state)), output);
          return PersistPlan(plan);
        });
      });
      if (!done) {
        u.outcome = "failed";
        u.error = done.error().message();
        return Fail(State::kRecreate, u.container, done.error());
      }
    }
    return State::kCommit;
  }

  State Commit() {
    const Status done = Step("commit", [&](std::string& output) -> Status {
      for (Entry& entry : journal_.entries) {
        if (!entry.plan || entry.plan->state != RecreateState::kNewHealthy) continue;
        TRY(RemoveOld(engine_, *entry.plan));
        entry.update.outcome = "updated";
        TRY(Persist());
        Output("commit", entry.update.container + ": old container removed", output);
      }
      return {};
    });
    if (!done) {
      // The new containers run and are healthy: the update stands, a stopped old container
      // is left under its recovery name.
      errors_.push_back("commit: " + done.error().message());
    }
    return State::kSucceeded;
  }

  State Rollback() {
    bool restored_all = true;
    for (auto it = journal_.entries.rbegin(); it != journal_.entries.rend(); ++it) {
      Entry& entry = *it;
      ContainerUpdate& u = entry.update;
      if (!entry.plan || entry.plan->state == RecreateState::kRolledBack ||
          entry.plan->state == RecreateState::kOldRemoved) {
        if (u.outcome == "pending" || u.outcome.empty()) u.outcome = "not touched";
        continue;
      }
      const Status done = Step("rollback " + u.container, [&](std::string&) -> Status {
        TRY(RollBackRecreate(engine_, *entry.plan));
        return Persist();
      });
      if (done) {
        if (u.outcome != "failed") u.outcome = "rolled back";
      } else {
        restored_all = false;
        u.error = done.error().message();
        errors_.push_back(fmt::format("rollback {}: {}", u.container, done.error().message()));
      }
    }
    return restored_all ? State::kRolledBack : State::kRollbackFailed;
  }

  DockerUpdateResult Result(State state) const {
    DockerUpdateResult result{.success = state == State::kSucceeded,
                              .transaction_id = id_,
                              .final_state = std::string(StateName(state)),
                              .errors = errors_,
                              .failed_container = journal_.failed_container};
    for (const Entry& entry : journal_.entries) result.containers.push_back(entry.update);
    return result;
  }

 private:
  store::Store& store_;
  Engine& engine_;
  const RegistryCredentials& credentials_;
  core::Clock& clock_;
  std::string id_;
  Journal journal_;
  const core::ProgressCallback& progress_;
  RecreateOptions recreate_;
  bool zero_downtime_ = false;
  std::optional<RecreateState> crash_after_;
  State state_ = State::kPreflight;
  std::vector<std::string> errors_;
};

std::string Base64Url(std::string_view text) {
  std::string out(sodium_base64_encoded_len(text.size(), sodium_base64_VARIANT_URLSAFE), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()),
                    text.size(), sodium_base64_VARIANT_URLSAFE);
  out.resize(std::strlen(out.c_str()));
  return out;
}

}  // namespace

std::string RollbackRepository(std::string_view container) {
  std::string repository(kRollbackRepositoryPrefix);
  bool separator = false;
  for (const char c : container) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (separator) repository += '-';
      separator = false;
      repository += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      separator = true;  // '.', '_' or '-' (ValidateContainerName allows no others)
    }
  }
  return repository;
}

std::string RollbackTag(std::string_view container, std::chrono::system_clock::time_point now) {
  return fmt::format("{}:{:%Y%m%dT%H%M%SZ}", RollbackRepository(container),
                     fmt::gmtime(std::chrono::system_clock::to_time_t(now)));
}

std::string PullAuth(const RegistryCredentials& credentials, std::string_view image) {
  const Expected<ImageReference> reference = ImageReference::Parse(image);
  if (!reference) return "";
  const RegistryCredential login = credentials.Lookup(reference->domain);
  json auth = {{"serveraddress", reference->domain}};
  if (!login.identity_token.empty()) {
    auth["identitytoken"] = login.identity_token;
  } else if (!login.password.empty()) {
    auth["username"] = login.username;
    auth["password"] = login.password;
  } else {
    return "";
  }
  return Base64Url(auth.dump());
}

json ToJson(const DockerUpdateResult& result) {
  json updated = json::array();
  json failed = json::array();
  json containers = json::array();
  for (const ContainerUpdate& u : result.containers) {
    if (u.outcome == "updated") updated.push_back(u.container);
    if (u.outcome == "failed") failed.push_back(u.container);
    containers.push_back(
        {{"container", u.container},
         {"image", u.image},
         {"previousImageId", u.previous_image_id},
         {"newImageId", u.new_image_id},
         {"rollbackTag", u.rollback_tag.empty() ? json(nullptr) : json(u.rollback_tag)},
         {"strategy", u.strategy.empty() ? json(nullptr) : json(u.strategy)},
         {"strategyReason", u.strategy_reason.empty() ? json(nullptr) : json(u.strategy_reason)},
         {"outcome", u.outcome},
         {"error", u.error.empty() ? json(nullptr) : json(u.error)}});
  }
  return {{"success", result.success},
          {"updated", updated},
          {"failed", failed},
          {"errors", result.errors},
          {"dryRun", result.dry_run},
          {"transactionId",
           result.transaction_id.empty() ? json(nullptr) : json(result.transaction_id)},
          {"state", result.final_state},
          {"failedContainer",
           result.failed_container.empty() ? json(nullptr) : json(result.failed_container)},
          {"containers", containers}};
}

UpdateManager::UpdateManager(const config::Config& config, store::Store& store, Engine& engine,
                             RegistryClient& registry, RegistryCredentials credentials,
                             core::Clock& clock)
    : config_(config),
      store_(store),
      engine_(engine),
      registry_(registry),
      credentials_(std::move(credentials)),
      clock_(clock) {}

namespace {

// `container` to be updated to `image` (empty: the reference it was configured with,
// Config.Image, which keeps the name after a pull moved the tag), with the image it runs.
Expected<Entry> EntryFor(Engine& engine, const std::string& container, std::string image,
                         bool dry_run) {
  const json inspect = TRY(engine.InspectContainer(container));
  if (image.empty()) image = inspect.value("Config", json::object()).value("Image", "");
  TRY(WithContext(ImageReference::Parse(image),
                  container + " runs an image by id, not by a name to pull"));
  return Entry{.update = {.container = container,
                          .image = image,
                          .previous_image_id = inspect.value("Image", ""),
                          .outcome = dry_run ? "planned" : "pending"}};
}

// The containers an update with `options` changes, in dependency order, each with the image
// to pull and recreate it from (see EntryFor) and the image it runs.
Expected<std::vector<Entry>> ChooseContainers(Engine& engine, RegistryClient& registry,
                                              const config::Config& full_config,
                                              const DockerUpdateOptions& options) {
  std::vector<Entry> entries;
  if (!options.compose_file.empty()) {
    if (!options.containers.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "name containers or a compose file, not both");
    }
    for (const StackContainer& stack :
         TRY(ListStackContainers(engine, full_config, options.compose_file))) {
      entries.push_back(TRY(EntryFor(engine, stack.container, stack.image, options.dry_run)));
    }
    return entries;
  }
  const config::DockerConfig& config = full_config.docker;
  for (const std::string& name : options.containers) TRY(ValidateContainerName(name));
  const std::vector<ManagedContainer> managed = TRY(ListManaged(engine, config));
  std::vector<ContainerSummary> chosen;
  if (!options.containers.empty()) {
    for (const std::string& name : options.containers) {
      const auto found = std::ranges::find(
          managed, name, [](const ManagedContainer& m) { return m.container.name; });
      if (found == managed.end()) {
        return MakeError(ErrorCode::kNotFound, "no managed container named " + name);
      }
      if (found->monitor_only) {
        return MakeError(ErrorCode::kInvalidArgument,
                         name + " is monitor-only (docker.monitor_only): never updated");
      }
      if (std::ranges::find(chosen, name, &ContainerSummary::name) == chosen.end()) {
        chosen.push_back(found->container);
      }
    }
  } else {
    std::vector<ManagedContainer> updatable;
    std::ranges::copy_if(managed, std::back_inserter(updatable),
                         [](const ManagedContainer& m) { return !m.monitor_only; });
    std::vector<std::string> errors;
    for (const ContainerImageCheck& check :
         CheckImages(engine, registry, updatable, config.tag_policy)) {
      if (check.error) {
        errors.push_back(check.container + ": " + check.error->message());
      } else if (check.update_available) {
        chosen.push_back(std::ranges::find(updatable, check.container, [](const auto& m) {
                           return m.container.name;
                         })->container);
      }
    }
    if (!errors.empty()) {
      return MakeError(
          ErrorCode::kUnavailable,
          fmt::format("the image check failed, nothing was updated: {}", fmt::join(errors, "; ")));
    }
  }
  for (const ContainerSummary& container : TRY(DependencyOrder(chosen))) {
    entries.push_back(TRY(EntryFor(engine, container.name, "", options.dry_run)));
  }
  return entries;
}

// Rolled back recovered transactions first in the errors of the update that ran after them.
void ListRecovered(const std::vector<DockerUpdateResult>& recovered, DockerUpdateResult& result) {
  for (auto it = recovered.rbegin(); it != recovered.rend(); ++it) {
    result.errors.insert(result.errors.begin(),
                         fmt::format("recovered interrupted transaction {}: {}", it->transaction_id,
                                     it->final_state));
  }
}

// A dry run's word on how `u` would be recreated: what ChooseStrategy decides from the plan,
// decided from the container's inspect (the new image is not pulled in a dry run).
Status PredictStrategy(Engine& engine, bool zero_downtime, ContainerUpdate& u) {
  if (!zero_downtime) {
    u.strategy = "recreate";
    return {};
  }
  const json container = TRY(engine.InspectContainer(u.container));
  const json image = TRY(engine.InspectImage(u.previous_image_id));
  DecideStrategy(zero_downtime,
                 TRY(WithContext(SpecFromInspect(container, image, u.image), u.container)), u);
  return {};
}

}  // namespace

Expected<DockerUpdateResult> UpdateManager::Apply(const DockerUpdateOptions& options,
                                                  const core::ProgressCallback& progress) {
  if (options.dry_run) {
    std::vector<Entry> entries = TRY(ChooseContainers(engine_, registry_, config_, options));
    DockerUpdateResult result{.success = true, .dry_run = true};
    for (Entry& entry : entries) {
      TRY(PredictStrategy(engine_, options.zero_downtime.value_or(config_.docker.zero_downtime),
                          entry.update));
      result.containers.push_back(std::move(entry.update));
    }
    return result;
  }
  const std::string id = store::NewTransactionId(clock_.Now());
  const core::FileLock lock = TRY(store::AcquireUpdateLock(config_.state.dir, "docker " + id));
  const std::vector<DockerUpdateResult> recovered =
      TRY(WithContext(RecoverLocked(progress), "recovering an unfinished docker update"));
  for (const DockerUpdateResult& previous : recovered) {
    if (previous.final_state == StateName(State::kRollbackFailed)) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("the interrupted transaction {} could not be rolled back ({}); "
                                   "repair the containers, then try again",
                                   previous.transaction_id,
                                   previous.errors.empty() ? "" : previous.errors.back()));
    }
  }
  std::vector<Entry> entries = TRY(ChooseContainers(engine_, registry_, config_, options));
  if (entries.empty()) {
    DockerUpdateResult result{.success = true};
    ListRecovered(recovered, result);
    return result;
  }
  std::vector<std::string> names;
  for (const Entry& entry : entries) names.push_back(entry.update.container);
  Journal journal{.entries = std::move(entries)};
  TRY(store_.CreateTransaction({.id = id,
                                .type = store::TransactionType::kDocker,
                                .trigger = options.trigger,
                                .actor = options.actor,
                                .to_version = fmt::format("{}", fmt::join(names, ", ")),
                                .state = std::string(StateName(State::kPreflight)),
                                .state_version = kStateVersion,
                                .state_json = ToStateJson(journal)}));
  if (options.on_started) options.on_started(id);
  Runner runner(store_, engine_, credentials_, clock_, id, std::move(journal), progress,
                options.recreate.value_or(DefaultRecreateOptions()),
                options.zero_downtime.value_or(config_.docker.zero_downtime),
                options.crash_after_recreate_state);
  DockerUpdateResult result = runner.Run(State::kPreflight);
  ListRecovered(recovered, result);
  return result;
}

Expected<std::vector<DockerUpdateResult>> UpdateManager::Recover(
    const core::ProgressCallback& progress) {
  const core::FileLock lock = TRY(store::AcquireUpdateLock(config_.state.dir, "recover docker"));
  return RecoverLocked(progress);
}

Expected<std::vector<DockerUpdateResult>> UpdateManager::RecoverLocked(
    const core::ProgressCallback& progress) {
  std::vector<DockerUpdateResult> results;
  for (const store::Transaction& transaction : TRY(store_.ListUnfinishedTransactions())) {
    if (transaction.type != store::TransactionType::kDocker) continue;
    Expected<Journal> journal = FromStateJson(transaction.state_json, transaction.state_version);
    const Expected<State> state = ParseState(transaction.state);
    if (!journal || !state) {
      // Without a readable journal nothing can be undone safely: end it and say so.
      const Error error = !journal ? journal.error() : state.error();
      TRY(WithContext(
          store_.FinishTransaction(transaction.id, {.status = TransactionStatus::kRollbackFailed,
                                                    .error = error.message()}),
          "recovering " + transaction.id));
      results.push_back({.transaction_id = transaction.id,
                         .final_state = std::string(StateName(State::kRollbackFailed)),
                         .errors = {error.WithContext("recovering " + transaction.id).message()}});
      continue;
    }
    Runner runner(store_, engine_, credentials_, clock_, transaction.id, std::move(*journal),
                  progress, DefaultRecreateOptions(), /*zero_downtime=*/false, std::nullopt);
    results.push_back(runner.Run(runner.ResumeAfterCrash(*state)));
  }
  return results;
}

}  // namespace galaos::docker
