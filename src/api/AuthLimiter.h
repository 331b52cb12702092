// AuthLimiter: counts failed authentications per client address over a sliding minute, so
// a token-guessing client is refused (429) without slowing anyone else. Thread-safe.
// Memory is bounded: at most kMaxAddresses addresses are tracked (the stalest is dropped).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/Clock.h"

namespace galaos::api {

class AuthLimiter {
 public:
  static constexpr std::size_t kMaxAddresses = 10000;

  // `failures_per_minute` >= 1; `clock` must outlive the limiter.
  AuthLimiter(int failures_per_minute, core::Clock& clock);

  // When `address` is blocked: how long until it may try again; nullopt when it may now.
  std::optional<std::chrono::seconds> BlockedFor(std::string_view address);
  void RecordFailure(std::string_view address);

 private:
  using Instant = std::chrono::steady_clock::time_point;
  void Prune(std::deque<Instant>& failures, Instant now) const;

  const std::size_t limit_;
  core::Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, std::deque<Instant>, std::less<>> failures_;
};

}  // namespace galaos::api
