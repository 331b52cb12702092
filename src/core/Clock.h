// Clock: the one way code asks for the time, so tests can drive it.
#pragma once

#include <chrono>
#include <mutex>

namespace galaos::core {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override;
  std::chrono::steady_clock::time_point SteadyNow() const override;
  static SystemClock& Instance();
};

// A clock that moves only when told. Thread-safe.
class TestClock final : public Clock {
 public:
  explicit TestClock(std::chrono::system_clock::time_point start);
  std::chrono::system_clock::time_point Now() const override;
  std::chrono::steady_clock::time_point SteadyNow() const override;
  void Advance(std::chrono::nanoseconds by);                   // moves both clocks
  void SetWallTime(std::chrono::system_clock::time_point to);  // a wall-clock jump only

 private:
  mutable std::mutex mutex_;
  std::chrono::system_clock::time_point wall_;
  std::chrono::steady_clock::time_point steady_;
};

}  // namespace galaos::core
