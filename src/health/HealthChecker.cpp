#include "health/HealthChecker.h"

#include <condition_variable>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>
#include <vector>

#include "core/Redact.h"
#include "health/Checks.h"

namespace galaos::health {
namespace detail {

std::chrono::milliseconds CheckContext::Remaining() const {
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

Error CheckContext::Failure(ErrorCode code, std::string message) const {
  if (stop.stop_requested()) return Error(ErrorCode::kCancelled, std::move(message));
  if (Expired()) {
    return Error(ErrorCode::kTimeout,
                 std::move(message) + " (timeout " + std::to_string(timeout.count()) + " ms)");
  }
  return Error(code, std::move(message));
}

}  // namespace detail

bool StopTokenWaiter::WaitFor(std::chrono::milliseconds duration, std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any wakeup;
  std::unique_lock lock(mutex);
  wakeup.wait_for(lock, stop, duration, [] { return false; });
  return !stop.stop_requested();
}

namespace {

StopTokenWaiter& DefaultWaiter() {
  static StopTokenWaiter waiter;
  return waiter;
}

}  // namespace

HealthChecker::HealthChecker() : HealthChecker(core::SystemClock::Instance(), DefaultWaiter()) {}

HealthChecker::HealthChecker(const core::Clock& clock, Waiter& waiter)
    : clock_(&clock), waiter_(&waiter) {}

CheckResult HealthChecker::RunOne(const CheckSpec& spec, std::stop_token stop) const {
  const auto started = clock_->SteadyNow();
  const detail::CheckContext context{
      .deadline = std::chrono::steady_clock::now() + spec.timeout,
      .timeout = spec.timeout,
      .stop = stop,
  };
  const auto run = [&]() -> Expected<std::string> {
    TRY(Validate(spec));
    if (stop.stop_requested()) return MakeError(ErrorCode::kCancelled, "cancelled before it ran");
    return std::visit([&](const auto& target) { return detail::Check(target, context); },
                      spec.target);
  };
  Expected<std::string> outcome = run();
  CheckResult result;
  result.kind = spec.kind();
  result.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_->SteadyNow() - started);
  result.healthy = outcome.has_value();
  // Every message passes here on its way out, so no check can leak a URL's password.
  if (outcome) {
    result.message = core::RedactSecrets(*outcome);
  } else {
    result.error = Error(outcome.error().code(), core::RedactSecrets(outcome.error().message()));
  }
  return result;
}

HealthReport HealthChecker::Run(std::span<const CheckSpec> specs, std::stop_token stop) const {
  HealthReport report;
  report.checked_at = clock_->Now();
  const auto started = clock_->SteadyNow();

  std::vector<CheckResult> results(specs.size());
  std::vector<bool> duplicate(specs.size(), false);
  {
    std::set<std::string_view> names;
    std::vector<std::jthread> threads;
    threads.reserve(specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
      duplicate[i] = !names.insert(specs[i].name).second;
      if (duplicate[i]) continue;
      try {
        threads.emplace_back([&, i] { results[i] = RunOne(specs[i], stop); });
      } catch (const std::system_error&) {  // no thread to be had: run it here instead
        results[i] = RunOne(specs[i], stop);
      }
    }
  }  // joins every check

  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::string& name = specs[i].name;
    if (duplicate[i]) {
      report.healthy = false;
      report.errors.push_back(name + ": the check name is used twice; only the first ran");
      continue;
    }
    if (!results[i].healthy) {
      report.healthy = false;
      report.errors.push_back(name + ": " + results[i].error->message());
    }
    report.checks.emplace(name, std::move(results[i]));
  }
  report.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_->SteadyNow() - started);
  return report;
}

Expected<HealthReport> HealthChecker::WaitHealthy(std::span<const CheckSpec> specs,
                                                  const WaitOptions& options,
                                                  std::stop_token stop) const {
  const auto cancelled = [] {
    return MakeError(ErrorCode::kCancelled, "cancelled while waiting for the health checks");
  };
  if (options.grace_period > std::chrono::milliseconds(0) &&
      !waiter_->WaitFor(options.grace_period, stop)) {
    return cancelled();
  }
  for (int attempt = 1;; ++attempt) {
    HealthReport report = Run(specs, stop);
    report.attempts = attempt;
    if (stop.stop_requested()) return cancelled();
    if (report.healthy || attempt > options.retries) return report;
    if (!waiter_->WaitFor(options.interval, stop)) return cancelled();
  }
}

Expected<HealthReport> HealthChecker::WatchHealthy(std::span<const CheckSpec> specs,
                                                   const WatchOptions& options,
                                                   std::stop_token stop) const {
  const auto end = clock_->SteadyNow() + options.duration;
  const WaitOptions each{
      .grace_period = options.interval, .retries = options.retries, .interval = options.interval};
  for (int attempts = 0;;) {
    HealthReport report = TRY(WaitHealthy(specs, each, stop));
    attempts += report.attempts;
    report.attempts = attempts;
    if (!report.healthy || clock_->SteadyNow() >= end) return report;
  }
}

}  // namespace galaos::health
