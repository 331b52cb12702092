#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "schedule/CronExpression.h"
#include "schedule/ScheduleTestSupport.h"

namespace galaos::schedule {
namespace {

using testing::Utc;
using testing::UtcText;

// The next `count` fire times after `start`, each searched from the previous one.
std::vector<std::string> NextTimes(std::string_view expression, std::string_view zone_name,
                                   std::string_view start, int count) {
  const auto cron = CronExpression::Parse(expression);
  EXPECT_TRUE(cron) << cron.error().message();
  const auto zone = Zone::Locate(zone_name);
  EXPECT_TRUE(zone) << zone.error().message();
  std::vector<std::string> out;
  if (!cron || !zone) return out;
  std::chrono::system_clock::time_point at = Utc(start);
  for (int i = 0; i < count; ++i) {
    const auto next = cron->Next(at, *zone);
    if (!next) break;
    out.push_back(UtcText(*next));
    at = *next;
  }
  return out;
}

struct NextCase {
  std::string_view what;
  std::string_view expression;
  std::string_view zone;
  std::string_view start;             // UTC
  std::vector<std::string> expected;  // UTC
};

void PrintTo(const NextCase& c, std::ostream* os) {
  *os << c.what;
}

class CronNextTest : public ::testing::TestWithParam<NextCase> {};

TEST_P(CronNextTest, FiresAtTheExpectedTimes) {
  const NextCase& c = GetParam();
  EXPECT_EQ(NextTimes(c.expression, c.zone, c.start, static_cast<int>(c.expected.size())),
            c.expected)
      << c.what << ": " << c.expression << " in " << c.zone << " after " << c.start;
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, CronNextTest,
    ::testing::Values(
        NextCase{"every 15 minutes",
                 "*/15 * * * *",
                 "UTC",
                 "2026-01-01 00:07:00",
                 {"2026-01-01 00:15:00", "2026-01-01 00:30:00", "2026-01-01 00:45:00",
                  "2026-01-01 01:00:00"}},
        NextCase{"strictly after a fire time",
                 "0 2 * * *",
                 "UTC",
                 "2026-01-01 02:00:00",
                 {"2026-01-02 02:00:00"}},
        NextCase{"six fields: seconds first",
                 "*/20 0 12 * * *",
                 "UTC",
                 "2026-01-01 00:00:00",
                 {"2026-01-01 12:00:00", "2026-01-01 12:00:20", "2026-01-01 12:00:40",
                  "2026-01-02 12:00:00"}},
        NextCase{"range with step",
                 "0 1-23/7 * * *",
                 "UTC",
                 "2026-01-01 00:00:00",
                 {"2026-01-01 01:00:00", "2026-01-01 08:00:00", "2026-01-01 15:00:00",
                  "2026-01-01 22:00:00", "2026-01-02 01:00:00"}},
        NextCase{"value with step runs to the end",
                 "5/15 0 1 1 *",
                 "UTC",
                 "2026-01-01 00:00:00",
                 {"2026-01-01 00:05:00", "2026-01-01 00:20:00", "2026-01-01 00:35:00",
                  "2026-01-01 00:50:00", "2027-01-01 00:05:00"}},
        NextCase{"names, case-insensitive",
                 "0 9 * jan,Jul mon-FRI",
                 "UTC",
                 "2026-01-29 10:00:00",
                 {"2026-01-30 09:00:00", "2026-07-01 09:00:00"}},
        NextCase{"last day of month",
                 "0 0 L * *",
                 "UTC",
                 "2026-01-31 00:00:00",
                 {"2026-02-28 00:00:00", "2026-03-31 00:00:00", "2026-04-30 00:00:00"}},
        NextCase{"last day of February in a leap year",
                 "0 0 L 2 *",
                 "UTC",
                 "2027-03-01 00:00:00",
                 {"2028-02-29 00:00:00"}},
        NextCase{"last Friday",
                 "0 0 * * 5L",
                 "UTC",
                 "2026-01-01 00:00:00",
                 {"2026-01-30 00:00:00", "2026-02-27 00:00:00", "2026-03-27 00:00:00"}},
        NextCase{"last Friday a week before the month's end",
                 "0 0 * * FRIL",
                 "UTC",
                 "2026-12-01 00:00:00",
                 {"2026-12-25 00:00:00"}},
        NextCase{"second Monday",
                 "0 0 * * MON#2",
                 "UTC",
                 "2026-01-01 00:00:00",
                 {"2026-01-12 00:00:00", "2026-02-09 00:00:00"}},
        NextCase{"fifth Monday skips months without one",
                 "0 0 * * 1#5",
                 "UTC",
                 "2026-01-01 00:00:00",
                 {"2026-03-30 00:00:00", "2026-06-29 00:00:00"}},
        NextCase{"day of month OR day of week when both are restricted",
                 "0 0 13 * 5",
                 "UTC",
                 "2026-02-01 00:00:00",
                 {"2026-02-06 00:00:00", "2026-02-13 00:00:00", "2026-02-20 00:00:00"}},
        NextCase{"a step makes a day field restricted",
                 "0 0 */10 * 1",
                 "UTC",
                 "2026-02-01 00:00:00",
                 {"2026-02-02 00:00:00", "2026-02-09 00:00:00", "2026-02-11 00:00:00"}},
        NextCase{"? leaves the day of week free",
                 "0 0 15 * ?",
                 "UTC",
                 "2026-02-01 00:00:00",
                 {"2026-02-15 00:00:00", "2026-03-15 00:00:00"}},
        NextCase{"7 is Sunday", "0 0 * * 7", "UTC", "2026-01-01 00:00:00", {"2026-01-04 00:00:00"}},
        NextCase{"29 February waits for a leap year",
                 "0 0 29 2 *",
                 "UTC",
                 "2026-01-01 00:00:00",
                 {"2028-02-29 00:00:00", "2032-02-29 00:00:00"}},
        NextCase{"@weekly", "@weekly", "UTC", "2026-01-01 00:00:00", {"2026-01-04 00:00:00"}},
        NextCase{"@midnight", "@midnight", "UTC", "2026-01-01 00:00:01", {"2026-01-02 00:00:00"}},
        NextCase{"@hourly", "@hourly", "UTC", "2026-01-01 00:00:00", {"2026-01-01 01:00:00"}},
        NextCase{"@yearly", "@yearly", "UTC", "2026-01-01 00:00:00", {"2027-01-01 00:00:00"}},
        NextCase{"in a zone",
                 "0 2 * * *",
                 "Asia/Kolkata",
                 "2026-01-01 00:00:00",
                 {"2026-01-01 20:30:00"}}));

INSTANTIATE_TEST_SUITE_P(
    Dst, CronNextTest,
    ::testing::Values(
        // New York 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC).
        NextCase{"a time in the gap fires once, shifted by the gap",
                 "30 2 * * *",
                 "America/New_York",
                 "2026-03-07 12:00:00",
                 {"2026-03-08 07:30:00", "2026-03-09 06:30:00"}},
        NextCase{"the gap's times fire in time order with the hour after it",
                 "10,45 2,3 * * *",
                 "America/New_York",
                 "2026-03-08 06:00:00",
                 {"2026-03-08 07:10:00", "2026-03-08 07:45:00", "2026-03-09 06:10:00"}},
        NextCase{"every 15 minutes passes the gap without a double",
                 "*/15 * * * *",
                 "America/New_York",
                 "2026-03-08 06:40:00",
                 {"2026-03-08 06:45:00", "2026-03-08 07:00:00", "2026-03-08 07:15:00"}},
        // New York 2026-11-01 02:00 EDT -> 01:00 EST (06:00 UTC): 01:xx happens twice.
        NextCase{"a repeated time fires once, at its first occurrence",
                 "30 1 * * *",
                 "America/New_York",
                 "2026-10-31 12:00:00",
                 {"2026-11-01 05:30:00", "2026-11-02 06:30:00"}},
        NextCase{"started inside the repeat, it does not fire the second occurrence",
                 "30 1 * * *",
                 "America/New_York",
                 "2026-11-01 06:10:00",
                 {"2026-11-02 06:30:00"}},
        NextCase{"every hour fires in both occurrences of the repeated hour",
                 "30 * * * *",
                 "America/New_York",
                 "2026-11-01 05:00:00",
                 {"2026-11-01 05:30:00", "2026-11-01 06:30:00", "2026-11-01 07:30:00"}},
        NextCase{"Berlin spring forward",
                 "30 2 * * *",
                 "Europe/Berlin",
                 "2026-03-28 12:00:00",
                 {"2026-03-29 01:30:00", "2026-03-30 00:30:00"}},
        // Lord Howe 2026-04-05 02:00 +11 -> 01:30 +10:30 (04-04 15:00 UTC); 2026-10-04 02:00 +10:30
        // -> 02:30 +11 (10-03 15:30 UTC).
        NextCase{"half-hour repeat fires once",
                 "45 1 * * *",
                 "Australia/Lord_Howe",
                 "2026-04-04 12:00:00",
                 {"2026-04-04 14:45:00", "2026-04-05 15:15:00"}},
        NextCase{"every hour across a half-hour fall back",
                 "1,7 * * * *",
                 "Australia/Lord_Howe",
                 "2019-04-06 13:30:00",
                 {"2019-04-06 14:01:00", "2019-04-06 14:07:00", "2019-04-06 15:31:00",
                  "2019-04-06 15:37:00"}},
        NextCase{"half-hour gap: later minutes of the hour come first",
                 "20,35 2 * * *",
                 "Australia/Lord_Howe",
                 "2026-10-03 12:00:00",
                 {"2026-10-03 15:35:00", "2026-10-03 15:50:00"}}));

struct InvalidCase {
  std::string_view expression;
  std::string_view message;  // a part of the error message
};

void PrintTo(const InvalidCase& c, std::ostream* os) {
  *os << c.expression;
}

class CronInvalidTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(CronInvalidTest, IsRejectedWithAMessageNamingTheBadField) {
  const auto cron = CronExpression::Parse(GetParam().expression);
  ASSERT_FALSE(cron) << GetParam().expression;
  EXPECT_EQ(cron.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(cron.error().message().find(GetParam().message), std::string::npos)
      << cron.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Errors, CronInvalidTest,
    ::testing::Values(
        InvalidCase{"0 25 * * *", "hour \"25\": 25 is out of range 0-23"},
        InvalidCase{"60 * * * * *", "second \"60\": 60 is out of range 0-59"},
        InvalidCase{"* * 0 * *", "day-of-month \"0\": 0 is out of range 1-31"},
        InvalidCase{"* * * 13 *", "month \"13\": 13 is out of range 1-12 or JAN-DEC"},
        InvalidCase{"* * * * 8", "day-of-week \"8\": 8 is out of range 0-7 or SUN-SAT"},
        InvalidCase{"* * * FOO *", "month \"FOO\": \"FOO\" is neither a number nor a name"},
        InvalidCase{"* MON * * *", "hour \"MON\": \"MON\" is not a number (0-23)"},
        InvalidCase{"*/0 * * * *", "minute \"*/0\": step \"0\" is not a positive number"},
        InvalidCase{"1/2/3 * * * *", "more than one '/'"},
        InvalidCase{"5-1 * * * *", "range 5-1 goes backwards"},
        InvalidCase{"1,,2 * * * *", "minute \"1,,2\": empty list item"},
        InvalidCase{"? * * * *", "'?' is only allowed in day-of-month and day-of-week"},
        InvalidCase{"* * * * 1#6", "occurrence \"6\" is out of range 1-5"},
        InvalidCase{"* * * * 1-2#2", "'#' takes one day"},
        InvalidCase{"* * * * L", "day-of-week \"L\""},
        InvalidCase{"* * 15L * *", "day-of-month \"15L\""},
        InvalidCase{"* * * *", "expected 5 fields"}, InvalidCase{"* * * * * * *", "got 7"},
        InvalidCase{"@fortnightly", "unknown macro"},
        InvalidCase{"0 0 30 2 *", "day 30 never occurs in month \"2\""},
        InvalidCase{"0 0 31 APR,jun *", "day 31 never occurs"},
        InvalidCase{"H * * * *", "minute \"H\""}));

TEST(CronExpressionTest, KeepsTheTrimmedTextAndExposesTheFields) {
  const auto cron = CronExpression::Parse("  0 2 * * SUN  ");
  ASSERT_TRUE(cron) << cron.error().message();
  EXPECT_EQ(cron->text(), "0 2 * * SUN");
  EXPECT_EQ(cron->minutes(), 1u);
  EXPECT_EQ(cron->hours(), 1u << 2);
  EXPECT_EQ(cron->days_of_week(), 1u);
  EXPECT_TRUE(cron->day_of_week_restricted());
  EXPECT_FALSE(cron->day_of_month_restricted());
}

TEST(CronExpressionTest, AnImpossibleDayIsFineWhenTheDayOfWeekCanMatch) {
  EXPECT_TRUE(CronExpression::Parse("0 0 30 2 1"));
  EXPECT_EQ(NextTimes("0 0 30 2 1", "UTC", "2026-01-01 00:00:00", 1),
            std::vector<std::string>{"2026-02-02 00:00:00"});
}

TEST(CronExpressionTest, FindsARareFireTimeQuickly) {
  // 29 February on a Monday: 2044. One search must not walk minute by minute.
  const auto cron = CronExpression::Parse("0 0 29 2 *");
  const auto monday = CronExpression::Parse("0 0 * 2 1#5");
  ASSERT_TRUE(cron && monday);
  const auto zone = Zone::Locate("Europe/Berlin");
  ASSERT_TRUE(zone);
  const auto started = std::chrono::steady_clock::now();
  std::optional<Seconds> next;
  for (int i = 0; i < 100; ++i) next = monday->Next(Utc("2026-01-01 00:00:00"), *zone);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(next);
  EXPECT_EQ(UtcText(*next), "2044-02-28 23:00:00");
  EXPECT_LT(elapsed, std::chrono::seconds(2)) << "100 searches across 18 years";
}

}  // namespace
}  // namespace galaos::schedule
