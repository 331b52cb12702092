#include <gtest/gtest.h>

#include "api/AuthLimiter.h"

namespace galaos::api {
namespace {

TEST(AuthLimiter, BlocksAnAddressAtTheLimitUntilItsOldestCountedFailureIsAMinuteOld) {
  core::TestClock clock(std::chrono::system_clock::now());
  AuthLimiter limiter(3, clock);
  limiter.RecordFailure("10.0.0.1");
  clock.Advance(std::chrono::seconds(10));
  limiter.RecordFailure("10.0.0.1");
  EXPECT_EQ(limiter.BlockedFor("10.0.0.1"), std::nullopt);
  limiter.RecordFailure("10.0.0.1");
  EXPECT_EQ(limiter.BlockedFor("10.0.0.1"), std::chrono::seconds(50));
  clock.Advance(std::chrono::seconds(50));
  EXPECT_EQ(limiter.BlockedFor("10.0.0.1"), std::nullopt);
}

TEST(AuthLimiter, OtherAddressesAreNotAffected) {
  core::TestClock clock(std::chrono::system_clock::now());
  AuthLimiter limiter(1, clock);
  limiter.RecordFailure("10.0.0.1");
  EXPECT_TRUE(limiter.BlockedFor("10.0.0.1").has_value());
  EXPECT_EQ(limiter.BlockedFor("10.0.0.2"), std::nullopt);
}

TEST(AuthLimiter, TracksABoundedNumberOfAddresses) {
  core::TestClock clock(std::chrono::system_clock::now());
  AuthLimiter limiter(1, clock);
  limiter.RecordFailure("first");
  for (std::size_t i = 0; i < AuthLimiter::kMaxAddresses; ++i) {
    clock.Advance(std::chrono::milliseconds(1));
    limiter.RecordFailure("addr-" + std::to_string(i));
  }
  EXPECT_EQ(limiter.BlockedFor("first"), std::nullopt);  // the stalest was dropped
  EXPECT_TRUE(limiter.BlockedFor("addr-0").has_value());
}

}  // namespace
}  // namespace galaos::api
