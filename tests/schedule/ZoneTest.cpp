#include <gtest/gtest.h>

#include <chrono>
#include <ostream>

#include "schedule/ScheduleTestSupport.h"
#include "schedule/Zone.h"

namespace galaos::schedule {
namespace {

using testing::Utc;
using testing::UtcText;

LocalSeconds Local(std::string_view text) {
  return LocalSeconds{Utc(text).time_since_epoch()};
}

TEST(ZoneTest, LocatesIanaNamesUtcAndTheSystemZone) {
  for (const char* name : {"Europe/Berlin", "UTC", "local", "Australia/Lord_Howe"}) {
    const auto zone = Zone::Locate(name);
    ASSERT_TRUE(zone) << zone.error().message();
    EXPECT_EQ(zone->name(), name);
  }
}

TEST(ZoneTest, RejectsAnUnknownZoneNamingIt) {
  const auto zone = Zone::Locate("Europe/Atlantis");
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(zone.error().message().find("\"Europe/Atlantis\""), std::string::npos)
      << zone.error().message();
}

TEST(ZoneTest, ConvertsBetweenInstantsAndLocalTimeAcrossDst) {
  const auto berlin = Zone::Locate("Europe/Berlin");
  ASSERT_TRUE(berlin);
  EXPECT_EQ(berlin->ToLocal(Utc("2026-01-15 12:00:00")), Local("2026-01-15 13:00:00"));
  EXPECT_EQ(berlin->ToLocal(Utc("2026-07-15 12:00:00")), Local("2026-07-15 14:00:00"));
  EXPECT_EQ(UtcText(berlin->FromLocal(Local("2026-07-15 14:00:00"))), "2026-07-15 12:00:00");
}

TEST(ZoneTest, ReadsALocalTimeInAGapWithTheOffsetBeforeIt) {
  // Berlin 2026-03-29: 02:00 CET -> 03:00 CEST; 02:30 does not exist and means 03:30 CEST.
  const auto berlin = Zone::Locate("Europe/Berlin");
  ASSERT_TRUE(berlin);
  EXPECT_EQ(UtcText(berlin->FromLocal(Local("2026-03-29 02:30:00"))), "2026-03-29 01:30:00");
}

TEST(ZoneTest, GivesTheFirstOccurrenceOfARepeatedLocalTime) {
  // Berlin 2026-10-25: 03:00 CEST -> 02:00 CET; 02:30 happens at 00:30 and 01:30 UTC.
  const auto berlin = Zone::Locate("Europe/Berlin");
  ASSERT_TRUE(berlin);
  EXPECT_EQ(UtcText(berlin->FromLocal(Local("2026-10-25 02:30:00"))), "2026-10-25 00:30:00");
}

TEST(ZoneTest, PeriodAtSpansTheTimeBetweenTwoTransitions) {
  const auto new_york = Zone::Locate("America/New_York");
  ASSERT_TRUE(new_york);
  const OffsetPeriod summer = new_york->PeriodAt(Utc("2026-07-01 00:00:00"));
  EXPECT_EQ(UtcText(summer.begin), "2026-03-08 07:00:00");
  EXPECT_EQ(UtcText(summer.end), "2026-11-01 06:00:00");
  EXPECT_EQ(summer.offset, std::chrono::hours(-4));
}

TEST(ZoneTest, ReadsGapsAndRepeatsAfter2037ByTheFootersRule) {
  const auto new_york = Zone::Locate("America/New_York");
  ASSERT_TRUE(new_york);
  EXPECT_EQ(UtcText(new_york->FromLocal(Local("2040-03-11 02:30:00"))), "2040-03-11 07:30:00");
  EXPECT_EQ(UtcText(new_york->FromLocal(Local("2040-11-04 01:30:00"))), "2040-11-04 05:30:00");
  EXPECT_EQ(UtcText(new_york->FromLocal(Local("2040-07-01 12:00:00"))), "2040-07-01 16:00:00");
}

struct PeriodCase {
  std::string_view zone;
  std::string_view at;  // UTC
  std::string_view begin;
  std::string_view end;
  std::chrono::minutes offset;
};

void PrintTo(const PeriodCase& c, std::ostream* os) {
  *os << c.zone << " " << c.at;
}

class ZoneRuleTest : public ::testing::TestWithParam<PeriodCase> {};

TEST_P(ZoneRuleTest, ContinuesDstAfterTheTzFilesLastTransitionWithItsRule) {
  const PeriodCase& c = GetParam();
  const auto zone = Zone::Locate(c.zone);
  ASSERT_TRUE(zone) << zone.error().message();
  const OffsetPeriod period = zone->PeriodAt(Utc(c.at));
  EXPECT_EQ(UtcText(period.begin), c.begin);
  EXPECT_EQ(UtcText(period.end), c.end);
  EXPECT_EQ(period.offset, c.offset);
}

INSTANTIATE_TEST_SUITE_P(
    After2037, ZoneRuleTest,
    ::testing::Values(
        // The files list New York's changes up to 2037-11-01; "EST5EDT,M3.2.0,M11.1.0" after.
        PeriodCase{"America/New_York", "2038-01-15 00:00:00", "2037-11-01 06:00:00",
                   "2038-03-14 07:00:00", std::chrono::hours(-5)},
        PeriodCase{"America/New_York", "2040-07-01 00:00:00", "2040-03-11 07:00:00",
                   "2040-11-04 06:00:00", std::chrono::hours(-4)},
        // "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0": a southern summer across the new year.
        PeriodCase{"Australia/Lord_Howe", "2040-01-15 00:00:00", "2039-10-01 15:30:00",
                   "2040-03-31 15:00:00", std::chrono::minutes(11 * 60)},
        // "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45".
        PeriodCase{"Pacific/Chatham", "2040-10-01 00:00:00", "2040-09-29 14:00:00",
                   "2041-04-06 14:00:00", std::chrono::minutes(13 * 60 + 45)},
        PeriodCase{"Europe/Berlin", "2050-12-01 00:00:00", "2050-10-30 01:00:00",
                   "2051-03-26 01:00:00", std::chrono::hours(1)}));

}  // namespace
}  // namespace galaos::schedule
