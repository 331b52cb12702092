// The check of each kind; internal to the health module (HealthChecker dispatches to them).
#pragma once

#include <chrono>
#include <stop_token>
#include <string>

#include "core/Error.h"
#include "health/CheckSpec.h"

namespace galaos::health::detail {

struct CheckContext {
  std::chrono::steady_clock::time_point deadline;  // the check ends by then
  std::chrono::milliseconds timeout;
  std::stop_token stop;

  // Time left before the deadline, at least 1 ms so libraries never read 0 as "no limit".
  std::chrono::milliseconds Remaining() const;
  bool Expired() const { return std::chrono::steady_clock::now() >= deadline; }
  // A failure becomes kTimeout once the deadline has passed (the library's own error is then
  // only a symptom of it) and kCancelled once a stop was requested.
  Error Failure(ErrorCode code, std::string message) const;
};

// Each returns what it observed when healthy, or why it is not.
Expected<std::string> Check(const HttpCheck& check, const CheckContext& context);
Expected<std::string> Check(const TcpCheck& check, const CheckContext& context);
Expected<std::string> Check(const DockerCheck& check, const CheckContext& context);
Expected<std::string> Check(const PostgresCheck& check, const CheckContext& context);
Expected<std::string> Check(const RedisCheck& check, const CheckContext& context);
Expected<std::string> Check(const WorkerQueueCheck& check, const CheckContext& context);
Expected<std::string> Check(const SqliteCheck& check, const CheckContext& context);
Expected<std::string> Check(const CommandCheck& check, const CheckContext& context);

}  // namespace galaos::health::detail
