// UpdateRunner: one update run, shared by the scheduler, `schedule trigger` and the API's
// triggerUpdate: check the code and/or the containers, announce what is available
// (update_available to the run's notification channels), and apply it when asked.
//   code    CheckForUpdate; applying is VersionManager::Apply (which journals and notifies).
//   docker  CheckContainerImages; applying goes through the runner's DockerApplier (default:
//           ContainerApplier, one docker::UpdateManager transaction).
//   both    code first; the containers are not touched when the code part failed.
// Single flight: a run while another update holds <state.dir>/update.lock never starts; the
// error is kConflict naming the holder (the scheduler records it as "skipped: ...").
#pragma once

#include <functional>
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
#include "schedule/UpdateScheduler.h"
#include "service/Services.h"
#include "store/Store.h"

namespace galaos::service {

struct DockerApplyResult {
  bool success = false;
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
};

struct RunOutcome {
  bool success = true;    // false when a check or an apply failed
  std::string summary{};  // one line, e.g. "code: 1.1.0 available (running 1.0.0); docker: off"
  std::optional<release::UpdateCheck> code_check{};
  std::optional<code::UpdateResult> code_update{};
  std::vector<docker::ContainerImageCheck> containers{};
  std::optional<DockerApplyResult> docker_update{};
  std::optional<std::string> announced_event{};  // the update_available event id
};

// {success, summary, code: {check, update} | null, docker: {containers, update} | null,
//  announcedEvent}
nlohmann::json ToJson(const RunOutcome& outcome);

class UpdateRunner final : public schedule::ScheduleRunner {
 public:
  // Everything referenced must outlive the runner.
  UpdateRunner(const config::Config& config, store::Store& store, Services& services,
               core::Clock& clock, DockerApplier docker_applier = {});  // {}: ContainerApplier

  // kConflict when another update runs; every other failure is in the outcome.
  Expected<RunOutcome> Run(const RunRequest& request, const code::ProgressCallback& progress = {});

  // ScheduleRunner: the schedule's type, channels and plan; the summary, or "skipped: ...".
  std::string Run(const store::Schedule& schedule, const schedule::RunPlan& plan) override;

 private:
  const config::Config& config_;
  store::Store& store_;
  Services& services_;
  core::Clock& clock_;
  DockerApplier docker_applier_;
};

}  // namespace galaos::service
