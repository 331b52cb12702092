#include "core/Clock.h"

namespace galaos::core {

std::chrono::system_clock::time_point SystemClock::Now() const {
  return std::chrono::system_clock::now();
}

std::chrono::steady_clock::time_point SystemClock::SteadyNow() const {
  return std::chrono::steady_clock::now();
}

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

TestClock::TestClock(std::chrono::system_clock::time_point start)
    : wall_(start), steady_(std::chrono::steady_clock::time_point{}) {}

std::chrono::system_clock::time_point TestClock::Now() const {
  std::lock_guard lock(mutex_);
  return wall_;
}

std::chrono::steady_clock::time_point TestClock::SteadyNow() const {
  std::lock_guard lock(mutex_);
  return steady_;
}

void TestClock::Advance(std::chrono::nanoseconds by) {
  std::lock_guard lock(mutex_);
  wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(by);
  steady_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(by);
}

void TestClock::SetWallTime(std::chrono::system_clock::time_point to) {
  std::lock_guard lock(mutex_);
  wall_ = to;
}

}  // namespace galaos::core
