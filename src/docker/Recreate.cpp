#include "docker/Recreate.h"

#include <array>
#include <cctype>
#include <optional>

#include "docker/ZeroDowntime.h"

namespace galaos::docker {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

// The margin by which event watches reach back, for clock skew and the gap between an
// inspect and the watch that follows it.
constexpr std::chrono::seconds kEventMargin{1};
constexpr std::size_t kOutputBytes = 300;

constexpr std::array kStates = {
    std::pair{RecreateState::kPlanned, "planned"},
    std::pair{RecreateState::kOldRenamed, "old_renamed"},
    std::pair{RecreateState::kOldStopped, "old_stopped"},
    std::pair{RecreateState::kNewCreated, "new_created"},
    std::pair{RecreateState::kNewStarted, "new_started"},
    std::pair{RecreateState::kBesideCreated, "beside_created"},
    std::pair{RecreateState::kBesideStarted, "beside_started"},
    std::pair{RecreateState::kBesideHealthy, "beside_healthy"},
    std::pair{RecreateState::kOldDrained, "old_drained"},
    std::pair{RecreateState::kOldRetired, "old_retired"},
    std::pair{RecreateState::kNewHealthy, "new_healthy"},
    std::pair{RecreateState::kOldRemoved, "old_removed"},
    std::pair{RecreateState::kRolledBack, "rolled_back"},
};

std::string Trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (text.size() > kOutputBytes) text = text.substr(0, kOutputBytes) + "...";
  return text;
}

bool HasHealthcheck(const json& inspected) {
  const json test = inspected.value("Config", json::object())
                        .value("Healthcheck", json::object())
                        .value("Test", json());
  return test.is_array() && !test.empty() && test.front() != "NONE";
}

// Why `container` is not healthy, from its state: the last health check or how it exited.
std::string Diagnose(Engine& engine, std::string_view container) {
  const auto inspected = engine.InspectContainer(container);
  if (!inspected) return "its state is unknown: " + inspected.error().message();
  const json state = inspected->value("State", json::object());
  std::string why;
  if (!state.value("Running", false)) {
    why = "it exited with code " + std::to_string(state.value("ExitCode", -1));
    if (const std::string error = state.value("Error", ""); !error.empty()) why += ": " + error;
    if (state.value("OOMKilled", false)) why += " (out of memory)";
  } else if (state.value("Restarting", false)) {
    why =
        "it keeps restarting; last exited with code " + std::to_string(state.value("ExitCode", -1));
  }
  const json log = state.value("Health", json::object()).value("Log", json::array());
  if (!log.empty()) {
    const json& last = log.back();
    if (!why.empty()) why += "; ";
    why += "last health check exited " + std::to_string(last.value("ExitCode", -1)) + ": " +
           Trimmed(last.value("Output", ""));
  }
  return why.empty() ? "no health verdict" : why;
}

Status Transition(RecreatePlan& plan, RecreateState state) {
  plan.state = state;
  return {};
}

std::chrono::seconds StopGrace(const RecreatePlan& plan, const RecreateOptions& options) {
  const json timeout = plan.spec.create_body.value("StopTimeout", json());
  return timeout.is_number_integer() ? std::chrono::seconds(timeout.get<int>())
                                     : options.stop_grace;
}

}  // namespace

std::string_view RecreateStateName(RecreateState state) {
  for (const auto& [value, name] : kStates) {
    if (value == state) return name;
  }
  return "unknown";
}

json ToJson(const RecreatePlan& plan) {
  return {{"name", plan.name},
          {"recoveryName", plan.recovery_name},
          {"oldId", plan.old_id},
          {"oldWasRunning", plan.old_was_running},
          {"image", plan.image},
          {"spec", ToJson(plan.spec)},
          {"newId", plan.new_id},
          {"state", RecreateStateName(plan.state)},
          {"besideName", plan.beside_name}};
}

Expected<RecreatePlan> RecreatePlanFromJson(const json& value) {
  const auto corrupt = [](std::string why) {
    return MakeError(ErrorCode::kCorrupt, "recreate plan: " + why);
  };
  if (!value.is_object()) return corrupt("not an object");
  RecreatePlan plan;
  try {
    plan.name = value.at("name").get<std::string>();
    plan.recovery_name = value.at("recoveryName").get<std::string>();
    plan.old_id = value.at("oldId").get<std::string>();
    plan.old_was_running = value.at("oldWasRunning").get<bool>();
    plan.image = value.at("image").get<std::string>();
    plan.new_id = value.at("newId").get<std::string>();
    plan.beside_name = value.value("besideName", "");
    const std::string state = value.at("state").get<std::string>();
    const auto found =
        std::ranges::find(kStates, state, [](const auto& p) { return std::string_view(p.second); });
    if (found == kStates.end()) return corrupt("unknown state \"" + state + "\"");
    plan.state = found->first;
  } catch (const json::exception& e) {
    return corrupt(e.what());
  }
  plan.spec = TRY(WithContext(ContainerSpecFromJson(value.value("spec", json())), "recreate plan"));
  TRY(ValidateContainerName(plan.name));
  TRY(ValidateContainerName(plan.recovery_name));
  if (!plan.beside_name.empty()) TRY(ValidateContainerName(plan.beside_name));
  return plan;
}

