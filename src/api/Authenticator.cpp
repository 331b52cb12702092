#include "api/Authenticator.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/Jwt.h"
#include "api/Tokens.h"

namespace galaos::api {
namespace {
constexpr std::chrono::minutes kAuditWindow{1};
constexpr std::size_t kMaxRecordedPathBytes = 200;
}  // namespace

Authenticator::Authenticator(const config::ApiConfig& config, store::Store& store,
                             core::Clock& clock, Metrics* metrics)
    : config_(config),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      limiter_(config.auth_failures_per_minute, clock) {}

std::optional<std::chrono::seconds> Authenticator::BlockedFor(std::string_view address) {
  return limiter_.BlockedFor(address);
}

Expected<Caller> Authenticator::Authenticate(std::string_view token, const Caller& request,
                                             std::string_view procedure) {
  Expected<Caller> authenticated = config_.jwt_enabled && LooksLikeJwt(token)
                                       ? VerifyJwt(token, config_.jwt_secret, clock_.Now())
                                       : api::Authenticate(store_, token);
  if (!authenticated) {
    if (authenticated.error().code() == ErrorCode::kUnauthorized) {
      RecordFailure(request, procedure);
    }
    return authenticated;
  }
  Caller caller = request;
  caller.role = authenticated->role;
  caller.actor = authenticated->actor;
  return caller;
}

void Authenticator::RecordFailure(const Caller& request, std::string_view requested) {
  // The path is the client's text: a bounded piece of it is enough to tell what was tried.
  const std::string_view procedure = requested.substr(0, kMaxRecordedPathBytes);
  limiter_.RecordFailure(request.address);
  if (metrics_) metrics_->RecordAuthFailure();
  spdlog::warn("api: failed authentication from {} ({})", request.address, procedure);

  std::uint64_t not_audited = 0;
  {
    std::lock_guard lock(mutex_);
    const auto now = clock_.SteadyNow();
    if (audited_in_window_ == 0 || now - window_start_ >= kAuditWindow) {
      window_start_ = now;
      audited_in_window_ = 0;
    }
    if (audited_in_window_ >= kMaxFailureAuditsPerMinute) {
      ++not_audited_;
      return;
    }
    ++audited_in_window_;
    not_audited = std::exchange(not_audited_, 0);
  }
  std::string outcome = "unauthorized";
  if (not_audited > 0) {
    outcome += fmt::format("; {} more not recorded (over {} per minute)", not_audited,
                           kMaxFailureAuditsPerMinute);
  }
  auto audited = store_.AppendAudit(store::AuditEntry{.actor = "unknown",
                                                      .client_address = request.address,
                                                      .request_id = request.request_id,
                                                      .action = std::string(procedure),
                                                      .input_json = "{}",
                                                      .outcome = outcome,
                                                      .transaction_id = ""});
  if (!audited) {
    spdlog::error("api: cannot audit a failed authentication: {}", audited.error().message());
  }
}

}  // namespace galaos::api
