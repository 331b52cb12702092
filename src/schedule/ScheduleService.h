// ScheduleService: the schedules in the store, validated on the way in (cron, zone,
// maintenance window, notification channels), with their next run computed on the clock.
// The event loop that runs them is the scheduler's job, not this one's.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/Config.h"
#include "core/Clock.h"
#include "core/Error.h"
#include "schedule/Zone.h"
#include "store/Records.h"
#include "store/Store.h"

namespace galaos::schedule {

// The sinks a schedule may name in notification_channels.
inline constexpr std::string_view kNotificationChannels[] = {"database", "webhook", "slack",
                                                             "email"};

// The schedules of the daemon's first start: a daily check that only notifies (check_cron,
// code and docker) and a weekly docker update that applies itself (docker_cron) inside the
// maintenance window, if one is configured. Both in config.timezone. Whether auto-apply is
// honoured (auto_update) is decided when a schedule runs, not here.
std::vector<store::ScheduleSpec> DefaultSchedules(const config::ScheduleConfig& config);

// The first fire time of `spec` strictly after `after`, whether enabled or not; nullopt when
// the expression never fires again. kInvalidArgument when its cron or zone is invalid.
Expected<std::optional<store::TimePoint>> NextFireTime(const store::ScheduleSpec& spec,
                                                       store::TimePoint after);
// The next `count` fire times of `spec` after `after` (fewer when it stops firing).
Expected<std::vector<Seconds>> NextFireTimes(const store::ScheduleSpec& spec,
                                             store::TimePoint after, std::size_t count);

// How many next fire times listSchedules and `schedule list` show.
inline constexpr std::size_t kListedFireTimes = 5;

// A schedule as the API and `schedule list --json` show it: {id, enabled, schedule, timezone,
// updateType, autoApply, maintenanceWindow (or null), notificationChannels, onConflict
// ("skip" | "queue"), lastRun, nextRun,
// lastResult, createdAt (ISO times or null), description (Describe's words), nextRuns (ISO)}.
nlohmann::json ToJson(const store::Schedule& schedule, std::span<const Seconds> next_runs);
// Describe() of the schedule's cron in its zone (the cron text when it does not parse).
std::string DescribeSchedule(const store::ScheduleSpec& spec);

class ScheduleService {
 public:
  // `store` and `clock` must outlive the service.
  ScheduleService(store::Store& store, const core::Clock& clock) : store_(store), clock_(clock) {}

  // kInvalidArgument naming the bad part of `spec`; nothing is stored then.
  Status Validate(const store::ScheduleSpec& spec) const;

  // Stores a valid schedule with its next run after now (none when disabled).
  Expected<store::Schedule> Create(const store::ScheduleSpec& spec);
  // Oldest first.
  Expected<std::vector<store::Schedule>> List();
  // kNotFound for an unknown id.
  Status Remove(std::string_view id);
  // Enabling computes the next run from now; disabling clears it. kNotFound for an unknown id.
  Expected<store::Schedule> SetEnabled(std::string_view id, bool enabled);
  // The next `count` run times of a stored schedule after now, enabled or not.
  Expected<std::vector<Seconds>> NextRuns(std::string_view id, std::size_t count);

  // Validates and stores DefaultSchedules(config) on the first start only (a flag in the
  // store, so removing them later does not bring them back). Returns true if it seeded now.
  Expected<bool> SeedDefaults(const config::ScheduleConfig& config);

 private:
  // The first run of `spec` after now; nullopt when it is disabled.
  Expected<std::optional<store::TimePoint>> NextRun(const store::ScheduleSpec& spec) const;

  store::Store& store_;
  const core::Clock& clock_;
};

}  // namespace galaos::schedule
