// CronExpression: a cron schedule and its fire times in a time zone. Syntax and DST rules are
// documented in docs/SCHEDULES.md; in short:
//   [second] minute hour day-of-month month day-of-week      (5 or 6 fields)
//   *  ?(day fields)  a-b  */n  a-b/n  a/n  lists  JAN-DEC  SUN-SAT (case-insensitive)
//   L (last day of month)  5L (last Friday)  1#2 (second Monday)  0 and 7 are Sunday
//   @yearly @annually @monthly @weekly @daily @midnight @hourly @minutely @secondly
//   @weekdays @weekends
// When both day fields are restricted (neither is exactly `*` or `?`), a day matches if
// either matches (Vixie cron); otherwise the restricted one decides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/Error.h"
#include "schedule/Zone.h"

namespace galaos::schedule {

class CronExpression {
 public:
  // kInvalidArgument on a bad expression, naming the field, the text and the allowed range:
  // `invalid cron expression "0 25 * * *": hour "25": 25 is out of range 0-23`.
  static Expected<CronExpression> Parse(std::string_view text);

  // The expression as given (trimmed).
  const std::string& text() const { return text_; }

  // The first fire time strictly after `after` (sub-second parts count as later than the
  // second), evaluated in `zone`. A local time skipped by a DST gap fires once, shifted
  // forward by the gap's length (02:30 in a 02:00->03:00 gap fires at 03:30). A local time
  // that occurs twice (fall back) fires at its first occurrence only, unless the hour field
  // matches all 24 hours: then both occurrences fire, as for any other hour. nullopt only
  // when no fire time exists in the 400 years after `after`.
  std::optional<Seconds> Next(std::chrono::system_clock::time_point after, const Zone& zone) const;

  // The fields as bit sets, for Describe and tests: bit v set when value v matches.
  std::uint64_t seconds() const { return seconds_; }
  std::uint64_t minutes() const { return minutes_; }
  std::uint32_t hours() const { return hours_; }
  std::uint32_t days_of_month() const { return days_of_month_; }  // bits 1-31
  std::uint16_t months() const { return months_; }                // bits 1-12
  std::uint8_t days_of_week() const { return days_of_week_; }     // bits 0-6, 0 = Sunday
  bool last_day_of_month() const { return last_day_of_month_; }
  std::uint8_t last_weekdays() const { return last_weekdays_; }  // `5L`: bit 5
  int nth_weekday() const { return nth_weekday_; }               // `1#2`: 2; 0 when not used
  bool day_of_month_restricted() const { return day_of_month_restricted_; }
  bool day_of_week_restricted() const { return day_of_week_restricted_; }

  // Whether a local calendar day matches the day-of-month, month and day-of-week fields.
  bool MatchesDay(std::chrono::year_month_day day) const;

 private:
  CronExpression() = default;
  friend class CronParser;

  std::string text_;
  std::uint64_t seconds_ = 0;
  std::uint64_t minutes_ = 0;
  std::uint32_t hours_ = 0;
  std::uint32_t days_of_month_ = 0;
  std::uint16_t months_ = 0;
  std::uint8_t days_of_week_ = 0;
  bool last_day_of_month_ = false;
  std::uint8_t last_weekdays_ = 0;
  int nth_weekday_ = 0;
  bool day_of_month_restricted_ = false;
  bool day_of_week_restricted_ = false;
};

}  // namespace galaos::schedule
