#include "schedule/UpdateScheduler.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <random>

#include "core/Time.h"
#include "schedule/MaintenanceWindow.h"
#include "schedule/ScheduleService.h"

namespace galaos::schedule {
namespace {

using std::chrono::milliseconds;

std::string TimeText(const std::optional<store::TimePoint>& time) {
  return time ? core::FormatIsoUtc(*time) : "none";
}

// A run's record; a schedule removed while it ran is no error.
Status Recorded(std::string_view id, Status recorded) {
  if (!recorded && recorded.error().code() == ErrorCode::kNotFound) {
    spdlog::info("scheduler: schedule {} was removed while it ran", id);
    return {};
  }
  return recorded;
}

milliseconds UniformDelay(milliseconds max) {
  static std::mt19937_64 generator{std::random_device{}()};
  return milliseconds(std::uniform_int_distribution<milliseconds::rep>(0, max.count())(generator));
}

}  // namespace

Expected<RunPlan> PlanRun(const store::Schedule& schedule, bool auto_update, store::TimePoint now) {
  RunPlan plan{.trigger = "schedule:" + schedule.id};
  if (!schedule.spec.auto_apply) return plan;
  if (!auto_update) {
    plan.auto_update_disabled = true;
    return plan;
  }
  plan.apply = true;
  if (!schedule.spec.maintenance_window) return plan;
  const Zone zone = TRY(Zone::Locate(schedule.spec.timezone));
  const MaintenanceWindow window =
      TRY(MaintenanceWindow::Parse(*schedule.spec.maintenance_window, zone));
  if (window.Contains(now)) return plan;
  plan.apply = false;
  if (const std::optional<Seconds> opening = window.NextOpening(now)) plan.deferred_to = *opening;
  return plan;
}

Expected<std::optional<store::TimePoint>> NextRunAfterRun(const store::ScheduleSpec& spec,
                                                          const RunPlan& plan,
                                                          store::TimePoint now) {
  std::optional<store::TimePoint> next = TRY(NextFireTime(spec, now));
  if (plan.deferred_to && (!next || *plan.deferred_to < *next)) next = plan.deferred_to;
  return next;
}

UpdateScheduler::UpdateScheduler(store::Store& store, const core::Clock& clock,
                                 ScheduleRunner& runner, SchedulerOptions options)
    : store_(store), clock_(clock), runner_(runner), options_(std::move(options)) {
  if (!options_.random_delay) options_.random_delay = UniformDelay;
}

Status UpdateScheduler::Update(const Recompute& recompute) {
  next_wake_.reset();
  for (store::Schedule& schedule : TRY(store_.ListSchedules())) {
    if (!schedule.spec.enabled) continue;
    Expected<std::optional<std::optional<store::TimePoint>>> replaced = recompute(schedule);
    if (!replaced) {
      spdlog::error("scheduler: schedule {}: {}", schedule.id, replaced.error().message());
      continue;
    }
    if (*replaced && **replaced != schedule.next_run) {
      schedule.next_run = **replaced;
      TRY(store_.SetScheduleNextRun(schedule.id, schedule.next_run));
    }
    if (!schedule.next_run || queued_.contains(schedule.id)) continue;
    const store::TimePoint due = DueTime(schedule);
    if (!next_wake_ || due < *next_wake_) next_wake_ = due;
  }
  return {};
}

store::TimePoint UpdateScheduler::DueTime(const store::Schedule& schedule) {
  if (options_.jitter.count() == 0) return *schedule.next_run;
  auto [entry, added] = jitter_.try_emplace(schedule.id, *schedule.next_run, milliseconds(0));
  if (added || entry->second.first != *schedule.next_run) {
    entry->second = {*schedule.next_run, options_.random_delay(options_.jitter)};
  }
  return *schedule.next_run + entry->second.second;
}

Status UpdateScheduler::Start() {
  const store::TimePoint now = clock_.Now();
  return Update([&](const store::Schedule& schedule)
                    -> Expected<std::optional<std::optional<store::TimePoint>>> {
    const bool missed = schedule.next_run && *schedule.next_run <= now;
    if (missed && options_.run_missed) {
      spdlog::info("scheduler: schedule {} missed its run at {}: running it once now", schedule.id,
                   TimeText(schedule.next_run));
      return std::nullopt;
    }
    if (schedule.next_run && !missed) return std::nullopt;
    return std::optional(TRY(NextFireTime(schedule.spec, now)));
  });
}

Status UpdateScheduler::Refresh() {
  const store::TimePoint now = clock_.Now();
  return Update([&](const store::Schedule& schedule)
                    -> Expected<std::optional<std::optional<store::TimePoint>>> {
    if (schedule.next_run) return std::nullopt;
    return std::optional(TRY(NextFireTime(schedule.spec, now)));
  });
}

Status UpdateScheduler::ClockChanged() {
  const store::TimePoint now = clock_.Now();
  spdlog::info("scheduler: the wall clock changed (now {}): recomputing next runs",
               core::FormatIsoUtc(now));
  return Update([&](const store::Schedule& schedule)
                    -> Expected<std::optional<std::optional<store::TimePoint>>> {
    if (schedule.next_run && *schedule.next_run <= now) return std::nullopt;  // due: runs once
    const store::TimePoint after =
        schedule.last_run && *schedule.last_run > now ? *schedule.last_run : now;
    return std::optional(TRY(NextFireTime(schedule.spec, after)));
  });
}

Expected<int> UpdateScheduler::RunDue() {
  int ran = 0;
  for (const store::Schedule& schedule : TRY(store_.ListSchedules())) {
    if (!schedule.spec.enabled || !schedule.next_run || queued_.contains(schedule.id)) continue;
    if (DueTime(schedule) > clock_.Now()) continue;
    TRY(RunOne(schedule));
    ++ran;
  }
  TRY(Refresh());
  return ran;
}

Expected<int> UpdateScheduler::LockReleased() {
  if (queued_.empty()) return 0;
  queued_.clear();
  return RunDue();
}

Status UpdateScheduler::RunOne(const store::Schedule& schedule) {
  const store::TimePoint started = clock_.Now();
  spdlog::info("scheduler: running schedule {} ({} {}, {})", schedule.id, schedule.spec.cron,
               schedule.spec.timezone, store::Name(schedule.spec.update_type));
  Expected<RunPlan> plan = PlanRun(schedule, options_.auto_update, started);
  std::string result = plan ? runner_.Run(schedule, *plan) : "failed: " + plan.error().message();
  if (result.starts_with(kSkippedPrefix) &&
      schedule.spec.on_conflict == store::ConflictPolicy::kQueue) {
    result = "queued: " + result.substr(kSkippedPrefix.size());
    spdlog::info("scheduler: schedule {} {}; it runs once the update lock is free", schedule.id,
                 result);
    queued_.insert(schedule.id);
    return Recorded(
        schedule.id,
        store_.RecordScheduleRun(
            schedule.id, store::ScheduleRun{
                             .ran_at = started, .result = result, .next_run = schedule.next_run}));
  }
  const store::TimePoint ended = clock_.Now();
  Expected<std::optional<store::TimePoint>> next =
      plan ? NextRunAfterRun(schedule.spec, *plan, ended) : NextFireTime(schedule.spec, ended);
  if (!next) {
    result += "; no next run: " + next.error().message();
    next = std::optional<store::TimePoint>();
  }
  spdlog::info("scheduler: schedule {} ran: {}; next run {}", schedule.id, result, TimeText(*next));
  return Recorded(
      schedule.id,
      store_.RecordScheduleRun(
          schedule.id, store::ScheduleRun{.ran_at = started, .result = result, .next_run = *next}));
}

}  // namespace galaos::schedule
