#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "backup/DatabaseDump.h"
#include "backup/DatabaseUrl.h"

namespace galaos::backup {
namespace {

TEST(DatabaseUrlTest, PostgresPasswordIsTakenOutOfTheUrl) {
  auto target = ParseDatabaseUrl("postgresql://app:p%40ss%3Aw0rd@db.internal:5433/galaos", "/srv");
  ASSERT_TRUE(target) << target.error().message();
  EXPECT_EQ(target->kind, DatabaseKind::kPostgres);
  EXPECT_EQ(target->postgres_url, "postgresql://app@db.internal:5433/galaos");
  EXPECT_EQ(target->password, "p@ss:w0rd");
}

TEST(DatabaseUrlTest, PostgresPasswordQueryParameterIsTakenOutToo) {
  auto target =
      ParseDatabaseUrl("postgres://app@localhost/db?sslmode=disable&PASSWORD=s3cret&x=1", "/");
  ASSERT_TRUE(target) << target.error().message();
  EXPECT_EQ(target->postgres_url, "postgres://app@localhost/db?sslmode=disable&x=1");
  EXPECT_EQ(target->password, "s3cret");
}

TEST(DatabaseUrlTest, PostgresWithoutPasswordIsKeptAsIs) {
  auto target = ParseDatabaseUrl("postgres://localhost:5432/app", "/");
  ASSERT_TRUE(target) << target.error().message();
  EXPECT_EQ(target->postgres_url, "postgres://localhost:5432/app");
  EXPECT_EQ(target->password, "");
}

TEST(DatabaseUrlTest, SqliteUrlsAndPathsResolveAgainstTheAppRoot) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"sqlite:///var/lib/app/app.db", "/var/lib/app/app.db"},
      {"sqlite:/var/lib/app/app.db", "/var/lib/app/app.db"},
      {"sqlite:data/app.db", "/srv/app/data/app.db"},
      {"file:./prisma/dev.db?mode=rwc", "/srv/app/prisma/dev.db"},
      {"file://localhost/var/app.db", "/var/app.db"},
      {"file:///var/my%20app.db", "/var/my app.db"},
      {"data/app.db", "/srv/app/data/app.db"},
      {"/abs/app.db", "/abs/app.db"},
  };
  for (const auto& [url, path] : cases) {
    auto target = ParseDatabaseUrl(url, "/srv/app");
    ASSERT_TRUE(target) << url << ": " << target.error().message();
    EXPECT_EQ(target->kind, DatabaseKind::kSqlite) << url;
    EXPECT_EQ(target->sqlite_path, path) << url;
  }
}

TEST(DatabaseUrlTest, BadUrlsAreRejectedWithoutRepeatingThem) {
  for (const std::string url :
       {"mysql://root:hunter2@db/app", "sqlite://remote-host/app.db", "postgres:hunter2",
        "postgres://u:%zzhunter2@h/db", ":memory:", "sqlite::memory:"}) {
    auto target = ParseDatabaseUrl(url, "/srv/app");
    ASSERT_FALSE(target) << url;
    EXPECT_EQ(target.error().code(), ErrorCode::kInvalidArgument) << url;
    EXPECT_EQ(target.error().message().find("hunter2"), std::string::npos)
        << target.error().message();
  }
}

TEST(DatabaseUrlTest, PgDumpAndPsqlGetThePasswordOnlyInTheEnvironment) {
  auto target = ParseDatabaseUrl("postgresql://app:hunter2@127.0.0.1:5432/galaos", "/");
  ASSERT_TRUE(target) << target.error().message();
  BackupStoreOptions options;
  for (const core::ProcessOptions& command :
       {detail::PgDumpCommand(*target, "/b/database.dump", options),
        detail::PsqlRestoreCommand(*target, "/b/restore.sql", options)}) {
    for (const std::string& arg : command.argv) {
      EXPECT_EQ(arg.find("hunter2"), std::string::npos) << arg;
    }
    EXPECT_NE(std::find(command.argv.begin(), command.argv.end(),
                        "--dbname=postgresql://app@127.0.0.1:5432/galaos"),
              command.argv.end());
    EXPECT_NE(std::find(command.argv.begin(), command.argv.end(), "--no-password"),
              command.argv.end());
    EXPECT_EQ(command.environment.at("PGPASSWORD"), "hunter2");
    EXPECT_GT(command.timeout.count(), 0);
  }
}

}  // namespace
}  // namespace galaos::backup
