#include <gtest/gtest.h>

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

}  // namespace
}  // namespace galaos::schedule
