#include "core/WallTimer.h"

#include <fmt/format.h>
#include <sys/timerfd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace galaos::core {
namespace {

Error TimerError(std::string_view what) {
  return Error(ErrorCode::kIo, fmt::format("timerfd {}: {}", what, std::strerror(errno)));
}

}  // namespace

Expected<WallTimer> WallTimer::Create() {
  const int fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
  if (fd < 0) return std::unexpected(TimerError("create"));
  return WallTimer(UniqueFd(fd));
}

Status WallTimer::Arm(std::optional<std::chrono::system_clock::time_point> at) {
  using namespace std::chrono;
  const system_clock::time_point when = at.value_or(system_clock::now() + days(365));
  const nanoseconds since_epoch = duration_cast<nanoseconds>(when.time_since_epoch());
  itimerspec spec{};
  // A zero it_value disarms a timerfd: a time at or before the epoch fires at once instead.
  spec.it_value.tv_sec = since_epoch.count() > 0 ? duration_cast<seconds>(since_epoch).count() : 0;
  spec.it_value.tv_nsec = since_epoch.count() > 0 ? (since_epoch % seconds(1)).count() : 1;
  if (timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, nullptr) !=
      0) {
    return std::unexpected(TimerError("settime"));
  }
  return {};
}

Expected<WallTimer::Wake> WallTimer::Read() {
  std::uint64_t expirations = 0;
  if (read(fd_.get(), &expirations, sizeof(expirations)) == sizeof(expirations)) {
    return Wake::kExpired;
  }
  if (errno == ECANCELED) return Wake::kClockChanged;
  if (errno == EAGAIN || errno == EINTR) return Wake::kNone;
  return std::unexpected(TimerError("read"));
}

}  // namespace galaos::core
