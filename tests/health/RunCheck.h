// Runs a single check through HealthChecker, the way production code does.
#pragma once

#include <chrono>
#include <string>

#include "health/HealthChecker.h"

namespace galaos::testing {

using health::CheckResult;
using health::CheckSpec;
using health::CheckTarget;
using health::HealthChecker;
using health::HealthReport;

inline CheckSpec MakeSpec(CheckTarget target,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5),
                          std::string name = "probe") {
  return CheckSpec{.name = std::move(name), .timeout = timeout, .target = std::move(target)};
}

inline CheckResult RunCheck(const CheckSpec& spec) {
  const HealthReport report = HealthChecker().Run(std::span(&spec, 1));
  return report.checks.at(spec.name);
}

// The error's message, or "" for a healthy result (gtest prints it on failure).
inline std::string ErrorOf(const CheckResult& result) {
  return result.error ? result.error->message() : std::string();
}

}  // namespace galaos::testing
