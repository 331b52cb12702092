// Authenticator: the bearer token of a request → its Caller, and the bookkeeping of failures.
// - API tokens "<id>.<secret>" always (Tokens.h); GalaOS JWTs when api.jwt_enabled (Jwt.h).
// - A client address with auth_failures_per_minute failures in the last minute is blocked
//   (AuthLimiter) before its token is even looked at.
// - Each failure counts in Metrics and is written to the audit trail (actor "unknown", the
//   client address, request id, procedure, outcome "unauthorized"). The audit log is
//   append-only, so a flood must not grow it without bound: at most kMaxFailureAuditsPerMinute
//   such rows are written per minute over all addresses (blocked addresses write none), and
//   the failures beyond that are counted and reported in the next row that is written
//   ("unauthorized; N more not recorded"). Every failure is still logged and counted.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

#include "api/AuthLimiter.h"
#include "api/Metrics.h"
#include "api/Trpc.h"
#include "config/Config.h"
#include "core/Clock.h"
#include "core/Error.h"
#include "store/Store.h"

namespace galaos::api {

class Authenticator {
 public:
  static constexpr int kMaxFailureAuditsPerMinute = 20;

  // Everything referenced must outlive the authenticator; `metrics` may be null.
  Authenticator(const config::ApiConfig& config, store::Store& store, core::Clock& clock,
                Metrics* metrics = nullptr);

  // How long `address` must wait before trying again; nullopt when it may try now.
  std::optional<std::chrono::seconds> BlockedFor(std::string_view address);

  // `request` (address and request id set) with the role and actor of `token`; kUnauthorized
  // for a token that is not valid, recorded as a failure of `procedure`.
  Expected<Caller> Authenticate(std::string_view token, const Caller& request,
                                std::string_view procedure);

 private:
  void RecordFailure(const Caller& request, std::string_view procedure);

  const config::ApiConfig& config_;
  store::Store& store_;
  core::Clock& clock_;
  Metrics* metrics_;
  AuthLimiter limiter_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point window_start_{};
  int audited_in_window_ = 0;
  std::uint64_t not_audited_ = 0;
};

}  // namespace galaos::api
