// UpdateScheduler: runs the stored schedules at their fire times. It owns no thread and no
// timer: the daemon's loop sets one wall-clock timer for NextWake(), calls RunDue() when it
// fires, Refresh() when the store changed (a schedule created or removed by the CLI or the
// API) and ClockChanged() when the wall clock jumped. Every call reads the schedules from the
// store, so the store stays the truth and a restarted daemon continues where it stopped.
// What a run does (check, announce, apply) is the ScheduleRunner's job (service::UpdateRunner).
//
// Timing rules (docs/SCHEDULES.md, "Running schedules"):
// - A schedule runs when the wall clock reaches its stored nextRun (+ a random jitter of up to
//   SchedulerOptions::jitter); its next run is then the first fire time after the run ended,
//   so fire times that passed during a long run are not made up.
// - Auto-apply (autoApply and schedule.auto_update) applies only inside the maintenance
//   window; outside it the run announces the update and the schedule's next run is the
//   window's next opening when that comes before the next fire time.
// - Missed runs (nextRun passed while the daemon was down): Start() leaves them due, so each
//   runs once, when run_missed is on; otherwise their next run is recomputed from now.
// - A wall-clock jump: a schedule whose nextRun is now in the past runs once (forward); the
//   others get their nextRun recomputed from now, but never at or before their lastRun, so a
//   jump back does not fire a time again that already ran.
// - Another update holds the update lock (the runner's result starts "skipped: "): a schedule
//   with onConflict "skip" waits for its next fire time; one with "queue" is recorded as
//   "queued: ..." and keeps its due nextRun, but leaves NextWake and RunDue alone (no
//   busy-wait) until the daemon calls LockReleased(). Queued is a state, not a count: a
//   schedule is queued at most once, however many fire times pass meanwhile.
// Not thread-safe: one thread (the daemon's scheduler loop) calls it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "core/Clock.h"
#include "core/Error.h"
#include "store/Records.h"
#include "store/Store.h"

namespace galaos::schedule {

// What one run of a schedule is asked to do.
struct RunPlan {
  bool apply = false;  // false: check and announce only
  // autoApply was wanted but the maintenance window is closed: the run announces the update
  // and the schedule runs again (and applies) when the window opens at this time.
  std::optional<store::TimePoint> deferred_to{};
  // autoApply was wanted but schedule.auto_update (AUTO_UPDATE_ENABLED) is false.
  bool auto_update_disabled = false;
  std::string trigger{};  // "schedule:<id>"
};

// The plan for a run of `schedule` at `now`. kInvalidArgument when its window is invalid.
Expected<RunPlan> PlanRun(const store::Schedule& schedule, bool auto_update, store::TimePoint now);

// The next run after a run that ended at `now`: the next fire time, or the deferred window
// opening when that comes first.
Expected<std::optional<store::TimePoint>> NextRunAfterRun(const store::ScheduleSpec& spec,
                                                          const RunPlan& plan,
                                                          store::TimePoint now);

// How a run's result starts when another update held the update lock.
inline constexpr std::string_view kSkippedPrefix = "skipped: ";

class ScheduleRunner {
 public:
  virtual ~ScheduleRunner() = default;
  // Runs `schedule` once as `plan` says; returns the one-line result stored as its lastResult
  // (starting with kSkippedPrefix when another update held the update lock). Must not throw.
  virtual std::string Run(const store::Schedule& schedule, const RunPlan& plan) = 0;
};

struct SchedulerOptions {
  bool auto_update = true;         // schedule.auto_update
  bool run_missed = true;          // schedule.run_missed
  std::chrono::seconds jitter{0};  // schedule.jitter
  // A random delay in [0, max]; default: uniform from std::random_device.
  std::function<std::chrono::milliseconds(std::chrono::milliseconds max)> random_delay{};
};

class UpdateScheduler {
 public:
  // Everything referenced must outlive the scheduler.
  UpdateScheduler(store::Store& store, const core::Clock& clock, ScheduleRunner& runner,
                  SchedulerOptions options);

  // At daemon start: missed runs stay due when run_missed, else they move to their next fire
  // time after now; enabled schedules without a next run get one.
  Status Start();
  // Runs every schedule that is due now, one after the other. The number run.
  Expected<int> RunDue();
  // Re-reads the schedules (enabled ones without a next run get one).
  Status Refresh();
  // After a wall-clock jump (see the rules above).
  Status ClockChanged();
  // The update lock may have been let go: runs the queued schedules (and whatever else is
  // due). The number run.
  Expected<int> LockReleased();
  // When RunDue has work next (nextRun + jitter of the earliest schedule that is not queued);
  // nullopt: none.
  std::optional<store::TimePoint> NextWake() const { return next_wake_; }

 private:
  // Reads the schedules, gives `recompute` the chance to replace each enabled schedule's next
  // run (nullopt: keep it), and sets next_wake_.
  using Recompute = std::function<Expected<std::optional<std::optional<store::TimePoint>>>(
      const store::Schedule&)>;
  Status Update(const Recompute& recompute);
  // The time a schedule is due: its next run plus its jitter (drawn once per next run).
  store::TimePoint DueTime(const store::Schedule& schedule);
  Status RunOne(const store::Schedule& schedule);

  store::Store& store_;
  const core::Clock& clock_;
  ScheduleRunner& runner_;
  SchedulerOptions options_;
  // id -> (the next run the jitter was drawn for, the jitter)
  std::map<std::string, std::pair<store::TimePoint, std::chrono::milliseconds>> jitter_;
  std::optional<store::TimePoint> next_wake_;
  std::set<std::string> queued_;  // ids of schedules waiting for the update lock
};

}  // namespace galaos::schedule
