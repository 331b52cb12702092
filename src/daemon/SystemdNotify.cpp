#include "daemon/SystemdNotify.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/SharedLibrary.h"

namespace galaos::daemon {
namespace {

struct SystemdApi {
  decltype(&sd_notify) notify = nullptr;
  decltype(&sd_watchdog_enabled) watchdog_enabled = nullptr;
};

Status Bind(SystemdApi& api) {
  const core::SharedLibrary library = TRY(core::SharedLibrary::Open("libsystemd.so.0"));
  TRY(library.Bind(api.notify, "sd_notify"));
  return library.Bind(api.watchdog_enabled, "sd_watchdog_enabled");
}

// libsystemd, loaded only under systemd (NOTIFY_SOCKET set; elsewhere every message would go
// nowhere): null outside it, or when it cannot be loaded (said once).
const SystemdApi* Systemd() {
  static const SystemdApi* const loaded = []() -> const SystemdApi* {
    if (std::getenv("NOTIFY_SOCKET") == nullptr) return nullptr;
    static SystemdApi api;
    if (const Status bound = Bind(api); !bound) {
      spdlog::warn("daemon: no systemd notifications: {}", bound.error().message());
      return nullptr;
    }
    return &api;
  }();
  return loaded;
}

}  // namespace

SystemdNotify::SystemdNotify() {
  std::uint64_t usec = 0;
  if (Systemd() != nullptr && Systemd()->watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_interval_ = std::max(
        std::chrono::milliseconds(1),
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::microseconds(usec) / 2));
  }
}

void SystemdNotify::Send(std::string_view state) {
  if (Systemd() == nullptr) return;
  const int sent = Systemd()->notify(0, std::string(state).c_str());
  if (sent < 0) spdlog::warn("daemon: sd_notify({}): {}", state, std::strerror(-sent));
}

void SystemdNotify::Ready() {
  Send("READY=1\nSTATUS=serving the API");
}

void SystemdNotify::Reloading() {
  // MONOTONIC_USEC lets systemd (Type=notify-reload) tell this reload from an older one.
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const std::uint64_t usec = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000 +
                             static_cast<std::uint64_t>(now.tv_nsec) / 1000;
  Send(fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading the configuration", usec));
}

void SystemdNotify::Stopping() {
  Send("STOPPING=1\nSTATUS=stopping");
}

void SystemdNotify::WatchdogIfDue() {
  if (!watchdog_interval_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_watchdog_ < *watchdog_interval_) return;
  last_watchdog_ = now;
  Send("WATCHDOG=1");
}

std::optional<std::chrono::milliseconds> SystemdNotify::UntilWatchdogDue() const {
  if (!watchdog_interval_) return std::nullopt;
  const auto due = last_watchdog_ + *watchdog_interval_;
  return std::max(std::chrono::milliseconds(0), std::chrono::ceil<std::chrono::milliseconds>(
                                                    due - std::chrono::steady_clock::now()));
}

}  // namespace galaos::daemon
