// The records the store keeps. Plain structs of our own types, shared by every backend.
// Times are wall-clock instants; backends keep them at millisecond precision.
// Every field has a default initializer, so callers can use designated initializers and
// leave fields out under -Wextra.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::store {

using TimePoint = std::chrono::system_clock::time_point;

// ---- update transactions and their steps ----

enum class TransactionType { kCode, kDocker, kFull, kRollback };

enum class TransactionStatus {
  kPending,
  kRunning,
  kRollingBack,
  kSucceeded,
  kFailed,  // failed and nothing needed rolling back, or rollback not attempted
  kRolledBack,
  kRollbackFailed,
};

// True for the statuses a transaction ends in (it is then immutable).
bool IsTerminal(TransactionStatus status);

enum class StepStatus { kRunning, kSucceeded, kFailed, kSkipped };

// Output tails are cut to this many bytes (the end of the output is kept).
inline constexpr std::size_t kMaxOutputTailBytes = 16 * 1024;

struct Step {
  std::int64_t id = 0;
  std::string transaction_id{};
  std::string name{};
  StepStatus status = StepStatus::kRunning;
  TimePoint started_at{};
  std::optional<TimePoint> ended_at{};
  std::optional<int> exit_code{};
  std::string output_tail{};
  std::string error{};
};

struct NewTransaction {
  std::string id{};  // empty: the store generates "tx-YYYYMMDD-HHMMSS-<8 hex>"
  TransactionType type = TransactionType::kCode;
  std::string trigger{};  // "cli", "api", "schedule:<id>", "recovery", ...
  std::string actor{};    // token name or local user
  std::string from_version{};
  std::string to_version{};
  std::string state{};  // initial state-machine state, e.g. "Preflight"
  int state_version = 1;
  std::string state_json = "{}";  // must be valid JSON
};

struct Transaction {
  std::string id{};
  TransactionType type = TransactionType::kCode;
  std::string trigger{};
  std::string actor{};
  TransactionStatus status = TransactionStatus::kPending;
  std::string state{};
  int state_version = 1;  // schema version of state_json, for crash resume
  std::string state_json{};
  std::string from_version{};
  std::string to_version{};
  std::string error{};
  TimePoint started_at{};
  TimePoint updated_at{};
  std::optional<TimePoint> completed_at{};
  std::vector<Step> steps{};  // in the order they began
};

// A journal entry: the state machine moves to `state` (non-terminal `status`).
struct Transition {
  TransactionStatus status = TransactionStatus::kRunning;
  std::string state{};
  int state_version = 1;
  std::string state_json = "{}";
  std::optional<std::string> from_version{};  // set when it becomes known
  std::optional<std::string> to_version{};
  std::optional<std::string> error{};  // e.g. the failure that started a rollback
};

struct Completion {
  TransactionStatus status = TransactionStatus::kSucceeded;  // must be terminal
  std::string error{};
};

struct StepResult {
  StepStatus status = StepStatus::kSucceeded;  // must not be kRunning
  std::optional<int> exit_code{};
  std::string output_tail{};  // cut to kMaxOutputTailBytes; invalid UTF-8 bytes become '?'
  std::string error{};
};

struct TransactionQuery {
  int limit = 20;
};

// How many transactions of a type are in a status, for /metrics.
struct TransactionCount {
  TransactionType type = TransactionType::kCode;
  TransactionStatus status = TransactionStatus::kPending;
  std::int64_t count = 0;
};

// The finished steps of one transaction type with one name, over the whole history.
struct StepDurationTotal {
  TransactionType type{};
  std::string step{};
  std::int64_t count = 0;
  double seconds = 0;  // their durations added up
};

struct SinkBacklog {
  std::string sink{};
  std::int64_t pending = 0;
};

// What /metrics reads from the store, in one read.
struct TransactionStatistics {
  std::vector<TransactionCount> counts{};  // only pairs that occur
  // When the newest succeeded update (code, docker or full; not a rollback) completed.
  std::optional<TimePoint> last_update_succeeded_at{};
  std::vector<StepDurationTotal> step_durations{};  // by type, then step name
  std::vector<SinkBacklog> notification_backlog{};  // pending outbox rows; only sinks with some
};

// ---- audit log ----

// Text fields are stored as valid UTF-8 (invalid bytes become '?') before the row is hashed.
struct AuditEntry {
  std::string actor{};
  std::string client_address{};
  std::string request_id{};
  std::string action{};           // procedure or CLI command
  std::string input_json = "{}";  // already redacted by the caller; must be valid JSON
  std::string outcome{};
  std::string transaction_id{};  // empty when none
};

struct AuditRecord {
  std::int64_t seq = 0;  // 1, 2, 3, ... without gaps
  TimePoint time{};
  AuditEntry entry{};
  std::string prev_hash{};  // hex SHA-256 of the previous row; kAuditGenesisHash for seq 1
  std::string hash{};       // hex SHA-256, see AuditHash.h
};

