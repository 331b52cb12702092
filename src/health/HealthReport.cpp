#include "health/HealthReport.h"

#include <ctime>
#include <nlohmann/json.hpp>

namespace galaos::health {
namespace {

// 2026-01-31T02:00:00.123Z
std::string Iso8601Utc(std::chrono::system_clock::time_point time) {
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  const auto seconds = std::chrono::floor<std::chrono::seconds>(millis);
  const std::time_t t = seconds.count();
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[40];
  const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>((millis - seconds).count()));
  return std::string(text, length) + fraction;
}

}  // namespace

nlohmann::json ToJson(const HealthReport& report) {
  nlohmann::json checks = nlohmann::json::object();
  nlohmann::json details = nlohmann::json::object();
  for (const auto& [name, result] : report.checks) {
    checks[name] = result.healthy;
    nlohmann::json detail = {
        {"kind", CheckKindName(result.kind)},
        {"healthy", result.healthy},
        {"durationMs", result.duration.count()},
    };
    if (result.error) {
      detail["error"] = result.error->message();
      detail["errorCode"] = ErrorCodeName(result.error->code());
    } else {
      detail["message"] = result.message;
    }
    details[name] = std::move(detail);
  }
  return {
      {"healthy", report.healthy},
      {"checks", std::move(checks)},
      {"errors", report.errors},
      {"details", std::move(details)},
      {"checkedAt", Iso8601Utc(report.checked_at)},
      {"durationMs", report.duration.count()},
      {"attempts", report.attempts},
  };
}

}  // namespace galaos::health
