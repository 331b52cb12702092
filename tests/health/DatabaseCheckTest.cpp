// postgres checks against a throw-away PostgreSQL 15 cluster; sqlite checks on real files.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "RunCheck.h"
#include "core/TempDir.h"
#include "support/TestServices.h"

namespace galaos::health {
namespace {

using namespace std::chrono_literals;
using testing::ErrorOf;
using testing::MakeSpec;
using testing::RunCheck;

class PostgresCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    postgres_ = testing::SharedPostgres();
    ASSERT_NE(postgres_, nullptr);
  }
  testing::PostgresServer* postgres_ = nullptr;
};

TEST_F(PostgresCheckTest, RightPasswordIsHealthy) {
  const CheckResult result = RunCheck(MakeSpec(PostgresCheck{.url = postgres_->Url()}));
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_TRUE(result.message.starts_with("PostgreSQL 15.")) << result.message;
  EXPECT_EQ(result.kind, CheckKind::kPostgres);
}

TEST_F(PostgresCheckTest, KeywordConninfoIsAcceptedToo) {
  const std::string conninfo =
      "host=127.0.0.1 port=" + std::to_string(postgres_->port) +
      " user=postgres dbname=postgres password=" + std::string(testing::kPostgresPassword);
  const CheckResult result = RunCheck(MakeSpec(PostgresCheck{.url = conninfo}));
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
}

TEST_F(PostgresCheckTest, WrongPasswordIsUnhealthyAndNotShown) {
  const CheckResult result =
      RunCheck(MakeSpec(PostgresCheck{.url = postgres_->Url("Wr0ngPassw0rd")}));
  ASSERT_FALSE(result.healthy);
  EXPECT_NE(ErrorOf(result).find("password authentication failed"), std::string::npos)
      << ErrorOf(result);
  EXPECT_EQ(ErrorOf(result).find("Wr0ngPassw0rd"), std::string::npos) << ErrorOf(result);
}

TEST_F(PostgresCheckTest, UnknownDatabaseIsUnhealthy) {
  const std::string url = "postgresql://postgres:" + std::string(testing::kPostgresPassword) +
                          "@127.0.0.1:" + std::to_string(postgres_->port) + "/nosuchdb";
  const CheckResult result = RunCheck(MakeSpec(PostgresCheck{.url = url}));
  ASSERT_FALSE(result.healthy);
  EXPECT_NE(ErrorOf(result).find("\"nosuchdb\" does not exist"), std::string::npos)
      << ErrorOf(result);
}

TEST(PostgresCheckNoServerTest, WrongPortIsUnavailable) {
  const std::string url =
      "postgresql://postgres:pw@127.0.0.1:" + std::to_string(testing::FreePort()) + "/postgres";
  const CheckResult result = RunCheck(MakeSpec(PostgresCheck{.url = url}));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kUnavailable) << ErrorOf(result);
  EXPECT_NE(ErrorOf(result).find("Connection refused"), std::string::npos) << ErrorOf(result);
}

TEST(PostgresCheckNoServerTest, SilentServerTimesOutAtTheCheckTimeout) {
  // libpq's own connect_timeout cannot go below 2 s; the check's 300 ms must still hold.
  testing::SilentListener silent;
  const std::string url =
      "postgresql://postgres:pw@127.0.0.1:" + std::to_string(silent.port()) + "/postgres";
  const CheckResult result = RunCheck(MakeSpec(PostgresCheck{.url = url}, 300ms));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kTimeout) << ErrorOf(result);
  EXPECT_GE(result.duration, 250ms);
  EXPECT_LT(result.duration, 1900ms);
}

class SqliteCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = core::TempDir::Create("galaos-health-sqlite-");
    ASSERT_TRUE(dir.has_value());
    dir_ = std::make_unique<core::TempDir>(std::move(*dir));
  }

  // A database with a table, an index and enough rows to span many pages.
  std::filesystem::path MakeDatabase() const {
    const auto path = dir_->path() / "app.db";
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db,
                           "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT);"
                           "CREATE INDEX items_name ON items(name);"
                           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                           "WHERE i < 2000) INSERT INTO items(name) "
                           "SELECT printf('item-%08d-%s', i, hex(randomblob(20))) FROM n;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    return path;
  }

  static std::string Contents(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::unique_ptr<core::TempDir> dir_;
};

TEST_F(SqliteCheckTest, IntactDatabaseIsHealthyAndLeftUntouched) {
  const auto path = MakeDatabase();
  const std::string before = Contents(path);
  const CheckResult result = RunCheck(MakeSpec(SqliteCheck{.path = path}));
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_EQ(result.message, "quick_check ok");
  EXPECT_EQ(Contents(path), before);
}

TEST_F(SqliteCheckTest, MissingFileIsNotFound) {
  const CheckResult result = RunCheck(MakeSpec(SqliteCheck{.path = dir_->path() / "none.db"}));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_->path() / "none.db"));  // not created either
}

TEST_F(SqliteCheckTest, FileThatIsNoDatabaseIsCorrupt) {
  const auto path = dir_->path() / "notes.txt";
  std::ofstream(path) << std::string(8192, 'x');
  const CheckResult result = RunCheck(MakeSpec(SqliteCheck{.path = path}));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kCorrupt) << ErrorOf(result);
}

TEST_F(SqliteCheckTest, DamagedPagesAreCorrupt) {
  const auto path = MakeDatabase();
  {
    std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(4096 * 3);  // page 4 onwards: table and index b-tree pages
    const std::string garbage(4096 * 4, '\xA5');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  const CheckResult result = RunCheck(MakeSpec(SqliteCheck{.path = path}));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kCorrupt) << ErrorOf(result);
}

}  // namespace
}  // namespace galaos::health
