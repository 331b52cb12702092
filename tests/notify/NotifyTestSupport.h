// Shared by the notify tests: a fixed start time, stored rows for events, an independent
// HMAC-SHA256 (the openssl CLI) and a log capture for "no secret in the logs" checks.
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>

#include "notify/Event.h"
#include "store/Records.h"

namespace galaos::notify::testing {

using namespace std::chrono_literals;

// 2026-11-27 00:10:00 UTC.
inline const TimePoint kNow =
    TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 11 / 27)) + 10min;

// The outbox row Enqueue would write for `event` and `sink`.
inline store::Notification RowFor(const Event& event, std::string sink, std::int64_t id = 1) {
  return store::Notification{
      .id = id,
      .event_type = std::string(EventType(event)),
      .payload_json = PayloadJson(event, "evt-0123456789abcdef01234567", kNow),
      .sink = std::move(sink),
      .attempts = 1};
}

// hex HMAC-SHA256 of `body` keyed with `key`, computed by `openssl dgst`.
std::string OpensslHmacSha256(const std::string& key, const std::string& body);

// Everything logged through spdlog's default logger while it lives.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  std::string Text() const { return stream_->str(); }

 private:
  std::shared_ptr<std::ostringstream> stream_ = std::make_shared<std::ostringstream>();
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace galaos::notify::testing