std::string RecoveryName(std::string_view name) {
  return std::string(name) + "-galaos-old";
}

Expected<RecreatePlan> PlanRecreate(Engine& engine, std::string_view name, std::string_view image) {
  TRY(ValidateContainerName(name));
  const std::string context = "recreate " + std::string(name);
  const json container = TRY(WithContext(engine.InspectContainer(name), context));
  const std::string recovery = RecoveryName(name);
  const auto leftover = engine.InspectContainer(recovery);
  if (leftover) {
    return MakeError(ErrorCode::kConflict,
                     context + ": a container named " + recovery +
                         " exists from an unfinished update; finish or roll that back first");
  }
  if (leftover.error().code() != ErrorCode::kNotFound) {
    return std::unexpected(leftover.error().WithContext(context));
  }
  const json old_image = TRY(WithContext(engine.InspectImage(container.value("Image", "")),
                                         context + ": its current image"));
  TRY(WithContext(engine.InspectImage(image), context + ": the new image must be pulled first"));
  RecreatePlan plan{
      .name = std::string(name),
      .recovery_name = recovery,
      .old_id = container.value("Id", ""),
      .old_was_running = container.value("State", json::object()).value("Running", false),
      .image = std::string(image),
      .spec = TRY(WithContext(SpecFromInspect(container, old_image, image), context)),
  };
  return plan;
}

Status StopOld(Engine& engine, const RecreatePlan& plan, const RecreateOptions& options) {
  TRY(WithContext(engine.UpdateRestartPolicy(plan.old_id, json{{"Name", "no"}}),
                  "disable the old container's restart policy"));
  return WithContext(engine.StopContainer(plan.old_id, StopGrace(plan, options)),
                     "stop the old container");
}

Status AdvanceRecreate(Engine& engine, RecreatePlan& plan, const RecreateOptions& options) {
  if (!plan.beside_name.empty()) return AdvanceZeroDowntime(engine, plan, options);
  switch (plan.state) {
    case RecreateState::kPlanned:
      TRY(WithContext(engine.RenameContainer(plan.old_id, plan.recovery_name),
                      "rename the old container to " + plan.recovery_name));
      return Transition(plan, RecreateState::kOldRenamed);
    case RecreateState::kOldRenamed:
      TRY(StopOld(engine, plan, options));
      return Transition(plan, RecreateState::kOldStopped);
    case RecreateState::kOldStopped: {
      plan.new_id = TRY(WithContext(engine.CreateContainer(plan.name, plan.spec.create_body),
                                    "create the new container"));
      for (const NetworkAttachment& attachment : plan.spec.extra_networks) {
        TRY(WithContext(engine.ConnectNetwork(attachment.network, plan.new_id, attachment.endpoint),
                        "connect the new container to network " + attachment.network));
      }
      return Transition(plan, RecreateState::kNewCreated);
    }
    case RecreateState::kNewCreated:
      TRY(WithContext(engine.StartContainer(plan.new_id), "start the new container"));
      return Transition(plan, RecreateState::kNewStarted);
    case RecreateState::kNewStarted:
      TRY(WithContext(
          WaitHealthy(engine, plan.new_id, options.healthy_timeout, options.stable_period),
          "the new container is not healthy"));
      return Transition(plan, RecreateState::kNewHealthy);
    default:
      break;
  }
  return MakeError(ErrorCode::kFailed, "recreate " + plan.name + ": already " +
                                           std::string(RecreateStateName(plan.state)));
}

Status RunRecreate(Engine& engine, RecreatePlan& plan, const RecreateOptions& options,
                   const std::function<Status(const RecreatePlan&)>& on_transition) {
  const std::string context = "recreate " + plan.name + " with " + plan.image;
  while (plan.state < RecreateState::kNewHealthy) {
    Status step = AdvanceRecreate(engine, plan, options);
    if (step && on_transition) step = on_transition(plan);
    if (!step) {
      const Status restored = RollBackRecreate(engine, plan);
      std::string message = step.error().message();
      message += restored
                     ? "; the old container is back"
                     : "; restoring the old container failed too: " + restored.error().message();
      if (on_transition && restored) (void)on_transition(plan);  // the error above wins
      return MakeError(step.error().code(), context + ": " + message);
    }
  }
  return {};
}