struct AuditQuery {
  int limit = 100;
  std::optional<std::string> actor{};
  std::optional<std::string> action{};
  std::optional<TimePoint> since{};  // inclusive
  std::optional<TimePoint> until{};  // exclusive
  // "ok", or "failed" (which also matches "failed: <why>").
  std::optional<std::string> outcome{};
};

struct AuditTamper {
  enum class Kind {
    kHashMismatch,  // the row's content does not produce its stored hash
    kBrokenLink,    // prev_hash or seq does not follow the previous row (removed/inserted row)
  };
  std::int64_t seq = 0;
  Kind kind = Kind::kHashMismatch;
  std::string detail{};
};

struct AuditVerification {
  std::int64_t rows_checked = 0;
  std::string head_hash{};  // hash of the last row checked; record it to detect tail removal
  std::optional<AuditTamper> first_tampered{};

  bool ok() const { return !first_tampered.has_value(); }
  // One line for the CLI: "audit log intact: N rows, head <hash>" or what is wrong where.
  std::string Describe() const;
};

// ---- schedules ----

enum class ScheduleUpdateType { kCode, kDocker, kBoth };

// What a run does when another update holds the update lock: skip (recorded as "skipped: ...",
// the schedule waits for its next fire time) or queue (it runs once the lock is free).
enum class ConflictPolicy { kSkip, kQueue };

struct ScheduleSpec {
  bool enabled = true;
  std::string cron{};
  std::string timezone = "UTC";
  ScheduleUpdateType update_type = ScheduleUpdateType::kCode;
  bool auto_apply = false;
  std::optional<std::string> maintenance_window{};
  std::vector<std::string> notification_channels{};
  ConflictPolicy on_conflict = ConflictPolicy::kSkip;
};

struct Schedule {
  std::string id{};
  ScheduleSpec spec{};
  std::optional<TimePoint> last_run{};
  std::optional<TimePoint> next_run{};
  std::string last_result{};
  TimePoint created_at{};
};

struct ScheduleRun {
  TimePoint ran_at{};
  std::string result{};
  std::optional<TimePoint> next_run{};
};

// ---- backups index ----

struct BackupRecord {
  std::string id{};
  std::string path{};
  std::string version{};
  std::string commit{};
  TimePoint created_at{};
  std::int64_t size_bytes = 0;
  std::string manifest_json = "{}";  // must be valid JSON
  bool verified = false;
};

// ---- notification outbox ----

enum class OutboxStatus { kPending, kDelivered, kFailed };

struct NewNotification {
  std::string event_type{};  // update_available, update_started, ...
  std::string payload_json{};
  std::string sink{};  // one row per sink, so an acknowledged sink is never sent twice
};

struct Notification {
  std::int64_t id = 0;
  std::string event_type{};
  std::string payload_json{};
  std::string sink{};
  OutboxStatus status = OutboxStatus::kPending;
  int attempts = 0;
  TimePoint next_attempt_at{};
  std::string last_error{};
  TimePoint created_at{};
  std::optional<TimePoint> delivered_at{};
};

struct OutboxQuery {
  int limit = 100;
  std::optional<OutboxStatus> status{};
};

// ---- API tokens ----

enum class TokenRole { kAdmin, kViewer };

struct NewApiToken {
  std::string id{};  // the public half of "<id>.<secret>"
  std::string name{};
  TokenRole role = TokenRole::kViewer;
  std::string secret_hash{};  // hashed by the caller; the store never sees the secret
};

struct ApiToken {
  std::string id{};
  std::string name{};
  TokenRole role = TokenRole::kViewer;
  std::string secret_hash{};
  TimePoint created_at{};
  std::optional<TimePoint> last_used_at{};
  std::optional<TimePoint> revoked_at{};
};

// ---- names of the enums, as stored and as shown ----

std::string_view Name(TransactionType value);
std::string_view Name(TransactionStatus value);
std::string_view Name(StepStatus value);
std::string_view Name(ScheduleUpdateType value);
std::string_view Name(ConflictPolicy value);
std::string_view Name(OutboxStatus value);
std::string_view Name(TokenRole value);

// Inverse of Name(); an unknown name is kInvalidArgument.
Expected<TransactionType> ParseTransactionType(std::string_view name);
Expected<TransactionStatus> ParseTransactionStatus(std::string_view name);
Expected<StepStatus> ParseStepStatus(std::string_view name);
Expected<ScheduleUpdateType> ParseScheduleUpdateType(std::string_view name);
Expected<ConflictPolicy> ParseConflictPolicy(std::string_view name);
Expected<OutboxStatus> ParseOutboxStatus(std::string_view name);
Expected<TokenRole> ParseTokenRole(std::string_view name);

// The last `max_bytes` of `text`, starting on a UTF-8 character boundary, with every byte that
// is not part of valid UTF-8 replaced by '?', so the result is always valid UTF-8.
std::string Utf8Tail(std::string_view text, std::size_t max_bytes);

}  // namespace galaos::store
