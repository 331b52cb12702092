// WallTimer on the real clock. Setting the wall clock (the ECANCELED path) would disturb the
// machine, so that path is covered by the scheduler's ClockChanged tests and the daemon test.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>

#include "core/WallTimer.h"

namespace galaos::core {
namespace {

using namespace std::chrono_literals;

// Whether the timer's fd becomes readable within `within` (generous: the machine is loaded).
bool Readable(const WallTimer& timer, std::chrono::milliseconds within) {
  pollfd fd{timer.fd(), POLLIN, 0};
  return poll(&fd, 1, static_cast<int>(within.count())) == 1;
}

TEST(WallTimer, FiresAtTheTimeItWasArmedFor) {
  auto timer = WallTimer::Create();
  ASSERT_TRUE(timer) << timer.error().message();
  const auto at = std::chrono::system_clock::now() + 100ms;
  ASSERT_TRUE(timer->Arm(at));
  ASSERT_TRUE(Readable(*timer, 30s));
  EXPECT_GE(std::chrono::system_clock::now(), at);
  auto wake = timer->Read();
  ASSERT_TRUE(wake) << wake.error().message();
  EXPECT_EQ(*wake, WallTimer::Wake::kExpired);
  auto again = timer->Read();  // nothing more to read
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, WallTimer::Wake::kNone);
}

TEST(WallTimer, ATimeThatHasPassedFiresAtOnce) {
  auto timer = WallTimer::Create();
  ASSERT_TRUE(timer);
  ASSERT_TRUE(timer->Arm(std::chrono::system_clock::now() - 1h));
  ASSERT_TRUE(Readable(*timer, 30s));
  EXPECT_EQ(timer->Read().value(), WallTimer::Wake::kExpired);
}

TEST(WallTimer, WithoutATimeItDoesNotFire) {
  auto timer = WallTimer::Create();
  ASSERT_TRUE(timer);
  ASSERT_TRUE(timer->Arm(std::nullopt));
  EXPECT_FALSE(Readable(*timer, 200ms));
  // Re-arming replaces the previous time.
  ASSERT_TRUE(timer->Arm(std::chrono::system_clock::now() - 1s));
  EXPECT_TRUE(Readable(*timer, 30s));
}

}  // namespace
}  // namespace galaos::core
