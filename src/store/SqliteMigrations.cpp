#include "store/detail/SqliteMigrations.h"

#include <array>
#include <string>
#include <string_view>

#include "store/SqliteStore.h"

namespace galaos::store::sqlite {
namespace {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

// Grouped by the feature that needs the tables, in the order the features were built, so a
// file from any earlier build upgrades by the steps it lacks. Never edit a shipped step: add
// a new one. Times are INTEGER milliseconds since the Unix epoch (UTC).
constexpr std::array<Migration, 6> kMigrations{{
    {1, "transaction journal", R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
CREATE TABLE transactions (
  id TEXT PRIMARY KEY NOT NULL,
  type TEXT NOT NULL
    CONSTRAINT transaction_type CHECK (type IN ('code', 'docker', 'full', 'rollback')),
  trigger_source TEXT NOT NULL,
  actor TEXT NOT NULL,
  status TEXT NOT NULL CONSTRAINT transaction_status CHECK (status IN (
    'pending', 'running', 'rolling_back', 'succeeded', 'failed', 'rolled_back',
    'rollback_failed')),
  state TEXT NOT NULL,
  state_version INTEGER NOT NULL,
  state_json TEXT NOT NULL CONSTRAINT state_json_is_json CHECK (json_valid(state_json)),
  from_version TEXT NOT NULL,
  to_version TEXT NOT NULL,
  error TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX transactions_by_start ON transactions (started_at);
CREATE INDEX transactions_unfinished ON transactions (started_at)
  WHERE status IN ('pending', 'running', 'rolling_back');
CREATE TABLE steps (
  id INTEGER PRIMARY KEY,
  transaction_id TEXT NOT NULL REFERENCES transactions (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  status TEXT NOT NULL
    CONSTRAINT step_status CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  exit_code INTEGER,
  output_tail TEXT NOT NULL,
  error TEXT NOT NULL
);
CREATE INDEX steps_by_transaction ON steps (transaction_id, id);
)sql"},
    {2, "audit log", R"sql(
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  client_address TEXT NOT NULL,
  request_id TEXT NOT NULL,
  action TEXT NOT NULL,
  input_json TEXT NOT NULL CONSTRAINT input_json_is_json CHECK (json_valid(input_json)),
  outcome TEXT NOT NULL,
  transaction_id TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (time);
-- The hash chain detects tampering; these make an accidental edit fail loudly.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql"},
    {3, "schedules and backups index", R"sql(
CREATE TABLE schedules (
  id TEXT PRIMARY KEY NOT NULL,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  cron TEXT NOT NULL,
  timezone TEXT NOT NULL,
  update_type TEXT NOT NULL
    CONSTRAINT schedule_update_type CHECK (update_type IN ('code', 'docker', 'both')),
  auto_apply INTEGER NOT NULL CHECK (auto_apply IN (0, 1)),
  maintenance_window TEXT,
  notification_channels TEXT NOT NULL CONSTRAINT notification_channels_is_json_array
    CHECK (json_valid(notification_channels) AND json_type(notification_channels) = 'array'),
  last_run INTEGER,
  next_run INTEGER,
  last_result TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE backups (
  id TEXT PRIMARY KEY NOT NULL,
  path TEXT NOT NULL UNIQUE,
  version TEXT NOT NULL,
  commit_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  size_bytes INTEGER NOT NULL CONSTRAINT size_not_negative CHECK (size_bytes >= 0),
  manifest_json TEXT NOT NULL CONSTRAINT manifest_json_is_json CHECK (json_valid(manifest_json)),
  verified INTEGER NOT NULL CHECK (verified IN (0, 1))
);
CREATE INDEX backups_by_creation ON backups (created_at);
)sql"},
    {4, "notification outbox and API tokens", R"sql(
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  event_type TEXT NOT NULL,
  payload_json TEXT NOT NULL CONSTRAINT payload_json_is_json CHECK (json_valid(payload_json)),
  sink TEXT NOT NULL,
  status TEXT NOT NULL
    CONSTRAINT outbox_status CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL CONSTRAINT token_role CHECK (role IN ('admin', 'viewer')),
  secret_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
)sql"},
    {5, "schedule conflict policy", R"sql(
ALTER TABLE schedules ADD COLUMN on_conflict TEXT NOT NULL DEFAULT 'skip'
  CONSTRAINT schedule_on_conflict CHECK (on_conflict IN ('skip', 'queue'));
)sql"},
    // Schedules removed before RemoveSchedule deleted their meta rows (store/ScheduleMeta.h)
    // left them behind.
    {6, "forget what removed schedules announced", R"sql(
DELETE FROM meta
  WHERE key LIKE 'announced.%' AND substr(key, 11) NOT IN (SELECT id FROM schedules);
)sql"},
}};

static_assert(kMigrations.size() == kSqliteSchemaVersion,
              "kSqliteSchemaVersion must be the number of migrations");

Expected<int> UserVersion(Connection& db) {
  auto statement = TRY(db.Prepare("PRAGMA user_version"));
  const bool row = TRY(statement.Step());
  if (!row) return MakeError(ErrorCode::kCorrupt, "PRAGMA user_version returned nothing");
  return static_cast<int>(statement.Int(0));
}

Status MigrateInTransaction(Connection& db, int target) {
  const int current = TRY(WithContext(UserVersion(db), "reading schema version"));
  if (current > kSqliteSchemaVersion) {
    return MakeError(ErrorCode::kFailed,
                     "the database has schema version " + std::to_string(current) +
                         ", newer than this galaos-updater supports (" +
                         std::to_string(kSqliteSchemaVersion) + "); use a newer galaos-updater");
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= current || migration.version > target) continue;
    TRY(db.Exec(std::string(migration.sql), "applying schema migration " +
                                                std::to_string(migration.version) + " (" +
                                                std::string(migration.description) + ")"));
  }
  if (target > current) {
    TRY(db.Exec("PRAGMA user_version = " + std::to_string(target), "setting schema version"));
  }
  return {};
}

}  // namespace

Status Migrate(Connection& db, int target) {
  // IMMEDIATE: two processes opening an old file at once must not both migrate it.
  TRY(db.Exec("BEGIN IMMEDIATE", "starting the schema migration"));
  if (Status migrated = MigrateInTransaction(db, target); !migrated) {
    // The migration's error is the one to report; a failed ROLLBACK leaves nothing committed.
    if (db.InTransaction()) (void)db.Exec("ROLLBACK", "rolling back the schema migration");
    return migrated;
  }
  return db.Exec("COMMIT", "committing the schema migration");
}

}  // namespace galaos::store::sqlite
