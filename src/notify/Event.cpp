#include "notify/Event.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "core/Time.h"

namespace galaos::notify {
namespace {

using nlohmann::ordered_json;

// Versions and digests the caller does not know yet are null rather than "".
ordered_json OrNull(const std::string& text) {
  return text.empty() ? ordered_json(nullptr) : ordered_json(text);
}

ordered_json Data(const UpdateAvailable& event) {
  ordered_json containers = ordered_json::array();
  for (const ContainerUpdate& container : event.containers) {
    containers.push_back({{"name", container.name},
                          {"image", container.image},
                          {"current_digest", OrNull(container.current_digest)},
                          {"latest_digest", OrNull(container.latest_digest)}});
  }
  return {{"current_version", OrNull(event.current_version)},
          {"latest_version", OrNull(event.latest_version)},
          {"changelog", event.changelog},
          {"breaking", event.breaking},
          {"release_date",
           event.release_date ? ordered_json(core::FormatIsoUtc(*event.release_date)) : nullptr},
          {"containers", std::move(containers)}};
}

ordered_json Data(const UpdateStarted& event) {
  return {{"transaction_id", event.transaction_id},
          {"update_type", store::Name(event.update_type)},
          {"from_version", OrNull(event.from_version)},
          {"to_version", OrNull(event.to_version)},
          {"trigger", event.trigger}};
}

ordered_json Data(const UpdateCompleted& event) {
  return {{"transaction_id", event.transaction_id},
          {"update_type", store::Name(event.update_type)},
          {"from_version", OrNull(event.from_version)},
          {"to_version", OrNull(event.to_version)},
          {"duration_ms", event.duration.count()}};
}

ordered_json Data(const UpdateFailed& event) {
  return {{"transaction_id", event.transaction_id},
          {"update_type", store::Name(event.update_type)},
          {"from_version", OrNull(event.from_version)},
          {"to_version", OrNull(event.to_version)},
          {"error", event.error},
          {"failed_step", OrNull(event.failed_step)},
          {"rollback", Name(event.rollback)},
          {"rolled_back", event.rollback == RollbackState::kRolledBack}};
}

ordered_json Data(const RollbackCompleted& event) {
  return {{"transaction_id", event.transaction_id},
          {"restored_version", OrNull(event.restored_version)},
          {"backup_id", OrNull(event.backup_id)},
          {"reason", event.reason}};
}

ordered_json Data(const NotificationTest& event) {
  return {{"message", "This is a test notification from galaos-updater."},
          {"requested_by", event.requested_by}};
}

}  // namespace

Expected<std::string> NewEventId() {
  if (sodium_init() < 0) return MakeError(ErrorCode::kFailed, "libsodium failed to initialise");
  std::array<unsigned char, 12> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, 2 * bytes.size() + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  return "evt-" + std::string(hex.data());
}

std::string_view EventType(const Event& event) {
  constexpr std::array<std::string_view, std::variant_size_v<Event>> kTypes = {
      "update_available", "update_started",     "update_completed",
      "update_failed",    "rollback_completed", "notification_test"};
  return kTypes[event.index()];
}

std::string_view Name(RollbackState state) {
  switch (state) {
    case RollbackState::kNotNeeded:
      return "not_needed";
    case RollbackState::kRolledBack:
      return "rolled_back";
    case RollbackState::kRollbackFailed:
      return "rollback_failed";
  }
  return "unknown";
}

std::string PayloadJson(const Event& event, std::string_view event_id, TimePoint occurred_at) {
  ordered_json payload = {{"schema_version", 1},
                          {"id", event_id},
                          {"type", EventType(event)},
                          {"occurred_at", core::FormatIsoUtc(occurred_at)},
                          {"data", std::visit([](const auto& e) { return Data(e); }, event)}};
  // Invalid UTF-8 (a changelog, an error tail) becomes U+FFFD instead of an exception.
  return payload.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

Expected<std::string> EventIdOf(const store::Notification& message) {
  const auto payload = nlohmann::json::parse(message.payload_json, nullptr, false);
  const auto id = payload.is_object() ? payload.find("id") : payload.end();
  if (id == payload.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    return MakeError(ErrorCode::kCorrupt, "notification " + std::to_string(message.id) +
                                              " has no event id in its payload");
  }
  return id->get<std::string>();
}

std::vector<std::string> EnabledSinks(const config::NotifyConfig& config) {
  std::vector<std::string> sinks = {std::string(kDatabaseSink)};
  if (!config.webhook.url.empty()) sinks.emplace_back(kWebhookSink);
  if (!config.slack.webhook_url.empty()) sinks.emplace_back(kSlackSink);
  if (!config.email.smtp_url.empty()) sinks.emplace_back(kEmailSink);
  return sinks;
}

Expected<std::string> Enqueue(store::Store& store, const Event& event,
                              std::span<const std::string> sinks, TimePoint occurred_at) {
  const std::string type(EventType(event));
  const std::string id = TRY(NewEventId());
  const std::string payload = PayloadJson(event, id, occurred_at);
  std::vector<std::string> unique(sinks.begin(), sinks.end());
  std::ranges::sort(unique);
  unique.erase(std::ranges::unique(unique).begin(), unique.end());
  TRY(WithContext(store.WithTransaction([&](store::Store& tx) -> Status {
    for (const std::string& sink : unique) {
      const std::int64_t row =
          TRY(tx.EnqueueNotification({.event_type = type, .payload_json = payload, .sink = sink}));
      if (sink == kDatabaseSink) TRY(tx.MarkNotificationDelivered(row));
    }
    return {};
  }),
                  "notify: enqueueing " + type));
  return id;
}

}  // namespace galaos::notify
