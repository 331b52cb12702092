#include <gtest/gtest.h>

#include "core/Clock.h"

namespace galaos::core {
namespace {

using namespace std::chrono_literals;

TEST(ClockTest, SystemClockTellsTheRealTime) {
  auto before = std::chrono::system_clock::now();
  auto now = SystemClock::Instance().Now();
  auto after = std::chrono::system_clock::now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
  auto steady_before = std::chrono::steady_clock::now();
  auto steady = SystemClock::Instance().SteadyNow();
  EXPECT_LE(steady_before, steady);
}

TEST(ClockTest, SystemClockInstanceIsOneObject) {
  EXPECT_EQ(&SystemClock::Instance(), &SystemClock::Instance());
}

TEST(ClockTest, TestClockStandsStillUntilAdvanced) {
  auto start = std::chrono::system_clock::time_point(1'700'000'000s);
  TestClock clock(start);
  auto steady = clock.SteadyNow();
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.SteadyNow(), steady);
}

TEST(ClockTest, TestClockAdvanceMovesBothClocks) {
  auto start = std::chrono::system_clock::time_point(1'700'000'000s);
  TestClock clock(start);
  auto steady = clock.SteadyNow();
  clock.Advance(90min + 1ns);
  EXPECT_EQ(clock.Now() - start, 90min + 1ns);
  EXPECT_EQ(clock.SteadyNow() - steady, 90min + 1ns);
}

TEST(ClockTest, TestClockWallJumpLeavesTheSteadyClockAlone) {
  auto start = std::chrono::system_clock::time_point(1'700'000'000s);
  TestClock clock(start);
  auto steady = clock.SteadyNow();
  clock.SetWallTime(start - 1h);  // e.g. NTP stepping the clock back
  EXPECT_EQ(clock.Now(), start - 1h);
  EXPECT_EQ(clock.SteadyNow(), steady);
}

TEST(ClockTest, TestClockIsUsableThroughTheInterface) {
  auto start = std::chrono::system_clock::time_point(1'700'000'000s);
  TestClock test_clock(start);
  const Clock& clock = test_clock;
  test_clock.Advance(5s);
  EXPECT_EQ(clock.Now(), start + 5s);
}

}  // namespace
}  // namespace galaos::core
