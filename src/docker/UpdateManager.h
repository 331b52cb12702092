// UpdateManager: updating managed containers to newer images as ONE journaled transaction
// (store type "docker"), under the single-flight update lock code updates hold too
// (store::AcquireUpdateLock, description "docker <tx-id>"): a second update of any kind gets
// kConflict naming the running one.
//
// Before the transaction (an Error, nothing journaled, nothing changed): names that are
// invalid, not managed or monitor-only; a compose file ListStackContainers refuses; with no
// names and no compose file, the image check (every managed,
// not monitor-only container whose registry digest differs), where a container the check
// could not decide is an error too. Nothing to update: a success without a transaction.
//
// The transaction, each state journaled (state_json below) BEFORE its work begins:
//   Preflight  no recovery container left over for any chosen container
//   Pull       every image, before any container is touched, progress reported; a failure
//              ends the transaction Failed with nothing changed. A container whose image did
//              not change (the same image id after the pull) is left alone.
//   Tag        each container's current image tagged RollbackTag(container, now), so the
//              previous image outlives the commit (for a later rollback or prune)
//   Recreate   in DependencyOrder (compose depends_on, container:<x> network modes: the target
//              first; a compose file's own order for compose_file), each container by
//              PlanRecreate + RunRecreate, its plan journaled before
//              the first step and at every transition. A container: network mode naming a
//              container recreated earlier in this transaction follows it to the new one.
//              With zero_downtime, eligible plans become zero-downtime rollouts (PlanZeroDowntime).
//   Commit     RemoveOld for every recreated container -> Succeeded (an old container the engine
//              would not remove is listed in errors: the update stands, it waits stopped)
//   Rollback   when a recreate fails (RunRecreate already restored that container): every
//              container recreated before it, in reverse order -> RolledBack, or
//              RollbackFailed when one could not be restored.
// state_json (state_version 1): {"containers": [{"container", "image", "previousImageId",
// "newImageId", "rollbackTag", "strategy", "plan": ToJson(RecreatePlan) or null}], "failure",
// "failedContainer"}.
//
// Recover (a killed updater, following the crash rules of Recreate.h): a transaction that
// stopped in Preflight, Pull or Tag touched no container -> Failed; in Recreate or Rollback
// -> every journaled plan not yet rolled back is rolled back (RollBackRecreate, from the names
// alone, idempotent), reverse order -> RolledBack; in Commit -> RemoveOld for all ->
// Succeeded.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/Config.h"
#include "core/Clock.h"
#include "core/Error.h"
#include "core/Progress.h"
#include "docker/Engine.h"
#include "docker/Recreate.h"
#include "docker/RegistryClient.h"
#include "docker/RegistryCredentials.h"
#include "store/Store.h"

namespace galaos::docker {

// Rollback tags: "galaos-rollback/<container>:<UTC time, YYYYMMDDTHHMMSSZ>". The repository
// part is the container name lowercased, each run of '.', '_' and '-' written as one '-'
// (Docker repository names allow fewer characters than container names).
inline constexpr std::string_view kRollbackRepositoryPrefix = "galaos-rollback/";
std::string RollbackRepository(std::string_view container);
std::string RollbackTag(std::string_view container, std::chrono::system_clock::time_point now);

// The X-Registry-Auth value for pulling `image` with the login `credentials` hold for its
// registry; empty (anonymous) when there is none.
std::string PullAuth(const RegistryCredentials& credentials, std::string_view image);

struct DockerUpdateOptions {
  // Managed containers to update; empty: those the image check finds an update for.
  std::vector<std::string> containers{};
  // Instead of `containers`: a compose stack (ComposeStack.h), each of its containers pulled
  // and recreated from the image the file names, in the file's dependency order.
  std::filesystem::path compose_file{};
  // Decide what would be updated, and how (each container's strategy, see ContainerUpdate);
  // pull nothing, change nothing.
  bool dry_run = false;
  std::string trigger = "cli";
  std::string actor{};
  // nullopt: docker.healthy_timeout and docker.drain_period, the other defaults.
  std::optional<RecreateOptions> recreate{};
  // Zero-downtime rollout (ZeroDowntime.h) for each eligible container; an ineligible one
  // (e.g. publishing a host port) is recreated in place, its output saying why. nullopt:
  // docker.zero_downtime.
  std::optional<bool> zero_downtime{};
  // Crash tests: the process _exit(137)s right after a plan reaching this state is journaled,
  // exactly as if it had been SIGKILLed there.
  std::optional<RecreateState> crash_after_recreate_state{};
  // Called with the transaction's id once it is journaled (not for a dry run, nor when
  // nothing needs an update).
  std::function<void(const std::string& transaction_id)> on_started{};
};

struct ContainerUpdate {
  std::string container{};
  std::string image{};              // the reference pulled and recreated from
  std::string previous_image_id{};  // the image the container ran before
  std::string new_image_id{};       // after the pull
  std::string rollback_tag{};       // once tagged
  // From its recreate on (in a dry run: predicted): "recreate" or "zero-downtime"; with
  // zero_downtime asked for, why a container is recreated in place instead.
  std::string strategy{};
  std::string strategy_reason{};
  // "planned" (dry run), "pending", "up to date", "updated", "failed", "rolled back",
  // "not touched"
  std::string outcome{};
  std::string error{};
};

struct DockerUpdateResult {
  bool success = false;
  bool dry_run = false;
  std::string transaction_id{};  // empty when no transaction was needed
  std::string final_state{};     // "Succeeded", "Failed", "RolledBack", "RollbackFailed"
  std::vector<ContainerUpdate> containers{};
  std::vector<std::string> errors{};
  std::string failed_container{};
};

// applyDockerUpdate's {success, updated[], failed[], errors[]} (DESIGN.md §6) plus dryRun,
// transactionId, state, failedContainer and containers [{container, image, previousImageId,
// newImageId, rollbackTag, strategy, outcome, error}].
nlohmann::json ToJson(const DockerUpdateResult& result);

class UpdateManager {
 public:
  // Everything referenced must outlive the manager.
  UpdateManager(const config::Config& config, store::Store& store, Engine& engine,
                RegistryClient& registry, RegistryCredentials credentials, core::Clock& clock);

  // Recovers unfinished docker transactions under the lock first (listed in errors when one
  // could not be rolled back, which also refuses the update: kConflict). An Error means the
  // update never started (see the top); every later failure is a result with success = false
  // and the transaction's journal in the store.
  Expected<DockerUpdateResult> Apply(const DockerUpdateOptions& options,
                                     const core::ProgressCallback& progress = {});

  // Finishes every unfinished docker transaction, oldest first (see the top). Takes the update
  // lock: kConflict while an update runs.
  Expected<std::vector<DockerUpdateResult>> Recover(const core::ProgressCallback& progress = {});

 private:
  Expected<std::vector<DockerUpdateResult>> RecoverLocked(const core::ProgressCallback& progress);
  RecreateOptions DefaultRecreateOptions() const {
    return {.healthy_timeout = config_.docker.healthy_timeout,
            .drain_period = config_.docker.drain_period};
  }

  const config::Config& config_;
  store::Store& store_;
  Engine& engine_;
  RegistryClient& registry_;
  RegistryCredentials credentials_;
  core::Clock& clock_;
};

}  // namespace galaos::docker
