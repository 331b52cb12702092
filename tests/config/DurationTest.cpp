#include <gtest/gtest.h>

#include "config/Duration.h"

namespace galaos::config {
namespace {

using namespace std::chrono_literals;

TEST(DurationTest, ParsesEveryUnitAndCombinations) {
  const std::vector<std::pair<const char*, std::chrono::milliseconds>> cases = {
      {"0", 0ms},       {"0s", 0ms},
      {"250ms", 250ms}, {"30s", 30s},
      {"5m", 5min},     {"2h", 2h},
      {"1d", 24h},      {"1h30m", 90min},
      {"1m30s", 90s},   {"1d2h3m4s5ms", 24h + 2h + 3min + 4s + 5ms},
  };
  for (const auto& [text, expected] : cases) {
    Expected<std::chrono::milliseconds> parsed = ParseDuration(text);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message();
    EXPECT_EQ(*parsed, expected) << text;
  }
}

TEST(DurationTest, RejectsMalformedDurationsWithTheReason) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"", "empty"},
      {"5x", "unknown unit \"x\""},
      {"10", "missing unit after 10"},
      {"s", "expected a number"},
      {"-5s", "expected a number"},
      {"1.5h", "unknown unit \".\""},
      {"30m1h", "units must be in decreasing order"},
      {"1s1s", "units must be in decreasing order"},
      {"5 s", "unknown unit \" s\""},
      {"99999999999999999999s", "too large"},
      {"9999999999999999d", "too large"},
  };
  for (const auto& [text, reason] : cases) {
    Expected<std::chrono::milliseconds> parsed = ParseDuration(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message().find(reason), std::string::npos)
        << text << ": " << parsed.error().message();
  }
}

TEST(DurationTest, FormatsTheShortestFormThatParsesBack) {
  const std::vector<std::pair<std::chrono::milliseconds, const char*>> cases = {
      {0ms, "0s"}, {1500ms, "1s500ms"}, {90s, "1m30s"}, {36h, "1d12h"}, {7 * 24h, "7d"},
  };
  for (const auto& [duration, text] : cases) {
    EXPECT_EQ(FormatDuration(duration), text);
    EXPECT_EQ(ParseDuration(text).value(), duration);
  }
}

}  // namespace
}  // namespace galaos::config
