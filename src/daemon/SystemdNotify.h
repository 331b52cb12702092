// The systemd service protocol (sd_notify(3)) for `serve` under a Type=notify unit:
// READY=1 once the API listens, RELOADING=1 ... READY=1 around a SIGHUP reload, STOPPING=1
// at shutdown, and WATCHDOG=1 at half the unit's WatchdogSec. Outside systemd (no
// NOTIFY_SOCKET) every call does nothing. Spoken directly (a datagram per message, as
// sd_notify(3) documents the protocol), so the daemon does not load libsystemd and the
// compression and crypto libraries it brings.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace galaos::daemon {

class SystemdNotify {
 public:
  // Reads NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID once.
  SystemdNotify();

  void Ready();
  void Reloading();
  void Stopping();
  // WATCHDOG=1 when half the watchdog timeout has passed since the last one.
  void WatchdogIfDue();
  // How long until WatchdogIfDue has something to do (for a poll timeout); nullopt without
  // a watchdog.
  std::optional<std::chrono::milliseconds> UntilWatchdogDue() const;

 private:
  void Send(std::string_view state);

  std::string socket_path_;  // NOTIFY_SOCKET; empty: not under systemd
  std::optional<std::chrono::milliseconds> watchdog_interval_;
  std::chrono::steady_clock::time_point last_watchdog_{};
};

}  // namespace galaos::daemon
