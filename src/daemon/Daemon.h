// The daemon behind `galaos-updater serve`: one process that finishes any transaction a
// killed updater left (Recover), then runs the schedules and delivers the notification outbox
// on a thread of its own (SchedulerLoop.h) and serves the API (and its /events stream) until
// SIGTERM or SIGINT; a scheduled run in progress finishes first. SIGHUP reloads the
// configuration: a valid new one replaces the old (the API and the schedules restart on it);
// an invalid one is logged and the old one kept. systemd's watchdog is fed by the main
// thread's signal loop on a timer, also while the recovery at start runs (on a thread of its
// own); a stop or reload asked during that recovery waits for its end.
// Signals arrive through a signalfd, so call Run before any other thread exists.
#pragma once

#include <functional>
#include <string>

#include "config/Config.h"
#include "core/Error.h"

namespace galaos::daemon {

struct DaemonHooks {
  // After the API is listening (its bound "host:port"); again after each reload.
  std::function<void(const std::string& address)> on_listening;
};

// Runs until SIGTERM/SIGINT (ok) or a failure that stops serving (the error).
Status Run(const config::LoadOptions& load, const DaemonHooks& hooks = {});

}  // namespace galaos::daemon
