// Safe recreation of one container on a new (already pulled) image, as explicit steps a
// transaction journals. The old container is renamed to a recovery name and stopped — never
// removed — until the new one is healthy; a failure (or a crash, found in the journal) puts
// the old one back under its name, started if it ran, from the two names alone.
//
// Journaling: persist ToJson(plan) before the first step and after every transition (the
// on_transition callback of RunRecreate). The engine may be one step ahead of the journal
// after a crash; recovery never relies on that step: RestoreOld and RemoveOld inspect the
// engine and are idempotent. After a crash: journaled kNewHealthy -> commit (RemoveOld) or
// roll back (RollBackRecreate); any earlier state -> RollBackRecreate.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/Error.h"
#include "docker/ContainerSpec.h"
#include "docker/Engine.h"

namespace galaos::docker {

// The last completed step. A plan walks these in order, skipping the other strategy's states:
// recreate in place kPlanned, kOldRenamed ... kNewStarted, kNewHealthy; zero-downtime
// (ZeroDowntime.h) kPlanned, kBesideCreated ... kOldRetired, kNewHealthy.
enum class RecreateState {
  kPlanned,     // nothing touched yet
  kOldRenamed,  // the old container is under recovery_name (still running)
  kOldStopped,  // and its restart policy is "no", so an engine restart leaves it stopped
  kNewCreated,  // the new container exists under name (new_id), networks connected
  kNewStarted,
  kBesideCreated,  // the new container exists under beside_name, no aliases yet
  kBesideStarted,
  kBesideHealthy,  // healthy, on the old one's networks with its aliases: both serve
  kOldDrained,     // the old one is on its networks without aliases; the drain period passed
  kOldRetired,     // the old one is under recovery_name, restart policy "no", stopped
  kNewHealthy,     // success; the old container waits, stopped, under recovery_name
  kOldRemoved,     // committed
  kRolledBack,     // the old container is back under name, started if it ran; no new one
};
std::string_view RecreateStateName(RecreateState state);

struct RecreatePlan {
  std::string name{};           // the container's name, kept by the new container
  std::string recovery_name{};  // the old container's name while the new one is tried
  std::string old_id{};
  bool old_was_running = false;
  std::string image{};  // the new image
  ContainerSpec spec{};
  std::string new_id{};  // set from kNewCreated / kBesideCreated
  // Zero-downtime rollout (ZeroDowntime.h): the new container's name until the old one is
  // retired. Empty: recreate in place.
  std::string beside_name{};
  RecreateState state = RecreateState::kPlanned;
  bool operator==(const RecreatePlan&) const = default;
};

nlohmann::json ToJson(const RecreatePlan& plan);
Expected<RecreatePlan> RecreatePlanFromJson(const nlohmann::json& json);

// "<name>-galaos-old".
std::string RecoveryName(std::string_view name);

// Validates `name` before any engine call, inspects the container and its image, requires
// `image` to be present locally, and builds the spec. Touches nothing. A container already
// under the recovery name (an unfinished earlier recreate) is a kConflict.
Expected<RecreatePlan> PlanRecreate(Engine& engine, std::string_view name, std::string_view image);

struct RecreateOptions {
  std::chrono::seconds healthy_timeout{120};  // docker.healthy_timeout
  // Without a HEALTHCHECK: running and not restarting (no die) for this long counts as healthy.
  std::chrono::milliseconds stable_period{std::chrono::seconds(5)};
  std::chrono::seconds stop_grace{10};  // unless the container sets its own StopTimeout
  // Zero-downtime: how long the old container keeps running, off its networks, for the
  // requests it is still answering.
  std::chrono::milliseconds drain_period{std::chrono::seconds(3)};
};

// Runs the next step of `plan` (of its strategy: in place, or ZeroDowntime.h with a
// beside_name) and advances its state; kNewHealthy and later are final.
Status AdvanceRecreate(Engine& engine, RecreatePlan& plan, const RecreateOptions& options);

// Steps from plan.state to kNewHealthy, calling on_transition after each (a failing callback
// stops like a failing step). On failure: RollBackRecreate, then an error saying why the new
// container failed (its last health check output or exit code) and whether the old is back.
Status RunRecreate(Engine& engine, RecreatePlan& plan, const RecreateOptions& options,
                   const std::function<Status(const RecreatePlan&)>& on_transition);

// Removes the old container (commit). Idempotent.
Status RemoveOld(Engine& engine, RecreatePlan& plan);

// RestoreOld for the plan (a zero-downtime one: UndoZeroDowntime first); state kRolledBack.
Status RollBackRecreate(Engine& engine, RecreatePlan& plan);

// From the names alone: removes a container under `name` other than the one under
// `recovery_name` (the new one), renames the recovery container back to `name`, gives it back
// `restart_policy` (the plan's HostConfig.RestartPolicy; null: left as is) and starts it when
// `start`. Nothing under recovery_name and the old one under `name`: only the last two.
Status RestoreOld(Engine& engine, std::string_view name, std::string_view recovery_name, bool start,
                  const nlohmann::json& restart_policy);

// A step both strategies share: the old container's restart policy "no" (a stopped "always"
// container would come back when the engine restarts; RestoreOld puts the policy back), then
// stopped with its stop grace.
Status StopOld(Engine& engine, const RecreatePlan& plan, const RecreateOptions& options);

// Waits until `container` is healthy: with a HEALTHCHECK, health status "healthy" within
// `timeout`; without, running and no die during `stable_period`. Fails early on "unhealthy" or
// a die, with the container's last health check output or exit code in the message.
Status WaitHealthy(Engine& engine, std::string_view container, std::chrono::seconds timeout,
                   std::chrono::milliseconds stable_period);

}  // namespace galaos::docker
