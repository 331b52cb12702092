// VersionManager: the in-place code update as one journaled transaction (DESIGN.md §3), and
// the system rollback to a backup, which is the same transaction with another target.
//
// An explicit state machine with one transition table (UpdateState below). Every transition
// is written to the store — state name plus a versioned state_json holding the snapshot HEAD,
// the backup id, the target and which states have started — BEFORE the state's work begins,
// so a process killed anywhere leaves a journal Recover() can finish (a step's end is written
// in the same store transaction as the next transition, Store::AdvanceTransaction):
//   forward  Preflight -> Snapshot -> Fetch -> Checkout -> Install -> Migrate -> Build ->
//            Restart -> Verify -> Probation -> Commit -> Succeeded
//   failure  in Preflight/Snapshot/Fetch (nothing touched yet) -> Failed; later ->
//            RollbackCode -> RollbackDatabase -> RollbackInstall -> RollbackBuild ->
//            RollbackRestart -> RollbackVerify -> RolledBack; a failing rollback state ->
//            RollbackFailed.
// Rollback states only do work for what started (the database only when Migrate started,
// reinstall only when Install started, ...), and every one is idempotent, so a rollback
// interrupted the same way is resumed at the state it was in.
//
// Probation (health.probation > 0, with health checks): after a healthy Verify the checks run
// every health.interval until the window ends; one that stays unhealthy through health.retries
// retries fails the state, and the update is rolled back like after a failed Verify. Only a
// finished Commit makes an update final: an updater killed during probation (like one killed
// in any state up to Commit) leaves an update that Recover() rolls back, since a probation
// nobody watched to its end is not a passed one.
//
// A rollback to a backup (store type "rollback") targets the backup's commit: Preflight also
// verifies the backup, Snapshot backs up the app as it is now, Fetch fetches only when the
// commit is not in the repository, Checkout is a hard reset to the backup's commit and branch
// plus the backup's critical files, Migrate restores the backup's database. A failure returns
// the app to where it was before, from the snapshot, exactly as for an update.
//
// Notifications (notify/Event.h) are written to the outbox in the same store transaction as
// the change they announce: update_started with the transaction's creation; with its end
// update_completed, rollback_completed (a rollback to a backup that succeeded) or
// update_failed (error, failed step, rolled-back state).
//
// Single flight: <state.dir>/update.lock (core::FileLock, description "update <tx-id>" or
// "rollback <tx-id>") is held for the whole transaction; a second one gets kConflict naming
// the holder.
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backup/BackupStore.h"
#include "code/UpdatePlan.h"
#include "config/Config.h"
#include "core/Clock.h"
#include "core/Error.h"
#include "core/Progress.h"
#include "git/Repository.h"
#include "health/CheckSpec.h"
#include "health/HealthChecker.h"
#include "store/Store.h"