Status RemoveOld(Engine& engine, RecreatePlan& plan) {
  const Status removed = engine.RemoveContainer(plan.old_id, /*force=*/true);
  if (!removed && removed.error().code() != ErrorCode::kNotFound) {
    return std::unexpected(removed.error().WithContext("remove the old container of " + plan.name));
  }
  plan.state = RecreateState::kOldRemoved;
  return {};
}

Status RollBackRecreate(Engine& engine, RecreatePlan& plan) {
  if (!plan.beside_name.empty()) TRY(UndoZeroDowntime(engine, plan));
  TRY(RestoreOld(
      engine, plan.name, plan.recovery_name, plan.old_was_running,
      plan.spec.create_body.value("HostConfig", json::object()).value("RestartPolicy", json())));
  plan.new_id.clear();
  plan.state = RecreateState::kRolledBack;
  return {};
}

Status RestoreOld(Engine& engine, std::string_view name, std::string_view recovery_name, bool start,
                  const json& restart_policy) {
  TRY(ValidateContainerName(name));
  TRY(ValidateContainerName(recovery_name));
  const std::string context = "restore " + std::string(name);
  const auto old = engine.InspectContainer(recovery_name);
  if (!old) {
    if (old.error().code() != ErrorCode::kNotFound) {
      return std::unexpected(old.error().WithContext(context));
    }
    // Never renamed (or already restored): the old container still holds its name.
    TRY(WithContext(engine.InspectContainer(name),
                    context + ": neither it nor " + std::string(recovery_name) + " exists"));
  } else {
    const std::string old_id = old->value("Id", "");
    const auto holder = engine.InspectContainer(name);
    if (holder && holder->value("Id", "") != old_id) {
      TRY(WithContext(engine.RemoveContainer(holder->value("Id", ""), /*force=*/true),
                      context + ": remove the new container"));
    } else if (!holder && holder.error().code() != ErrorCode::kNotFound) {
      return std::unexpected(holder.error().WithContext(context));
    }
    TRY(WithContext(engine.RenameContainer(old_id, name), context + ": rename it back"));
  }
  if (restart_policy.is_object()) {
    TRY(WithContext(engine.UpdateRestartPolicy(name, restart_policy),
                    context + ": restore its restart policy"));
  }
  if (start) TRY(WithContext(engine.StartContainer(name), context + ": start it"));
  return {};
}

Status WaitHealthy(Engine& engine, std::string_view container, std::chrono::seconds timeout,
                   std::chrono::milliseconds stable_period) {
  const auto since = system_clock::now() - kEventMargin;
  const json inspected = TRY(engine.InspectContainer(container));
  const json state = inspected.value("State", json::object());
  const bool healthcheck = HasHealthcheck(inspected);
  std::string died;  // from a die event: its restart policy may have restarted it since
  const auto fail = [&](ErrorCode code) {
    return MakeError(code, died.empty() ? Diagnose(engine, container) : died);
  };
  if (!state.value("Running", false)) return fail(ErrorCode::kFailed);
  if (healthcheck && state.value("Health", json::object()).value("Status", "") == "healthy") {
    return {};
  }
  std::optional<bool> verdict;  // true: healthy, false: failed
  const auto until =
      healthcheck ? system_clock::now() + timeout : system_clock::now() + stable_period;
  // By id: a name also matches events of earlier containers that had it.
  const std::string id = inspected.value("Id", "");
  TRY(engine.WatchContainerEvents(id, since, until, [&](const ContainerEvent& event) {
    if (event.action == "die") {
      const auto code = event.attributes.find("exitCode");
      died = "it exited with code " +
             (code == event.attributes.end() ? std::string("?") : code->second);
      verdict = false;
    } else if (event.action == "oom" || event.action == "health_status: unhealthy") {
      verdict = false;
    } else if (healthcheck && event.action == "health_status: healthy") {
      verdict = true;
    }
    return !verdict.has_value();
  }));
  if (verdict == false) return fail(ErrorCode::kFailed);
  if (healthcheck && verdict != true) {
    return MakeError(ErrorCode::kTimeout, "not healthy within " + std::to_string(timeout.count()) +
                                              " s: " + Diagnose(engine, container));
  }
  if (!healthcheck) {
    const json now = TRY(engine.InspectContainer(container));
    const json now_state = now.value("State", json::object());
    if (!now_state.value("Running", false) || now_state.value("Restarting", false)) {
      return fail(ErrorCode::kFailed);
    }
  }
  return {};
}

}  // namespace galaos::docker
