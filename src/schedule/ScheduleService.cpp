#include "schedule/ScheduleService.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/Time.h"
#include "schedule/CronExpression.h"
#include "schedule/Description.h"
#include "schedule/MaintenanceWindow.h"

namespace galaos::schedule {

std::vector<store::ScheduleSpec> DefaultSchedules(const config::ScheduleConfig& config) {
  store::ScheduleSpec check;
  check.cron = config.check_cron;
  check.timezone = config.timezone;
  check.update_type = store::ScheduleUpdateType::kBoth;
  check.auto_apply = false;

  store::ScheduleSpec docker;
  docker.cron = config.docker_cron;
  docker.timezone = config.timezone;
  docker.update_type = store::ScheduleUpdateType::kDocker;
  docker.auto_apply = true;
  if (!config.maintenance_window.empty()) docker.maintenance_window = config.maintenance_window;
  return {check, docker};
}

Expected<std::optional<store::TimePoint>> NextFireTime(const store::ScheduleSpec& spec,
                                                       store::TimePoint after) {
  const CronExpression cron = TRY(CronExpression::Parse(spec.cron));
  const Zone zone = TRY(Zone::Locate(spec.timezone));
  const std::optional<Seconds> next = cron.Next(after, zone);
  if (!next) return std::optional<store::TimePoint>();
  return std::optional<store::TimePoint>(*next);
}

Expected<std::vector<Seconds>> NextFireTimes(const store::ScheduleSpec& spec,
                                             store::TimePoint after, std::size_t count) {
  const CronExpression cron = TRY(CronExpression::Parse(spec.cron));
  const Zone zone = TRY(Zone::Locate(spec.timezone));
  std::vector<Seconds> runs;
  while (runs.size() < count) {
    const std::optional<Seconds> next = cron.Next(after, zone);
    if (!next) break;
    runs.push_back(*next);
    after = *next;
  }
  return runs;
}

std::string DescribeSchedule(const store::ScheduleSpec& spec) {
  Expected<CronExpression> cron = CronExpression::Parse(spec.cron);
  Expected<Zone> zone = Zone::Locate(spec.timezone);
  return cron && zone ? Describe(*cron, *zone) : spec.cron;
}

nlohmann::json ToJson(const store::Schedule& schedule, std::span<const Seconds> next_runs) {
  using nlohmann::json;
  auto time = [](const std::optional<store::TimePoint>& at) {
    return at ? json(core::FormatIsoUtc(*at)) : json(nullptr);
  };
  json runs = json::array();
  for (const Seconds run : next_runs) runs.push_back(core::FormatIsoUtc(run));
  const store::ScheduleSpec& spec = schedule.spec;
  return {{"id", schedule.id},
          {"enabled", spec.enabled},
          {"schedule", spec.cron},
          {"timezone", spec.timezone},
          {"updateType", store::Name(spec.update_type)},
          {"autoApply", spec.auto_apply},
          {"maintenanceWindow", spec.maintenance_window ? json(*spec.maintenance_window) : json()},
          {"notificationChannels", spec.notification_channels},
          {"onConflict", store::Name(spec.on_conflict)},
          {"lastRun", time(schedule.last_run)},
          {"nextRun", time(schedule.next_run)},
          {"lastResult", schedule.last_result.empty() ? json() : json(schedule.last_result)},
          {"createdAt", core::FormatIsoUtc(schedule.created_at)},
          {"description", DescribeSchedule(spec)},
          {"nextRuns", runs}};
}

Status ScheduleService::Validate(const store::ScheduleSpec& spec) const {
  TRY(CronExpression::Parse(spec.cron));
  const Zone zone = TRY(Zone::Locate(spec.timezone));
  if (spec.maintenance_window) TRY(MaintenanceWindow::Parse(*spec.maintenance_window, zone));
  for (const std::string& channel : spec.notification_channels) {
    if (std::find(std::begin(kNotificationChannels), std::end(kNotificationChannels), channel) ==
        std::end(kNotificationChannels)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("unknown notification channel \"{}\" (known: {})", channel,
                                   fmt::join(kNotificationChannels, ", ")));
    }
  }
  return {};
}

Expected<std::optional<store::TimePoint>> ScheduleService::NextRun(
    const store::ScheduleSpec& spec) const {
  if (!spec.enabled) return std::optional<store::TimePoint>();
  return NextFireTime(spec, clock_.Now());
}

Expected<store::Schedule> ScheduleService::Create(const store::ScheduleSpec& spec) {
  TRY(WithContext(Validate(spec), "creating a schedule"));
  return store_.CreateSchedule(spec, TRY(NextRun(spec)));
}

Expected<std::vector<store::Schedule>> ScheduleService::List() {
  return store_.ListSchedules();
}

Status ScheduleService::Remove(std::string_view id) {
  return store_.RemoveSchedule(id);
}

Expected<store::Schedule> ScheduleService::SetEnabled(std::string_view id, bool enabled) {
  store::Schedule schedule = TRY(store_.GetSchedule(id));
  schedule.spec.enabled = enabled;
  schedule.next_run = TRY(WithContext(NextRun(schedule.spec), fmt::format("schedule {}", id)));
  TRY(store_.WithTransaction([&](store::Store& store) -> Status {
    TRY(store.SetScheduleEnabled(id, enabled));
    return store.SetScheduleNextRun(id, schedule.next_run);
  }));
  return schedule;
}

Expected<std::vector<Seconds>> ScheduleService::NextRuns(std::string_view id, std::size_t count) {
  const store::Schedule schedule = TRY(store_.GetSchedule(id));
  return WithContext(NextFireTimes(schedule.spec, clock_.Now(), count),
                     fmt::format("schedule {}", id));
}

Expected<bool> ScheduleService::SeedDefaults(const config::ScheduleConfig& config) {
  const std::vector<store::ScheduleSpec> defaults = DefaultSchedules(config);
  for (const store::ScheduleSpec& spec : defaults) {
    TRY(WithContext(Validate(spec), "default schedule from [schedule] config"));
  }
  if (!TRY(store_.SeedDefaultSchedules(defaults))) return false;
  // The store seeds them without a next run; only they can lack one on a first start.
  for (const store::Schedule& schedule : TRY(store_.ListSchedules())) {
    if (schedule.next_run) continue;
    TRY(store_.SetScheduleNextRun(schedule.id, TRY(NextRun(schedule.spec))));
  }
  return true;
}

}  // namespace galaos::schedule