namespace galaos::code {

enum class UpdateState {
  kPreflight,
  kSnapshot,
  kFetch,
  kCheckout,
  kInstall,
  kMigrate,
  kBuild,
  kRestart,
  kVerify,
  kProbation,
  kCommit,
  kSucceeded,
  kFailed,
  kRollbackCode,
  kRollbackDatabase,
  kRollbackInstall,
  kRollbackBuild,
  kRollbackRestart,
  kRollbackVerify,
  kRolledBack,
  kRollbackFailed,
};
std::string_view StateName(UpdateState state);  // "Preflight", "RollbackCode", ...
Expected<UpdateState> ParseState(std::string_view name);
bool IsTerminal(UpdateState state);

// The schema version of the state_json this build writes. It resumes this one and version 1
// (written before rollbacks to backups existed).
inline constexpr int kStateVersion = 2;

struct UpdateOptions {
  std::optional<std::string> branch;  // follow this branch's head instead of release tags
  std::optional<std::string> target;  // a release tag or version to install (tags mode)
  bool skip_backup = false;
  bool skip_migrations = false;
  bool skip_build = false;
  bool dry_run = false;  // Apply returns the plan; nothing is changed (refs may be fetched)
  bool allow_downgrade = false;
  bool require_healthy_before = false;  // preflight refuses when the app is unhealthy now
  std::string trigger = "cli";
  std::string actor;
  // The sinks told about this transaction (a schedule's channels, names as in notify::Event.h);
  // nullopt: every sink the config enables (notify::EnabledSinks); empty: none.
  std::optional<std::vector<std::string>> notify_sinks;
  // Debugging and crash tests: the process _exit(137)s right after the transition into this
  // state is journaled, exactly as if it had been SIGKILLed at that step boundary.
  std::optional<UpdateState> crash_after_state;
  // Called with the transaction's id once it is journaled, before its first state runs (on
  // the updating thread); not called when no transaction starts.
  std::function<void(const std::string& transaction_id)> on_started;
};

struct RollbackOptions {
  std::string backup{};  // a backup id, or a path that resolves inside the backup directory
  std::string trigger = "cli";
  std::string actor{};
  std::optional<std::vector<std::string>> notify_sinks{};               // as in UpdateOptions
  std::optional<UpdateState> crash_after_state{};                       // as in UpdateOptions
  std::function<void(const std::string& transaction_id)> on_started{};  // as in UpdateOptions
};

using ProgressEvent = core::ProgressEvent;
using ProgressCallback = core::ProgressCallback;

struct UpdateResult {
  bool success = false;
  std::string previous_version{};
  std::string new_version{};  // the running version afterwards (previous after a rollback)
  std::vector<std::string> changes{};
  std::vector<std::string> errors{};
  bool rollback_available = false;  // a backup of the previous version exists
  std::string transaction_id{};
  std::string final_state{};               // StateName of the terminal state
  std::string failed_step{};               // empty on success
  std::vector<std::string> rolled_back{};  // what the rollback did, in order
  std::string restored_backup{};           // a rollback to a backup: that backup's id
  std::optional<UpdatePlan> plan{};        // dry run only
};

// applyCodeUpdate's shape (DESIGN.md §6) {success, previousVersion, newVersion, changes,
// errors, rollbackAvailable} plus transactionId, state, failedStep, rolledBack, restoredBackup
// (null for an update) and, for a dry run, plan.
nlohmann::json ToJson(const UpdateResult& result);

class VersionManager {
 public:
  // Everything referenced must outlive the manager. `health_checks` are run against the
  // restarted app in Verify (and before the update with require_healthy_before).
  VersionManager(const config::Config& config, store::Store& store, backup::BackupStore& backups,
                 core::Clock& clock, const health::HealthChecker& checker,
                 std::vector<health::CheckSpec> health_checks);

  // The plan of an update with `options`, computed from the target commit's tree; nullopt
  // when the app already runs the newest version the policy allows.
  Expected<std::optional<UpdatePlan>> Plan(const UpdateOptions& options);

  // Runs the transaction (with dry_run: returns the plan in the result and changes nothing).
  // First, under the update lock, it recovers any unfinished transaction a killed updater
  // left (listed in the result's changes). An Error means the update never started: invalid
  // options (a hostile branch or tag name), another update holds the lock (kConflict naming
  // its transaction), or a recovered transaction could not be rolled back. Every failure
  // after it started — preflight refusals included — is a result with success = false, and
  // the transaction's journal is in the store.
  Expected<UpdateResult> Apply(const UpdateOptions& options, const ProgressCallback& progress = {});

  // Returns the app to the backup `options.backup` names: code, critical files, database,
  // dependencies, build, restart and health, as one journaled transaction (see above). Like
  // Apply, it first recovers unfinished transactions under the update lock. An Error means it
  // never started: a path outside the backup directory (kInvalidArgument), an unknown backup
  // (kNotFound), another transaction holding the lock (kConflict). Every later failure is a
  // result with success = false; new_version is then the version the app runs as before.
  Expected<UpdateResult> Rollback(const RollbackOptions& options,
                                  const ProgressCallback& progress = {});

  // Finishes every unfinished code or rollback transaction found in the store, oldest first: those
  // that had touched the app are rolled back from their journaled state (a rollback resumes where
  // it stopped). Takes the update lock, so it is kConflict while an update runs; holding it
  // also proves that a leftover <app>/.git/index.lock belongs to a killed updater, and only
  // then is that file removed.
  Expected<std::vector<UpdateResult>> Recover(
      const ProgressCallback& progress = {},
      std::optional<UpdateState> crash_after_state = std::nullopt);  // as in UpdateOptions

 private:
  Expected<UpdatePlan> PlanFor(git::Repository& repository, UpdateTarget target,
                               const UpdateOptions& options) const;
  // RecoverLocked before a new transaction starts: kConflict when a recovered transaction
  // could not be rolled back, as the app is then in an unknown state.
  Expected<std::vector<UpdateResult>> RecoverBeforeStart(const ProgressCallback& progress);
  // Recover, with the update lock already held by the caller.
  Expected<std::vector<UpdateResult>> RecoverLocked(const ProgressCallback& progress,
                                                    std::optional<UpdateState> crash_after_state);

  const config::Config& config_;
  store::Store& store_;
  backup::BackupStore& backups_;
  core::Clock& clock_;
  const health::HealthChecker& checker_;
  std::vector<health::CheckSpec> health_checks_;
};

}  // namespace galaos::code
