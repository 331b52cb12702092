#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "StoreTestSupport.h"
#include "store/AuditChain.h"
#include "store/SqliteStore.h"

namespace galaos::store::testing {
namespace {

// Rows as the build that stopped at schema `version` wrote them (raw SQL: the current store
// code cannot open an old file without migrating it).
void InsertRowsOfVersion(RawDb& raw, int version) {
  switch (version) {
    case 1:
      ASSERT_EQ(raw.Exec(R"sql(
INSERT INTO meta (key, value) VALUES ('instance', 'host-a');
INSERT INTO transactions (id, type, trigger_source, actor, status, state, state_version,
  state_json, from_version, to_version, error, started_at, updated_at, completed_at) VALUES
  ('tx-old-done', 'code', 'cli', 'root', 'succeeded', 'Commit', 1, '{}', '1.0.0', '1.1.0', '',
   1000, 2000, 2000),
  ('tx-old-open', 'docker', 'schedule:s', 'scheduler', 'running', 'Apply', 2,
   '{"phase":"pull"}', '', '', '', 3000, 3000, NULL);
INSERT INTO steps (transaction_id, name, status, started_at, ended_at, exit_code, output_tail,
  error) VALUES ('tx-old-done', 'build', 'succeeded', 1000, 1500, 0, 'built', '');
)sql"),
                "");
      break;
    case 2: {
      AuditRecord record;
      record.seq = 1;
      record.time = TimePoint(std::chrono::milliseconds(5000));
      record.entry = AuditEntry{.actor = "root",
                                .client_address = "local",
                                .request_id = "r-1",
                                .action = "apply code",
                                .input_json = R"({"branch":"main"})",
                                .outcome = "ok",
                                .transaction_id = "tx-old-done"};
      record.prev_hash = std::string(kAuditGenesisHash);
      record.hash = ComputeAuditHash(record);
      ASSERT_EQ(raw.Exec("INSERT INTO audit_log (seq, time, actor, client_address, request_id, "
                         "action, input_json, outcome, transaction_id, prev_hash, hash) VALUES "
                         "(1, 5000, 'root', 'local', 'r-1', 'apply code', '{\"branch\":\"main\"}', "
                         "'ok', 'tx-old-done', '" +
                         record.prev_hash + "', '" + record.hash + "')"),
                "");
      break;
    }
    case 3:
      ASSERT_EQ(raw.Exec(R"sql(
INSERT INTO schedules (id, enabled, cron, timezone, update_type, auto_apply, maintenance_window,
  notification_channels, last_run, next_run, last_result, created_at) VALUES
  ('sch-old', 1, '0 2 * * *', 'UTC', 'code', 0, NULL, '["webhook"]', NULL, 9000, '', 1000);
INSERT INTO backups (id, path, version, commit_hash, created_at, size_bytes, manifest_json,
  verified) VALUES ('b-old', '/backups/b-old', '1.0.0', 'abc123', 1000, 10, '{}', 1);
)sql"),
                "");
      break;
    case 4:
      ASSERT_EQ(raw.Exec(R"sql(
INSERT INTO outbox (event_type, payload_json, sink, status, attempts, next_attempt_at,
  last_error, created_at, delivered_at) VALUES
  ('update_completed', '{"id":"tx-old-done"}', 'webhook', 'pending', 1, 2500, 'HTTP 503', 2000,
   NULL);
INSERT INTO api_tokens (id, name, role, secret_hash, created_at, last_used_at, revoked_at)
  VALUES ('tok-old', 'ci', 'admin', 'hash', 1000, NULL, NULL);
)sql"),
                "");
      break;
    case 5:
      ASSERT_EQ(raw.Exec(R"sql(
INSERT INTO schedules (id, enabled, cron, timezone, update_type, auto_apply, maintenance_window,
  notification_channels, last_run, next_run, last_result, created_at, on_conflict) VALUES
  ('sch-queue', 1, '0 3 * * *', 'UTC', 'docker', 1, NULL, '[]', NULL, 9000, '', 1000, 'queue');
INSERT INTO meta (key, value) VALUES ('announced.sch-queue', '["code 1.1.0"]'),
  ('announced.sch-removed', '["code 1.1.0"]');
)sql"),
                "");
      break;
    case 6:  // removes rows only
      break;
    default:
      FAIL() << "no representative rows for schema version " << version
             << ": add them when adding a migration";
  }
}

// The schema a brand-new file gets, for comparison.
std::string SchemaOf(const std::filesystem::path& path) {
  RawDb raw(path);
  return raw.Text(
      "SELECT group_concat(type || ' ' || name || ': ' || coalesce(sql, ''), char(10)) FROM "
      "(SELECT * FROM sqlite_master ORDER BY type, name)");
}

class MigrationFromVersionTest : public ::testing::TestWithParam<int> {};

TEST_P(MigrationFromVersionTest, DataOfEveryEarlierVersionSurvivesAndTheSchemaIsCurrent) {
  const int from = GetParam();
  auto dir = core::TempDir::Create("galaos-migrate-");
  ASSERT_TRUE(dir);
  const auto old_path = dir->path() / "old.db";
  const auto fresh_path = dir->path() / "fresh.db";

  ASSERT_OK(MigrateSqliteTo(old_path, from));
  {
    RawDb raw(old_path);
    ASSERT_EQ(raw.Int("PRAGMA user_version"), from);
    for (int version = 1; version <= from; ++version) {
      InsertRowsOfVersion(raw, version);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }

  core::TestClock clock(kStart);
  auto store = OpenOrDie(old_path, clock);
  ASSERT_NE(store, nullptr);
  {
    RawDb raw(old_path);
    EXPECT_EQ(raw.Int("PRAGMA user_version"), kSqliteSchemaVersion);
    EXPECT_EQ(raw.Text("PRAGMA integrity_check"), "ok");
  }
  ASSERT_NE(OpenOrDie(fresh_path, clock), nullptr);
  EXPECT_EQ(SchemaOf(old_path), SchemaOf(fresh_path));

  // What the older build wrote reads back through the current API.
  if (from >= 1) {
    ASSERT_OK_AND_ASSIGN(Transaction done, store->GetTransaction("tx-old-done"));
    EXPECT_EQ(done.status, TransactionStatus::kSucceeded);
    ASSERT_EQ(done.steps.size(), 1u);
    EXPECT_EQ(done.steps[0].output_tail, "built");
    EXPECT_EQ(done.steps[0].exit_code, 0);
    ASSERT_OK_AND_ASSIGN(auto unfinished, store->ListUnfinishedTransactions());
    ASSERT_EQ(unfinished.size(), 1u);
    EXPECT_EQ(unfinished[0].state_json, R"({"phase":"pull"})");
    ASSERT_OK_AND_ASSIGN(auto instance, store->GetMeta("instance"));
    EXPECT_EQ(instance, "host-a");
  }
  const std::int64_t old_audit_rows = from >= 2 ? 1 : 0;
  if (from >= 3) {
    ASSERT_OK_AND_ASSIGN(Schedule schedule, store->GetSchedule("sch-old"));
    EXPECT_EQ(schedule.spec.notification_channels, std::vector<std::string>{"webhook"});
    EXPECT_EQ(schedule.spec.on_conflict, ConflictPolicy::kSkip);  // rows from before version 5
    ASSERT_OK_AND_ASSIGN(BackupRecord backup, store->GetBackup("b-old"));
    EXPECT_EQ(backup.path, "/backups/b-old");
  }
  if (from >= 4) {
    ASSERT_OK_AND_ASSIGN(auto outbox, store->ListNotifications({}));
    ASSERT_EQ(outbox.size(), 1u);
    EXPECT_EQ(outbox[0].last_error, "HTTP 503");
    ASSERT_OK_AND_ASSIGN(ApiToken token, store->GetApiToken("tok-old"));
    EXPECT_EQ(token.role, TokenRole::kAdmin);
  }
  if (from >= 5) {
    ASSERT_OK_AND_ASSIGN(Schedule queued, store->GetSchedule("sch-queue"));
    EXPECT_EQ(queued.spec.on_conflict, ConflictPolicy::kQueue);
    ASSERT_OK_AND_ASSIGN(auto announced, store->GetMeta("announced.sch-queue"));
    EXPECT_EQ(announced, R"(["code 1.1.0"])");
  }
  if (from == 5) {  // version 6 forgot what a schedule removed before announced
    ASSERT_OK_AND_ASSIGN(auto orphan, store->GetMeta("announced.sch-removed"));
    EXPECT_FALSE(orphan.has_value());
  }

  // Every table takes new rows, and the audit chain continues from the old rows.
  ASSERT_OK(store->CreateTransaction(
      NewTransaction{.type = TransactionType::kFull, .state = "Preflight"}));
  ASSERT_OK(store->AppendAudit(AuditEntry{.actor = "root", .action = "migrate-test"}));
  ASSERT_OK(store->CreateSchedule(ScheduleSpec{.cron = "@daily"}, std::nullopt));
  ASSERT_OK(store->AddBackup(BackupRecord{.id = "b-new", .path = "/backups/b-new"}));
  ASSERT_OK(store->EnqueueNotification(
      NewNotification{.event_type = "update_available", .payload_json = "{}", .sink = "db"}));
  ASSERT_OK(store->CreateApiToken(
      NewApiToken{.id = "tok-new", .name = "n", .role = TokenRole::kViewer, .secret_hash = "h"}));
  ASSERT_OK_AND_ASSIGN(AuditVerification verification, store->VerifyAuditLog());
  EXPECT_TRUE(verification.ok()) << verification.Describe();
  EXPECT_EQ(verification.rows_checked, old_audit_rows + 1);
}

INSTANTIATE_TEST_SUITE_P(EveryEarlierSchema, MigrationFromVersionTest,
                         ::testing::Range(0, kSqliteSchemaVersion + 1),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "FromVersion" + std::to_string(info.param);
                         });

TEST(MigrationsTest, ZeroByteFileIsInitialized) {
  auto dir = core::TempDir::Create("galaos-migrate-");
  ASSERT_TRUE(dir);
  const auto path = dir->path() / "state.db";
  std::ofstream(path).close();
  core::TestClock clock(kStart);
  auto store = OpenOrDie(path, clock);
  ASSERT_NE(store, nullptr);
  RawDb raw(path);
  EXPECT_EQ(raw.Int("PRAGMA user_version"), kSqliteSchemaVersion);
}

TEST(MigrationsTest, DatabaseFromANewerBuildIsRefusedAndLeftUntouched) {
  auto dir = core::TempDir::Create("galaos-migrate-");
  ASSERT_TRUE(dir);
  const auto path = dir->path() / "state.db";
  ASSERT_OK(MigrateSqliteTo(path, kSqliteSchemaVersion));
  const int newer = kSqliteSchemaVersion + 1;
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("PRAGMA user_version = " + std::to_string(newer)), "");
  }
  core::TestClock clock(kStart);
  auto store = OpenSqliteStore(path, clock);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message().find("schema version " + std::to_string(newer) +
                                         ", newer than this galaos-updater supports"),
            std::string::npos)
      << store.error().message();
  RawDb raw(path);
  EXPECT_EQ(raw.Int("PRAGMA user_version"), newer);
}

