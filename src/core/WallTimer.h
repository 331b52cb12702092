// WallTimer: a timerfd on CLOCK_REALTIME armed at an absolute wall-clock time, with
// TFD_TIMER_CANCEL_ON_SET, so a jump of the wall clock (settimeofday, an NTP step, a
// suspended machine resuming) wakes it too. For a poll loop: poll fd() for POLLIN, then Read.
#pragma once

#include <chrono>
#include <optional>

#include "core/Error.h"
#include "core/UniqueFd.h"

namespace galaos::core {

class WallTimer {
 public:
  static Expected<WallTimer> Create();

  int fd() const { return fd_.get(); }

  // Fires at `at` (at once when it has passed). nullopt: fires only on a clock change (the
  // timer stays armed a year ahead, as a disarmed timerfd would not report one).
  Status Arm(std::optional<std::chrono::system_clock::time_point> at);

  enum class Wake {
    kNone,          // nothing to read (a spurious wake)
    kExpired,       // the time was reached
    kClockChanged,  // the wall clock was set: re-arm from the new time
  };
  // Call when poll reported fd() readable.
  Expected<Wake> Read();

 private:
  explicit WallTimer(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace galaos::core
