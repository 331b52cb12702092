#include "notify/Deliverer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/Redact.h"
#include "core/Time.h"
#include "notify/Event.h"

namespace galaos::notify {

DeliveryPolicy PolicyFrom(const config::NotifyConfig& config) {
  return DeliveryPolicy{.max_attempts = config.max_attempts, .retry_backoff = config.retry_backoff};
}

std::chrono::milliseconds RetryDelay(const DeliveryPolicy& policy, int attempts) {
  const std::chrono::milliseconds cap = policy.max_backoff;
  std::chrono::milliseconds delay = policy.retry_backoff;
  for (int i = 1; i < attempts && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

Deliverer::Deliverer(store::Store& store, core::Clock& clock,
                     std::vector<std::unique_ptr<Sink>> sinks, DeliveryPolicy policy)
    : store_(store), clock_(clock), sinks_(std::move(sinks)), policy_(policy) {}

Expected<DeliveryRound> Deliverer::DeliverDue() {
  DeliveryRound round;
  for (;;) {
    const auto claimed = TRY(WithContext(
        store_.ClaimDueNotifications(policy_.batch_size, policy_.lease), "notify: delivering"));
    for (const store::Notification& message : claimed) {
      TRY(WithContext(DeliverOne(message, round), "notify: delivering"));
    }
    if (claimed.size() < policy_.batch_size) break;
  }
  round.next_due = TRY(WithContext(store_.NextNotificationDue(), "notify: delivering"));
  return round;
}

Status Deliverer::DeliverOne(const store::Notification& message, DeliveryRound& round) {
  const Status sent = Send(message);
  if (sent) {
    TRY(store_.MarkNotificationDelivered(message.id));
    ++round.delivered;
    spdlog::info("notify: {} {} delivered to {} (attempt {})", message.event_type, message.id,
                 message.sink, message.attempts);
    return {};
  }
  // Sinks keep secrets out of their errors; redacting URLs again costs nothing.
  const std::string error = core::RedactSecrets(sent.error().message());
  if (IsPermanentFailure(sent.error()) || message.attempts >= policy_.max_attempts) {
    TRY(store_.MarkNotificationFailed(message.id, error, std::nullopt));
    ++round.failed;
    spdlog::error("notify: {} {} to {} failed for good after {} attempt(s): {}", message.event_type,
                  message.id, message.sink, message.attempts, error);
    return {};
  }
  const auto retry_at = clock_.Now() + RetryDelay(policy_, message.attempts);
  TRY(store_.MarkNotificationFailed(message.id, error, retry_at));
  ++round.retrying;
  spdlog::warn("notify: {} {} to {} failed (attempt {} of {}), retrying at {}: {}",
               message.event_type, message.id, message.sink, message.attempts, policy_.max_attempts,
               core::FormatIsoUtc(retry_at), error);
  return {};
}

Status Deliverer::Send(const store::Notification& message) {
  if (message.sink == kDatabaseSink) return {};  // the row is the record
  const auto sink = std::ranges::find_if(
      sinks_, [&](const auto& candidate) { return candidate->Name() == message.sink; });
  if (sink == sinks_.end()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no sink \"" + message.sink + "\" is configured any more");
  }
  return (*sink)->Deliver(message);
}

}  // namespace galaos::notify
