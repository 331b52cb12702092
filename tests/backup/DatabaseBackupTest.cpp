// Database backups against real databases: a SQLite file with a writer connection open, and
// a throw-away PostgreSQL 15 cluster (tests/support/TestServices).
#include <gtest/gtest.h>

#include <string>

#include "BackupTestSupport.h"
#include "core/Process.h"
#include "support/TestServices.h"

namespace galaos::backup::testing {
namespace {

using galaos::testing::kPostgresPassword;
using galaos::testing::PostgresServer;

class SqliteBackupTest : public BackupTest {
 protected:
  void SetUp() override {
    BackupTest::SetUp();
    WriteApp("package.json", "{}");
    db_path_ = App("data/app.db");
    fs::create_directories(db_path_.parent_path());
  }

  BackupRequest RequestWithDatabase() const {
    BackupRequest request = Request();
    request.database_url = "sqlite:data/app.db";
    return request;
  }

  fs::path db_path_;
};

TEST_F(SqliteBackupTest, OnlineBackupCopiesCommittedDataWhileAWriterIsOpen) {
  SqliteDb writer(db_path_);
  writer.Exec("PRAGMA journal_mode=WAL");
  // Committed rows stay in the -wal file: a raw copy of app.db would not contain them.
  writer.Exec("PRAGMA wal_autocheckpoint=0");
  writer.Exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
  writer.Exec(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
      "INSERT INTO items (name) SELECT 'item-' || i FROM n");
  // A write transaction in progress during the backup.
  writer.Exec("BEGIN IMMEDIATE");
  writer.Exec("INSERT INTO items (name) VALUES ('uncommitted')");

  const store::BackupRecord record = CreateOrFail(RequestWithDatabase());
  writer.Exec("COMMIT");

  ASSERT_OK_AND_ASSIGN(const Manifest manifest, backups_->Verify(record.id));
  ASSERT_TRUE(manifest.database.has_value());
  EXPECT_EQ(manifest.database->kind, DatabaseKind::kSqlite);
  EXPECT_EQ(manifest.database->file, "database.sqlite");
  EXPECT_EQ(manifest.database->source, fs::weakly_canonical(db_path_).string());
  const fs::path copy = fs::path(record.path) / "database.sqlite";
  EXPECT_EQ(ModeOf(copy), 0600u);
  {
    SqliteDb backup(copy, SQLITE_OPEN_READONLY);
    EXPECT_EQ(backup.Text("SELECT count(*) FROM items"), "100");
    EXPECT_EQ(backup.Text("PRAGMA journal_mode"), "delete");
    EXPECT_EQ(backup.Text("PRAGMA integrity_check"), "ok");
  }
  // Opening the copy read-only left no side files that would break Verify or the 0600 rule.
  EXPECT_FALSE(fs::exists(copy.string() + "-wal"));
  EXPECT_FALSE(fs::exists(copy.string() + "-journal"));
  ASSERT_OK(backups_->Verify(record.id));
}

TEST_F(SqliteBackupTest, RestoreWritesIntoTheLiveDatabaseSoOpenConnectionsSeeIt) {
  SqliteDb app(db_path_);
  app.Exec("PRAGMA journal_mode=WAL");
  app.Exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
  app.Exec("INSERT INTO items (name) VALUES ('a'), ('b'), ('c')");
  const store::BackupRecord record = CreateOrFail(RequestWithDatabase());

  // A "migration" changes data and schema after the backup.
  app.Exec("DELETE FROM items WHERE name = 'a'");
  app.Exec("ALTER TABLE items ADD COLUMN price INTEGER");
  app.Exec("CREATE TABLE added_by_migration (x)");
  EXPECT_EQ(app.Text("SELECT count(*) FROM items"), "2");

  RestoreOptions options = RestoreFiles();
  options.restore_files = false;
  options.restore_database = true;
  options.database_url = "file:data/app.db";
  ASSERT_OK_AND_ASSIGN(const RestoreReport report, backups_->Restore(record.id, options));
  EXPECT_TRUE(report.database_restored);
  EXPECT_TRUE(report.restored.empty());

  // The connection that stayed open sees the restored database.
  EXPECT_EQ(app.Text("SELECT group_concat(name, ',') FROM items ORDER BY id"), "a,b,c");
  EXPECT_EQ(app.Text("SELECT count(*) FROM pragma_table_info('items') WHERE name = 'price'"), "0");
  EXPECT_EQ(app.Text("SELECT count(*) FROM sqlite_master WHERE name = 'added_by_migration'"), "0");
  EXPECT_EQ(app.Text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(app.Text("PRAGMA integrity_check"), "ok");
}

TEST_F(SqliteBackupTest, DatabaseRestoreIsRefusedWhenKindsDifferOrTheBackupHasNone) {
  SqliteDb app(db_path_);
  app.Exec("CREATE TABLE items (id INTEGER)");
  const store::BackupRecord with_db = CreateOrFail(RequestWithDatabase());
  const store::BackupRecord without_db = CreateOrFail(Request());

  RestoreOptions options = RestoreFiles();
  options.restore_database = true;
  options.database_url = "postgresql://app:hunter2@127.0.0.1:1/app";
  auto mismatch = backups_->Restore(with_db.id, options);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(mismatch.error().message().find("holds a sqlite database"), std::string::npos)
      << mismatch.error().message();
  EXPECT_EQ(mismatch.error().message().find("hunter2"), std::string::npos);

  options.database_url = "sqlite:data/app.db";
  auto none = backups_->Restore(without_db.id, options);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("holds no database dump"), std::string::npos);
}

// Each test starts its own throw-away cluster.
class PostgresBackupTest : public BackupTest {};

// psql against the test cluster; the password goes through the environment.
std::string Psql(const PostgresServer& server, const std::string& sql) {
  core::ProcessOptions options;
  options.argv = {
      "psql",
      "--no-psqlrc",
      "-At",
      "-v",
      "ON_ERROR_STOP=1",
      "--dbname=postgresql://postgres@127.0.0.1:" + std::to_string(server.port) + "/postgres",
      "-c",
      sql};
  options.environment["PGPASSWORD"] = std::string(kPostgresPassword);
  options.timeout = std::chrono::seconds(60);
  auto result = core::RunChecked(std::move(options));
  if (!result) {
    ADD_FAILURE() << result.error().message();
    return {};
  }
  std::string out = result->stdout_tail;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

TEST_F(PostgresBackupTest, PostgresIsDumpedWithPgDumpAndRestoredWithPgRestore) {
  auto server = galaos::testing::StartPostgres();
  ASSERT_TRUE(server) << server.error().message();
  const PostgresServer& pg = **server;
  Psql(pg, "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)");
  Psql(pg, "INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')");
  WriteApp("package.json", "{}");

  BackupRequest request = Request();
  request.database_url = pg.Url();
  const store::BackupRecord record = CreateOrFail(request);
  ASSERT_OK_AND_ASSIGN(const Manifest manifest, backups_->Verify(record.id));
  ASSERT_TRUE(manifest.database.has_value());
  EXPECT_EQ(manifest.database->kind, DatabaseKind::kPostgres);
  EXPECT_EQ(manifest.database->file, "database.dump");
  EXPECT_EQ(manifest.database->source,
            "postgresql://postgres@127.0.0.1:" + std::to_string(pg.port) + "/postgres");
  const fs::path dump = fs::path(record.path) / "database.dump";
  EXPECT_EQ(ReadText(dump).substr(0, 5), "PGDMP");  // pg_dump's custom format
  EXPECT_EQ(ModeOf(dump), 0600u);
  EXPECT_EQ(ReadText(fs::path(record.path) / "manifest.json").find(kPostgresPassword),
            std::string::npos);
  EXPECT_EQ(record.manifest_json.find(kPostgresPassword), std::string::npos);

  // A failed migration: rows changed and deleted, then the table dropped and replaced.
  Psql(pg, "UPDATE items SET name = 'changed' WHERE id = 1");
  Psql(pg, "DELETE FROM items WHERE id = 2");
  Psql(pg, "DROP TABLE items");
  Psql(pg, "CREATE TABLE items (id int, broken bool)");

  RestoreOptions options = RestoreFiles();
  options.restore_files = false;
  options.restore_database = true;
  options.database_url = pg.Url();
  ASSERT_OK_AND_ASSIGN(const RestoreReport report, backups_->Restore(record.id, options));
  EXPECT_TRUE(report.database_restored);
  EXPECT_EQ(Psql(pg, "SELECT string_agg(id || ':' || name, ',' ORDER BY id) FROM items"),
            "1:one,2:two,3:three");

  // Restoring again over the restored database works too (--clean --if-exists).
  Psql(pg, "DELETE FROM items");
  ASSERT_OK(backups_->Restore(record.id, options));
  EXPECT_EQ(Psql(pg, "SELECT count(*) FROM items"), "3");
}

TEST_F(PostgresBackupTest, RestoreAfterAMigrationGivesExactlyTheDumpedSchemaNotAMerge) {
  auto server = galaos::testing::StartPostgres();
  ASSERT_TRUE(server) << server.error().message();
  const PostgresServer& pg = **server;
  Psql(pg, "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)");
  Psql(pg, "INSERT INTO items VALUES (1, 'one'), (2, 'two')");
  Psql(pg, "CREATE SCHEMA reports");
  Psql(pg, "CREATE TABLE reports.daily (day date)");
  WriteApp("package.json", "{}");
  BackupRequest request = Request();
  request.database_url = pg.Url();
  const store::BackupRecord record = CreateOrFail(request);

  // The migration of the next version: a column, a table, a schema, changed data.
  Psql(pg, "ALTER TABLE items ADD COLUMN price int");
  Psql(pg, "CREATE TABLE orders (id int, item int REFERENCES items)");
  Psql(pg, "CREATE SCHEMA audit");
  Psql(pg, "CREATE TABLE audit.log (line text)");
  Psql(pg, "UPDATE items SET name = 'changed', price = 3 WHERE id = 1");
  Psql(pg, "INSERT INTO items VALUES (3, 'three', 4)");

  RestoreOptions options = RestoreFiles();
  options.restore_files = false;
  options.restore_database = true;
  options.database_url = pg.Url();
  ASSERT_OK(backups_->Restore(record.id, options));

  const std::string user_tables =
      "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY 1) FROM "
      "information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')";
  EXPECT_EQ(Psql(pg, user_tables), "public.items,reports.daily");
  EXPECT_EQ(Psql(pg,
                 "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                 "information_schema.columns WHERE table_name = 'items'"),
            "id,name");
  EXPECT_EQ(Psql(pg, "SELECT count(*) FROM pg_namespace WHERE nspname = 'audit'"), "0");
  EXPECT_EQ(Psql(pg, "SELECT string_agg(id || ':' || name, ',' ORDER BY id) FROM items"),
            "1:one,2:two");
  // public is back as initdb makes it, so the next migration can create tables in it.
  EXPECT_EQ(Psql(pg, "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'public'"),
            "pg_database_owner");
  Psql(pg, "CREATE TABLE public.after_restore (x int)");
  // The scratch script is gone; only the backup and the lock are left.
  EXPECT_EQ(BackupDirEntries(), (std::vector<std::string>{".lock", record.id}));
}

TEST_F(PostgresBackupTest, FailedRestoreLeavesTheDatabaseAsItWas) {
  auto server = galaos::testing::StartPostgres();
  ASSERT_TRUE(server) << server.error().message();
  const PostgresServer& pg = **server;
  Psql(pg, "CREATE TABLE items (id int PRIMARY KEY)");
  Psql(pg, "INSERT INTO items VALUES (1)");
  WriteApp("package.json", "{}");
  BackupRequest request = Request();
  request.database_url = pg.Url();
  const store::BackupRecord record = CreateOrFail(request);
  Psql(pg, "CREATE TABLE added (x int)");
  // A role that may connect but owns nothing: dropping the schemas fails half-way.
  Psql(pg, "CREATE ROLE weak LOGIN PASSWORD 'weak-pw'");

  RestoreOptions options = RestoreFiles();
  options.restore_files = false;
  options.restore_database = true;
  options.database_url =
      "postgresql://weak:weak-pw@127.0.0.1:" + std::to_string(pg.port) + "/postgres";
  const auto restored = backups_->Restore(record.id, options);
  ASSERT_FALSE(restored);
  EXPECT_NE(restored.error().message().find("psql"), std::string::npos)
      << restored.error().message();
  EXPECT_EQ(restored.error().message().find("weak-pw"), std::string::npos);
  EXPECT_EQ(Psql(pg, "SELECT count(*) FROM pg_tables WHERE tablename IN ('items', 'added')"), "2");
  EXPECT_EQ(Psql(pg, "SELECT count(*) FROM items"), "1");
  EXPECT_EQ(BackupDirEntries(), (std::vector<std::string>{".lock", record.id}));
}

TEST_F(PostgresBackupTest, FailingPgDumpAbortsTheBackupWithoutShowingThePassword) {
  auto server = galaos::testing::StartPostgres();
  ASSERT_TRUE(server) << server.error().message();
  WriteApp("package.json", "{}");
  BackupRequest request = Request();
  request.database_url = (*server)->Url("wrong-s3cret-pw");
  auto created = backups_->Create(request);
  ASSERT_FALSE(created);
  EXPECT_TRUE(created.error().message().starts_with("backup aborted: pg_dump of "))
      << created.error().message();
  EXPECT_NE(created.error().message().find("password authentication failed"), std::string::npos)
      << created.error().message();
  EXPECT_EQ(created.error().message().find("wrong-s3cret-pw"), std::string::npos)
      << created.error().message();
  EXPECT_EQ(BackupDirEntries(), std::vector<std::string>{".lock"});
  ASSERT_OK_AND_ASSIGN(const auto listed, backups_->List());
  EXPECT_TRUE(listed.empty());
}

TEST_F(PostgresBackupTest, FullDiskDuringPgDumpAbortsTheBackupCleanly) {
  auto server = galaos::testing::StartPostgres();
  ASSERT_TRUE(server) << server.error().message();
  // About 1.6 MB of hashes, which pg_dump's compression cannot shrink below 256 KiB.
  Psql(**server,
       "CREATE TABLE noise AS SELECT md5(random()::text) AS h "
       "FROM generate_series(1, 50000)");
  TmpfsMount tmpfs(backup_dir_, "256k");
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << tmpfs.error();
  WriteApp("package.json", "{}");
  BackupRequest request = Request();
  request.database_url = (*server)->Url();
  auto created = backups_->Create(request);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code(), ErrorCode::kIo);
  EXPECT_TRUE(created.error().message().starts_with(
      "backup aborted: no space left on device while writing database.dump (pg_dump"))
      << created.error().message();
  EXPECT_EQ(BackupDirEntries(), std::vector<std::string>{".lock"});
  ASSERT_OK_AND_ASSIGN(const auto listed, backups_->List());
  EXPECT_TRUE(listed.empty());
}

}  // namespace
}  // namespace galaos::backup::testing
