#include "daemon/SystemdNotify.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/UniqueFd.h"

namespace galaos::daemon {
namespace {

// An unsigned number from the environment variable `name`; nullopt when unset or malformed.
std::optional<std::uint64_t> NumberFromEnvironment(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr) return std::nullopt;
  const std::string_view value(text);
  std::uint64_t number = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc() || end != value.data() + value.size()) return std::nullopt;
  return number;
}

}  // namespace

// The protocol of sd_notify(3), which systemd documents as stable for programs to speak
// without libsystemd: one datagram per message to the unix socket named by NOTIFY_SOCKET
// (a leading '@' names an abstract socket).
SystemdNotify::SystemdNotify() {
  if (const char* socket = std::getenv("NOTIFY_SOCKET"); socket != nullptr && *socket != '\0') {
    socket_path_ = socket;
  }
  // WATCHDOG_USEC is for us unless WATCHDOG_PID names another process.
  const std::optional<std::uint64_t> usec = NumberFromEnvironment("WATCHDOG_USEC");
  const std::optional<std::uint64_t> pid = NumberFromEnvironment("WATCHDOG_PID");
  if (usec && *usec > 0 && (!pid || *pid == static_cast<std::uint64_t>(getpid()))) {
    watchdog_interval_ = std::max(std::chrono::milliseconds(1),
                                  std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::microseconds(*usec) / 2));
  }
}

void SystemdNotify::Send(std::string_view state) {
  if (socket_path_.empty()) return;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof(address.sun_path) ||
      (socket_path_[0] != '/' && socket_path_[0] != '@')) {
    spdlog::warn("daemon: NOTIFY_SOCKET {} is not a socket path", socket_path_);
    return;
  }
  std::memcpy(address.sun_path, socket_path_.data(), socket_path_.size());
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());
  const core::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid() || ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
                              reinterpret_cast<const sockaddr*>(&address), length) < 0) {
    spdlog::warn("daemon: sd_notify({}): {}", state, std::strerror(errno));
  }
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
