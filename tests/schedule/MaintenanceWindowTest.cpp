#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "schedule/MaintenanceWindow.h"
#include "schedule/ScheduleTestSupport.h"

namespace galaos::schedule {
namespace {

using testing::Utc;
using testing::UtcText;

Expected<MaintenanceWindow> ParseWindow(std::string_view text) {
  return MaintenanceWindow::Parse(text, Zone::Utc());
}

struct ContainsCase {
  std::string_view what;
  std::string_view window;
  std::string_view time;  // UTC
  bool open;
};

void PrintTo(const ContainsCase& c, std::ostream* os) {
  *os << c.what;
}

class WindowContainsTest : public ::testing::TestWithParam<ContainsCase> {};

TEST_P(WindowContainsTest, IsOpenExactlyInsideTheWindow) {
  const ContainsCase& c = GetParam();
  const auto window = ParseWindow(c.window);
  ASSERT_TRUE(window) << window.error().message();
  EXPECT_EQ(window->Contains(Utc(c.time)), c.open)
      << c.what << ": " << c.window << " at " << c.time;
}

INSTANTIATE_TEST_SUITE_P(
    Table, WindowContainsTest,
    ::testing::Values(
        // 2026-03-07 is a Saturday.
        ContainsCase{"inside", "Sat,Sun 02:00-05:00", "2026-03-07 03:00:00", true},
        ContainsCase{"start is inside", "Sat,Sun 02:00-05:00", "2026-03-07 02:00:00", true},
        ContainsCase{"end is outside", "Sat,Sun 02:00-05:00", "2026-03-07 05:00:00", false},
        ContainsCase{"before the start", "Sat,Sun 02:00-05:00", "2026-03-07 01:59:59", false},
        ContainsCase{"another day", "Sat,Sun 02:00-05:00", "2026-03-09 03:00:00", false},
        ContainsCase{"a range of days", "Mon-Fri 09:00-17:00", "2026-03-11 12:00:00", true},
        ContainsCase{"a range of days excludes the weekend", "mon-fri 09:00-17:00",
                     "2026-03-08 12:00:00", false},
        ContainsCase{"a wrapping range of days", "Fri-Mon 09:00-17:00", "2026-03-08 12:00:00",
                     true},
        ContainsCase{"full day names", "Saturday 02:00-05:00", "2026-03-07 02:30:00", true},
        ContainsCase{"overnight: the evening of its day", "Fri 22:00-04:00", "2026-03-06 23:00:00",
                     true},
        ContainsCase{"overnight: the morning after belongs to it", "Fri 22:00-04:00",
                     "2026-03-07 03:59:00", true},
        ContainsCase{"overnight: not the morning of its own day", "Fri 22:00-04:00",
                     "2026-03-06 03:00:00", false},
        ContainsCase{"until midnight", "Sat 20:00-24:00", "2026-03-07 23:59:59", true},
        ContainsCase{"until midnight ends at midnight", "Sat 20:00-24:00", "2026-03-08 00:00:00",
                     false},
        ContainsCase{"in its own zone", "Sat 02:00-05:00 Asia/Kolkata", "2026-03-06 21:00:00",
                     true},
        // Berlin 2026-03-29 (Sunday): 02:00 CET -> 03:00 CEST at 01:00 UTC.
        ContainsCase{"spring forward: closed before the gap", "Sun 02:00-05:00 Europe/Berlin",
                     "2026-03-29 00:59:59", false},
        ContainsCase{"spring forward: open after the gap", "Sun 02:00-05:00 Europe/Berlin",
                     "2026-03-29 01:00:00", true},
        ContainsCase{"spring forward: closes at 05:00 CEST", "Sun 02:00-05:00 Europe/Berlin",
                     "2026-03-29 03:00:00", false},
        // Berlin 2026-10-25 (Sunday): 03:00 CEST -> 02:00 CET at 01:00 UTC.
        ContainsCase{"fall back: opens at 02:00 CEST", "Sun 02:00-05:00 Europe/Berlin",
                     "2026-10-25 00:00:00", true},
        ContainsCase{"fall back: open in the repeated hour", "Sun 02:00-05:00 Europe/Berlin",
                     "2026-10-25 01:30:00", true},
        ContainsCase{"fall back: closes at 05:00 CET", "Sun 02:00-05:00 Europe/Berlin",
                     "2026-10-25 04:00:00", false}));

struct OpeningCase {
  std::string_view what;
  std::string_view window;
  std::string_view after;    // UTC
  std::string_view opening;  // UTC
};

void PrintTo(const OpeningCase& c, std::ostream* os) {
  *os << c.what;
}

class WindowOpeningTest : public ::testing::TestWithParam<OpeningCase> {};

TEST_P(WindowOpeningTest, NextOpeningIsTheFirstOpeningStrictlyAfter) {
  const OpeningCase& c = GetParam();
  const auto window = ParseWindow(c.window);
  ASSERT_TRUE(window) << window.error().message();
  const auto opening = window->NextOpening(Utc(c.after));
  ASSERT_TRUE(opening) << c.what;
  EXPECT_EQ(UtcText(*opening), c.opening) << c.what << ": " << c.window << " after " << c.after;
}

INSTANTIATE_TEST_SUITE_P(
    Table, WindowOpeningTest,
    ::testing::Values(OpeningCase{"later the same day", "Sat,Sun 02:00-05:00",
                                  "2026-03-07 01:00:00", "2026-03-07 02:00:00"},
                      OpeningCase{"inside a window: the next one", "Sat,Sun 02:00-05:00",
                                  "2026-03-07 02:00:00", "2026-03-08 02:00:00"},
                      OpeningCase{"across the week", "Sat,Sun 02:00-05:00", "2026-03-08 03:00:00",
                                  "2026-03-14 02:00:00"},
                      OpeningCase{"overnight window", "Fri 22:00-04:00", "2026-03-07 01:00:00",
                                  "2026-03-13 22:00:00"},
                      OpeningCase{"in its zone", "Sun 03:00-05:00 America/New_York",
                                  "2026-01-01 00:00:00", "2026-01-04 08:00:00"},
                      OpeningCase{"an opening in a gap opens when the gap ends",
                                  "Sun 02:30-05:00 Europe/Berlin", "2026-03-28 12:00:00",
                                  "2026-03-29 01:00:00"},
                      OpeningCase{"a window entirely in a gap is skipped that day",
                                  "Sun 02:00-02:30 Europe/Berlin", "2026-03-28 12:00:00",
                                  "2026-04-05 00:00:00"},
                      OpeningCase{"a repeated opening time opens at its first occurrence",
                                  "Sun 02:30-05:00 Europe/Berlin", "2026-10-24 12:00:00",
                                  "2026-10-25 00:30:00"}));

struct InvalidCase {
  std::string_view window;
  std::string_view message;
};

void PrintTo(const InvalidCase& c, std::ostream* os) {
  *os << c.window;
}

class WindowInvalidTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(WindowInvalidTest, IsRejectedNamingTheBadPart) {
  const auto window = ParseWindow(GetParam().window);
  ASSERT_FALSE(window) << GetParam().window;
  EXPECT_EQ(window.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(window.error().message().find(GetParam().message), std::string::npos)
      << window.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, WindowInvalidTest,
    ::testing::Values(
        InvalidCase{"Sat,Sno 02:00-05:00", "days \"Sat,Sno\": \"Sno\" is not a day"},
        InvalidCase{"Sat,,Sun 02:00-05:00", "empty list item"},
        InvalidCase{"Sat 02:00-25:00", "end time: \"25:00\" is not a time of day HH:MM"},
        InvalidCase{"Sat 2:00-05:00", "start time: \"2:00\" is not a time of day"},
        InvalidCase{"Sat 24:00-05:00", "start time: \"24:00\""},
        InvalidCase{"Sat 02:00", "time range \"02:00\": expected HH:MM-HH:MM"},
        InvalidCase{"Sat 02:00-02:00", "is empty"},
        InvalidCase{"Sat 02:00-05:00 Mars/Olympus", "unknown time zone \"Mars/Olympus\""},
        InvalidCase{"Sat", "expected DAYS HH:MM-HH:MM [ZONE]"},
        InvalidCase{"", "expected DAYS HH:MM-HH:MM [ZONE]"}));

TEST(MaintenanceWindowTest, TakesTheDefaultZoneWhenNoneIsGiven) {
  const auto berlin = Zone::Locate("Europe/Berlin");
  ASSERT_TRUE(berlin);
  const auto window = MaintenanceWindow::Parse("  Sat   02:00-05:00 ", *berlin);
  ASSERT_TRUE(window) << window.error().message();
  EXPECT_EQ(window->zone().name(), "Europe/Berlin");
  EXPECT_EQ(window->text(), "Sat 02:00-05:00");
  EXPECT_TRUE(window->Contains(Utc("2026-03-07 01:30:00")));  // 02:30 CET
}

}  // namespace
}  // namespace galaos::schedule
