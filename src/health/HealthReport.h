// HealthReport: the outcome of one run of the health checks, and its JSON form for the API
// (the original healthCheck shape, extended with timings).
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/Error.h"
#include "health/CheckSpec.h"

namespace galaos::health {

struct CheckResult {
  CheckKind kind = CheckKind::kHttp;
  bool healthy = false;
  std::chrono::milliseconds duration{0};
  std::string message{};         // what was observed when healthy ("HTTP 200", "PONG", ...)
  std::optional<Error> error{};  // why not, when unhealthy (kTimeout, kUnavailable, ...)
};

struct HealthReport {
  bool healthy = true;  // every check healthy (no checks: healthy)
  std::map<std::string, CheckResult> checks;
  std::vector<std::string> errors;  // "<name>: <reason>" per failure, in the order of the specs
  std::chrono::system_clock::time_point checked_at;
  std::chrono::milliseconds duration{0};  // of the whole run
  int attempts = 1;                       // WaitHealthy: how many runs it took
};

// {"healthy", "checks": {name: bool}, "errors": [..]} exactly as the original returned it, plus
// "details": {name: {"kind", "healthy", "durationMs", "message" | "error" + "errorCode"}},
// "checkedAt" (ISO 8601 UTC), "durationMs" and "attempts".
nlohmann::json ToJson(const HealthReport& report);

}  // namespace galaos::health
