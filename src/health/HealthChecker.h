// HealthChecker: runs health checks concurrently, each bounded by its own timeout, and waits
// for an application to become healthy after an update.
#pragma once

#include <chrono>
#include <span>
#include <stop_token>

#include "core/Clock.h"
#include "core/Error.h"
#include "health/CheckSpec.h"
#include "health/HealthReport.h"

namespace galaos::health {

// How WaitHealthy waits between attempts; tests substitute one that drives a TestClock.
class Waiter {
 public:
  virtual ~Waiter() = default;
  // Returns after `duration`, or earlier with false when `stop` is requested.
  virtual bool WaitFor(std::chrono::milliseconds duration, std::stop_token stop) = 0;
};

// Blocks on a condition variable; a stop request wakes it at once. Thread-safe.
class StopTokenWaiter final : public Waiter {
 public:
  bool WaitFor(std::chrono::milliseconds duration, std::stop_token stop) override;
};

struct WaitOptions {
  std::chrono::milliseconds grace_period{0};  // before the first attempt
  int retries = 0;                            // attempts after the first unhealthy one
  std::chrono::milliseconds interval{std::chrono::seconds(5)};  // from one attempt's end
};

struct WatchOptions {
  std::chrono::milliseconds duration{0};                        // how long to keep watching
  std::chrono::milliseconds interval{std::chrono::seconds(5)};  // before each attempt
  int retries = 0;  // further attempts, at `interval`, before an unhealthy check counts
};

class HealthChecker {
 public:
  HealthChecker();  // the system clock, real waits
  // `clock` times the checks and stamps reports; `waiter` does WaitHealthy's waiting. Both must
  // outlive the checker.
  HealthChecker(const core::Clock& clock, Waiter& waiter);

  // Runs every check at once (a thread each) and returns when the last one ends, so within
  // about the largest timeout. A stop request ends HTTP, Docker and command checks at once and
  // the others within their timeout; they are reported unhealthy. Thread-safe.
  HealthReport Run(std::span<const CheckSpec> specs, std::stop_token stop = {}) const;

  // Post-update verification: waits the grace period, runs the checks, and while they are
  // unhealthy and retries remain, waits the interval and runs them again. Returns the last
  // report, healthy or not; kCancelled when `stop` is requested.
  Expected<HealthReport> WaitHealthy(std::span<const CheckSpec> specs, const WaitOptions& options,
                                     std::stop_token stop = {}) const;

  // Probation after a healthy verification: waits the interval and runs the checks, again and
  // again until `duration` has passed on the checker's clock (at least once). Returns the first
  // report that stayed unhealthy through the retries, or else the last one, with `attempts`
  // counting every run; kCancelled when `stop` is requested.
  Expected<HealthReport> WatchHealthy(std::span<const CheckSpec> specs, const WatchOptions& options,
                                      std::stop_token stop = {}) const;

 private:
  CheckResult RunOne(const CheckSpec& spec, std::stop_token stop) const;

  const core::Clock* clock_;
  Waiter* waiter_;
};

}  // namespace galaos::health
