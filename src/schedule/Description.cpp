#include "schedule/Description.h"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cstdint>
#include <string_view>
#include <vector>

namespace galaos::schedule {

namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};

constexpr std::uint64_t kAllMinutes = (std::uint64_t{1} << 60) - 1;
constexpr std::uint32_t kAllHours = (1u << 24) - 1;
constexpr std::uint16_t kAllMonths = 0x1ffe;  // bits 1-12

bool Single(std::uint64_t mask) {
  return std::popcount(mask) == 1;
}

// The step n when `mask` is exactly 0, n, 2n, ... below `size` and n divides `size`; 0 if not.
int EveryNth(std::uint64_t mask, int size) {
  if (!(mask & 1)) return 0;
  for (int step = 1; step < size; ++step) {
    if (size % step != 0) continue;
    std::uint64_t expected = 0;
    for (int v = 0; v < size; v += step) expected |= std::uint64_t{1} << v;
    if (expected == mask) return step;
  }
  return 0;
}

// "Monday", "Saturday and Sunday", "Monday to Friday", "Monday, Wednesday and Friday".
std::string Weekdays(std::uint8_t days) {
  std::vector<int> listed;
  for (int d = 1; d <= 7; ++d) {  // Monday first
    if (days >> (d % 7) & 1) listed.push_back(d % 7);
  }
  // Monday first, so a run of three or more days never wraps over Sunday.
  const bool consecutive =
      listed.size() > 2 && listed.back() - listed.front() == static_cast<int>(listed.size()) - 1;
  if (consecutive) {
    return fmt::format("{} to {}", kWeekdays[listed.front()], kWeekdays[listed.back()]);
  }
  std::string out;
  for (std::size_t i = 0; i < listed.size(); ++i) {
    if (i > 0) out += i + 1 == listed.size() ? " and " : ", ";
    out += kWeekdays[listed[i]];
  }
  return out;
}

}  // namespace

std::string Describe(const CronExpression& cron, const Zone& zone) {
  const std::string zone_name = zone.name() == "local" ? "local time" : zone.name();
  const std::string fallback = fmt::format("cron \"{}\" in {}", cron.text(), zone_name);
  const bool plain_days = !cron.day_of_month_restricted() && !cron.day_of_week_restricted() &&
                          cron.months() == kAllMonths;
  if (cron.seconds() != 1) return fallback;

  if (plain_days && cron.hours() == kAllHours) {
    if (cron.minutes() == kAllMinutes) return "every minute";
    if (const int step = EveryNth(cron.minutes(), 60)) return fmt::format("every {} minutes", step);
    if (Single(cron.minutes())) {
      return fmt::format("every hour at minute {}", std::countr_zero(cron.minutes()));
    }
    return fallback;
  }
  if (!Single(cron.minutes())) return fallback;
  const int minute = std::countr_zero(cron.minutes());
  if (plain_days && cron.minutes() == 1) {
    if (const int step = EveryNth(cron.hours(), 24); step > 1) {
      return fmt::format("every {} hours", step);
    }
  }
  if (!Single(cron.hours())) return fallback;
  const std::string at =
      fmt::format("at {:02}:{:02} {}", std::countr_zero(cron.hours()), minute, zone_name);
  if (cron.months() != kAllMonths) return fallback;

  const bool day_of_month = cron.day_of_month_restricted();
  const bool day_of_week = cron.day_of_week_restricted();
  if (!day_of_month && !day_of_week) return "every day " + at;
  if (!day_of_month && cron.nth_weekday() == 0 && cron.last_weekdays() == 0) {
    return fmt::format("every {} {}", Weekdays(cron.days_of_week()), at);
  }
  if (!day_of_week && cron.last_day_of_month() && cron.days_of_month() == 0) {
    return "on the last day of every month " + at;
  }
  if (!day_of_week && !cron.last_day_of_month() && Single(cron.days_of_month())) {
    return fmt::format("on day {} of every month {}", std::countr_zero(cron.days_of_month()), at);
  }
  return fallback;
}

}  // namespace galaos::schedule
