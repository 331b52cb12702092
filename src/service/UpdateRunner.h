// UpdateRunner: one update run, shared by the scheduler, `schedule trigger` and the API's
// triggerUpdate: check the code and/or the containers, announce what is available
// (update_available to the run's notification channels), and apply it when asked.
//   code    CheckForUpdate; applying is VersionManager::Apply (which journals and notifies).
//   docker  CheckContainerImages; applying goes through the runner's DockerApplier (default:
//           ContainerApplier, one docker::UpdateManager transaction).
//   both    code first; the containers are not touched when the code part failed.
// Single flight: a run while another update holds <state.dir>/update.lock never starts; the
// error is kConflict naming the holder (the scheduler records it as "skipped: ..."). Checks
// hold the update lock themselves (described "check (<trigger>)"), so no update changes the
// checkout or the containers while they are read; the lock is let go before applying, which
// takes it again (VersionManager::Apply, the DockerApplier).
// Announcing once: with an announce key (a schedule's id), an available version (code) or
// digest (docker) is announced the first time a run finds it; later runs under the same key
// that find it again stay quiet ("already announced") until it changes, or a run of that kind
// finds it gone (applied, or withdrawn). Without a key every run announces what it finds.
#pragma once

#include <functional>
#include <initializer_list>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "code/VersionManager.h"
#include "config/Config.h"
#include "core/Clock.h"
#include "core/Error.h"
#include "docker/ImageCheck.h"
#include "notify/Event.h"
#include "schedule/UpdateScheduler.h"
#include "service/LastUpdateCheck.h"
#include "service/Services.h"
#include "store/Store.h"

namespace galaos::service {

struct DockerApplyResult {
  bool success = false;
  std::string final_state{};  // the transaction's, as docker::DockerUpdateResult's
  std::vector<std::string> updated{};
  std::vector<std::string> failed{};
  std::vector<std::string> errors{};
};

// Updates the named managed containers (those with an update available); `trigger` as in
// code::UpdateOptions. The daemon's owner wires docker's update manager in here.
using DockerApplier = std::function<Expected<DockerApplyResult>(
    const std::vector<std::string>& containers, std::string_view trigger)>;

// The real applier: one docker::UpdateManager transaction (UpdateContainers) for the containers,
// its progress to `progress`, its id to `on_started` (the API's triggerUpdate).
// `config` and `store` must outlive it.
DockerApplier ContainerApplier(const config::Config& config, store::Store& store,
                               core::ProgressCallback progress = {},
                               std::function<void(const std::string&)> on_started = {});

struct RunRequest {
  store::ScheduleUpdateType type = store::ScheduleUpdateType::kCode;
  bool apply = false;  // false: check and announce only
  // Shown in the summary when an auto-apply waits for its maintenance window.
  std::optional<store::TimePoint> deferred_to{};
  // The sinks to announce to (schedule notificationChannels); empty: every configured one.
  // "database" is always included, sinks the config does not enable are left out.
  std::vector<std::string> channels{};
  code::UpdateOptions code_options{};  // trigger and actor name the run's origin
  // Announce each offer once per key (see above); empty: announce every time.
  std::string announce_key{};
};

struct RunOutcome {
  bool success = true;    // false when a check or an apply failed
  std::string summary{};  // one line, e.g. "code: 1.1.0 available (running 1.0.0); docker: off"
  std::optional<release::UpdateCheck> code_check{};
  std::optional<code::UpdateResult> code_update{};
  std::vector<docker::ContainerImageCheck> containers{};
  std::optional<DockerApplyResult> docker_update{};
  // The update_available event id; none when nothing (new) was available.
  std::optional<std::string> announced_event{};
};

// The state a run of one or more transactions (code, docker) ends in, as the results' and the
// end events' "state": "RollbackFailed" or else "RolledBack" when one of `final_states` is,
// otherwise "Succeeded" or "Failed" as `success` says (a part without a transaction is "").
std::string RunState(bool success, std::initializer_list<std::string_view> final_states);

// {success, state (RunState), summary, code: {check, update} | null,
//  docker: {containers, update: {success, state, updated, failed, errors} | null} | null,
//  announcedEvent}
nlohmann::json ToJson(const RunOutcome& outcome);

class UpdateRunner final : public schedule::ScheduleRunner {
 public:
  // Everything referenced must outlive the runner.
  // `docker_applier` {}: ContainerApplier. `last_check` (when given) gets what each run's
  // checks found, less what the run applied.
  UpdateRunner(const config::Config& config, store::Store& store, Services& services,
               core::Clock& clock, DockerApplier docker_applier = {},
               LastUpdateCheck* last_check = nullptr);

  // kConflict when another update runs; every other failure is in the outcome.
  Expected<RunOutcome> Run(const RunRequest& request, const code::ProgressCallback& progress = {});

  // ScheduleRunner: the schedule's type, channels and plan; the summary, or "skipped: ...".
  std::string Run(const store::Schedule& schedule, const schedule::RunPlan& plan) override;

 private:
  // Enqueues update_available for the offers not yet announced under request.announce_key
  // (all of them without a key) and remembers the offers, in one store transaction.
  Status Announce(const RunRequest& request, notify::UpdateAvailable available,
                  const std::vector<std::string>& offers, bool code_checked, bool docker_checked,
                  std::optional<std::string>& event_id);

  const config::Config& config_;
  store::Store& store_;
  Services& services_;
  core::Clock& clock_;
  DockerApplier docker_applier_;
  LastUpdateCheck* last_check_;
};

}  // namespace galaos::service