TEST(MigrationsTest, FailedMigrationLeavesTheFileAtItsPreviousVersion) {
  auto dir = core::TempDir::Create("galaos-migrate-");
  ASSERT_TRUE(dir);
  const auto path = dir->path() / "state.db";
  ASSERT_OK(MigrateSqliteTo(path, 2));
  {
    RawDb raw(path);
    // Migration 3 creates `schedules` and then `backups`; make the second one fail.
    ASSERT_EQ(raw.Exec("CREATE TABLE backups (x)"), "");
  }
  core::TestClock clock(kStart);
  auto store = OpenSqliteStore(path, clock);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message().find("schema migration 3"), std::string::npos)
      << store.error().message();
  RawDb raw(path);
  EXPECT_EQ(raw.Int("PRAGMA user_version"), 2);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM sqlite_master WHERE name = 'schedules'"), 0);
}

TEST(MigrationsTest, FileThatIsNotADatabaseIsReportedCorrupt) {
  auto dir = core::TempDir::Create("galaos-migrate-");
  ASSERT_TRUE(dir);
  const auto path = dir->path() / "state.db";
  std::ofstream(path) << std::string(4096, 'z');
  core::TestClock clock(kStart);
  auto store = OpenSqliteStore(path, clock);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), ErrorCode::kCorrupt) << store.error().message();
  EXPECT_NE(store.error().message().find(path.string()), std::string::npos)
      << store.error().message();
}

TEST(MigrationsTest, MigrateToRefusesAnUnknownVersion) {
  auto dir = core::TempDir::Create("galaos-migrate-");
  ASSERT_TRUE(dir);
  EXPECT_ERROR_CODE(MigrateSqliteTo(dir->path() / "a.db", kSqliteSchemaVersion + 1),
                    ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace galaos::store::testing
