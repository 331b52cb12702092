#include <gtest/gtest.h>

#include <ostream>

#include "schedule/Description.h"

namespace galaos::schedule {
namespace {

struct DescriptionCase {
  std::string_view expression;
  std::string_view zone;
  std::string_view words;
};

void PrintTo(const DescriptionCase& c, std::ostream* os) {
  *os << c.expression;
}

class DescriptionTest : public ::testing::TestWithParam<DescriptionCase> {};

TEST_P(DescriptionTest, DescribesCommonShapesInWords) {
  const DescriptionCase& c = GetParam();
  const auto cron = CronExpression::Parse(c.expression);
  ASSERT_TRUE(cron) << cron.error().message();
  const auto zone = Zone::Locate(c.zone);
  ASSERT_TRUE(zone) << zone.error().message();
  EXPECT_EQ(Describe(*cron, *zone), c.words) << c.expression;
}

INSTANTIATE_TEST_SUITE_P(
    Table, DescriptionTest,
    ::testing::Values(
        DescriptionCase{"0 2 * * *", "Europe/Berlin", "every day at 02:00 Europe/Berlin"},
        DescriptionCase{"@daily", "UTC", "every day at 00:00 UTC"},
        DescriptionCase{"0 2 * * *", "local", "every day at 02:00 local time"},
        DescriptionCase{"0 3 * * 0", "UTC", "every Sunday at 03:00 UTC"},
        DescriptionCase{"0 3 * * SUN", "UTC", "every Sunday at 03:00 UTC"},
        DescriptionCase{"30 9 * * 1-5", "UTC", "every Monday to Friday at 09:30 UTC"},
        DescriptionCase{"0 4 * * 6,0", "UTC", "every Saturday and Sunday at 04:00 UTC"},
        DescriptionCase{"0 4 * * 2,3", "UTC", "every Tuesday and Wednesday at 04:00 UTC"},
        DescriptionCase{"0 4 * * 1,3,5", "UTC", "every Monday, Wednesday and Friday at 04:00 UTC"},
        DescriptionCase{"*/15 * * * *", "UTC", "every 15 minutes"},
        DescriptionCase{"* * * * *", "UTC", "every minute"},
        DescriptionCase{"30 * * * *", "UTC", "every hour at minute 30"},
        DescriptionCase{"0 */6 * * *", "UTC", "every 6 hours"},
        DescriptionCase{"0 0 1 * *", "UTC", "on day 1 of every month at 00:00 UTC"},
        DescriptionCase{"0 23 L * *", "UTC", "on the last day of every month at 23:00 UTC"},
        DescriptionCase{"0 0 2 * * *", "UTC", "every day at 02:00 UTC"},
        DescriptionCase{"30 0 2 * * *", "UTC", "cron \"30 0 2 * * *\" in UTC"},
        DescriptionCase{"0 9-17 * * 1-5", "Europe/Berlin",
                        "cron \"0 9-17 * * 1-5\" in Europe/Berlin"},
        DescriptionCase{"0 0 * * 5L", "UTC", "cron \"0 0 * * 5L\" in UTC"},
        DescriptionCase{"0 0 1 1 *", "UTC", "cron \"0 0 1 1 *\" in UTC"}));

}  // namespace
}  // namespace galaos::schedule
