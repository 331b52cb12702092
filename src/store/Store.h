// Store: the updater's persistent state — update transactions and their steps (the journal
// crash recovery reads), the hash-chained audit log, schedules, the backups index, the
// notification outbox and API tokens. Backend-neutral: SQLite today (SqliteStore.h), and the
// same interface is meant for a PostgreSQL backend shared by a fleet.
//
// Contracts common to every operation:
// - A write returns only after it is committed (and, for SQLite, synced), unless it runs
//   inside WithTransaction, where it becomes durable when the outermost body commits.
// - An operation that fails leaves no partial rows behind.
// - Unknown ids are kNotFound; a duplicate id is kConflict; invalid JSON or an out-of-range
//   value is kInvalidArgument; the database being locked by another writer for longer than
//   the busy timeout is kUnavailable; read-only or full storage is kIo; a damaged database is
//   kCorrupt. Messages name the operation and the database's own explanation.
// - Thread-safe: calls are serialized; a WithTransaction body holds the store for its duration.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"
#include "store/Records.h"

namespace galaos::store {

class Store {
 public:
  virtual ~Store() = default;

  // Runs `body` in one database transaction: every call it makes on the given store joins
  // it, and all of them are committed together if it returns success, or none of them if it
  // fails (its error is returned). Nested calls use savepoints. The body must use only the
  // Store passed to it. Example: finish a transaction and enqueue its notifications at once.
  virtual Status WithTransaction(const std::function<Status(Store&)>& body) = 0;

  // ---- update transactions (the journal) ----

  // Creates a pending transaction; returns it as stored (with its generated id if none given).
  virtual Expected<Transaction> CreateTransaction(const NewTransaction& transaction) = 0;
  // Journals a transition before the state's work begins. The status must not be terminal;
  // a finished transaction is immutable (kConflict).
  virtual Status RecordTransition(std::string_view id, const Transition& transition) = 0;
  // Ends the transaction with a terminal status and sets completed_at (kConflict if it has
  // already ended).
  virtual Status FinishTransaction(std::string_view id, const Completion& completion) = 0;
  // With its steps.
  virtual Expected<Transaction> GetTransaction(std::string_view id) = 0;
  // Newest first, with their steps; limit must be 1..1000.
  virtual Expected<std::vector<Transaction>> ListTransactions(const TransactionQuery& query) = 0;
  // Transactions not in a terminal status, oldest first, with their steps: what crash recovery
  // must finish.
  virtual Expected<std::vector<Transaction>> ListUnfinishedTransactions() = 0;

  // Counts by type and status, and when the last successful one completed.
  virtual Expected<TransactionStatistics> GetTransactionStatistics() = 0;

  // Records that a step of an unfinished transaction starts now; returns the step's id.
  virtual Expected<std::int64_t> BeginStep(std::string_view transaction_id,
                                           std::string_view name) = 0;
  // Records the end of a running step (kConflict if it already ended).
  virtual Status FinishStep(std::int64_t step_id, const StepResult& result) = 0;
  // FinishStep(step_id, result) and RecordTransition(id, next) as one database transaction
  // (one sync instead of two): the journal reaches the next state together with the end of
  // the step before it, or neither is written. The step must belong to transaction `id`
  // (kInvalidArgument otherwise).
  virtual Status AdvanceTransaction(std::int64_t step_id, const StepResult& result,
                                    std::string_view id, const Transition& next) = 0;

  // ---- audit log (append-only, hash-chained) ----

  // Appends a row after the current last one. Serialized across processes sharing the
  // database, so the chain never forks.
  virtual Expected<AuditRecord> AppendAudit(const AuditEntry& entry) = 0;
  // Newest first; limit must be 1..10000.
  virtual Expected<std::vector<AuditRecord>> ListAudit(const AuditQuery& query) = 0;
  // Walks the whole chain from seq 1 and reports the first row that does not verify.
  // An error means the walk itself failed, not that tampering was found.
  virtual Expected<AuditVerification> VerifyAuditLog() = 0;

  // ---- schedules ----

  virtual Expected<Schedule> CreateSchedule(const ScheduleSpec& spec,
                                            std::optional<TimePoint> next_run) = 0;
  // Creates `defaults` unless defaults were seeded before (a flag in the meta table), in one
  // transaction. Returns true if it seeded them now. Safe when several processes race.
  virtual Expected<bool> SeedDefaultSchedules(std::span<const ScheduleSpec> defaults) = 0;
  // Oldest first.
  virtual Expected<std::vector<Schedule>> ListSchedules() = 0;
  virtual Expected<Schedule> GetSchedule(std::string_view id) = 0;
  virtual Status RemoveSchedule(std::string_view id) = 0;
  virtual Status SetScheduleEnabled(std::string_view id, bool enabled) = 0;
  virtual Status SetScheduleNextRun(std::string_view id, std::optional<TimePoint> next_run) = 0;
  virtual Status RecordScheduleRun(std::string_view id, const ScheduleRun& run) = 0;

  // ---- backups index ----

  virtual Status AddBackup(const BackupRecord& backup) = 0;
  // Newest first.
  virtual Expected<std::vector<BackupRecord>> ListBackups() = 0;
  virtual Expected<BackupRecord> GetBackup(std::string_view id) = 0;
  virtual Status RemoveBackup(std::string_view id) = 0;

  // ---- notification outbox ----

  // Queues a message, due now. Use inside WithTransaction with the event it announces.
  virtual Expected<std::int64_t> EnqueueNotification(const NewNotification& notification) = 0;
  // Leases up to `limit` pending messages that are due: each gets attempts + 1 and is hidden
  // from other claimers for `lease`. A deliverer that dies mid-delivery leaves it due again
  // when the lease ends, so no message is lost.
  virtual Expected<std::vector<Notification>> ClaimDueNotifications(
      std::size_t limit, std::chrono::milliseconds lease) = 0;
  virtual Status MarkNotificationDelivered(std::int64_t id) = 0;
  // Records a failed attempt: due again at `retry_at`, or failed for good when it is nullopt.
  // A delivered message cannot fail (kConflict).
  virtual Status MarkNotificationFailed(std::int64_t id, std::string_view error,
                                        std::optional<TimePoint> retry_at) = 0;
  // Newest first; limit must be 1..10000.
  virtual Expected<std::vector<Notification>> ListNotifications(const OutboxQuery& query) = 0;
  // When the earliest pending message is due (a leased one: when its lease ends); nullopt
  // when nothing is pending. A deliverer sets its next timer from it.
  virtual Expected<std::optional<TimePoint>> NextNotificationDue() = 0;

  // ---- API tokens ----

  virtual Expected<ApiToken> CreateApiToken(const NewApiToken& token) = 0;
  virtual Expected<ApiToken> GetApiToken(std::string_view id) = 0;
  // Oldest first, revoked ones included.
  virtual Expected<std::vector<ApiToken>> ListApiTokens() = 0;
  // Sets revoked_at (kept from the first revocation when revoked again).
  virtual Status RevokeApiToken(std::string_view id) = 0;
  virtual Status TouchApiToken(std::string_view id) = 0;

  // ---- meta key/value ----

  virtual Expected<std::optional<std::string>> GetMeta(std::string_view key) = 0;
  virtual Status SetMeta(std::string_view key, std::string_view value) = 0;
};

}  // namespace galaos::store
