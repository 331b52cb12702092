// Notification events: what the updater announces, as typed structs, and Enqueue, which turns
// one into outbox rows (one per sink) in the same store transaction as the change it announces.
// The JSON shape of the payload is documented in docs/NOTIFICATIONS.md and is stable: fields
// are only ever added.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/Config.h"
#include "core/Error.h"
#include "store/Records.h"
#include "store/Store.h"

namespace galaos::notify {

using TimePoint = std::chrono::system_clock::time_point;

// Sink names, as stored in the outbox's `sink` column.
inline constexpr std::string_view kDatabaseSink = "database";
inline constexpr std::string_view kWebhookSink = "webhook";
inline constexpr std::string_view kSlackSink = "slack";
inline constexpr std::string_view kEmailSink = "email";

struct ContainerUpdate {
  std::string name{};
  std::string image{};
  std::string current_digest{};
  std::string latest_digest{};
};

struct UpdateAvailable {
  std::string current_version{};  // empty when only containers changed
  std::string latest_version{};
  std::string changelog{};
  bool breaking = false;
  std::optional<TimePoint> release_date{};
  std::vector<ContainerUpdate> containers{};
};

struct UpdateStarted {
  std::string transaction_id{};
  store::TransactionType update_type = store::TransactionType::kCode;
  std::string from_version{};
  std::string to_version{};
  std::string trigger{};  // "cli", "api", "schedule:<id>", ...
};

struct UpdateCompleted {
  std::string transaction_id{};
  store::TransactionType update_type = store::TransactionType::kCode;
  std::string from_version{};
  std::string to_version{};
  std::chrono::milliseconds duration{0};
};

enum class RollbackState {
  kNotNeeded,       // failed before anything changed
  kRolledBack,      // the previous state is back and healthy
  kRollbackFailed,  // needs an operator
};

struct UpdateFailed {
  std::string transaction_id{};
  store::TransactionType update_type = store::TransactionType::kCode;
  std::string from_version{};
  std::string to_version{};
  std::string error{};  // already free of secrets (the caller redacts)
  std::string failed_step{};
  RollbackState rollback = RollbackState::kNotNeeded;
};

struct RollbackCompleted {
  std::string transaction_id{};
  std::string restored_version{};
  std::string backup_id{};
  std::string reason{};
};

// Sent on request (`galaos-updater notify test`) to check that a sink works.
struct NotificationTest {
  std::string requested_by{};
};

using Event = std::variant<UpdateAvailable, UpdateStarted, UpdateCompleted, UpdateFailed,
                           RollbackCompleted, NotificationTest>;

// "update_available", "update_started", "update_completed", "update_failed",
// "rollback_completed", "notification_test".
std::string_view EventType(const Event& event);
std::string_view Name(RollbackState state);

// The payload every sink receives: {"schema_version":1,"id","type","occurred_at","data":{...}}.
// Deterministic for the same arguments.
std::string PayloadJson(const Event& event, std::string_view event_id, TimePoint occurred_at);

// A fresh event id: "evt-" + 24 random hex digits.
Expected<std::string> NewEventId();

// The event id inside a stored payload; kCorrupt when it has none.
Expected<std::string> EventIdOf(const store::Notification& message);

// The sinks the config enables, "database" first (it is always on).
std::vector<std::string> EnabledSinks(const config::NotifyConfig& config);

// Writes one outbox row per name in `sinks` (duplicates ignored) for `event`, all or none, in
// one store transaction; called with the Store a WithTransaction body received, the rows
// commit together with the caller's own writes. The "database" row is the record itself: it
// is marked delivered at once and never claimed. Returns the event's id (random, "evt-" + 24
// hex digits, see NewEventId), which every sink passes on so receivers can drop duplicates.
Expected<std::string> Enqueue(store::Store& store, const Event& event,
                              std::span<const std::string> sinks, TimePoint occurred_at);

}  // namespace galaos::notify
