#include <gtest/gtest.h>

#include "health/CheckSpec.h"
#include "health/Endpoints.h"

namespace galaos::health {
namespace {

using namespace std::chrono_literals;

CheckSpec Spec(CheckTarget target, std::string name = "api") {
  return CheckSpec{.name = std::move(name), .timeout = 1s, .target = std::move(target)};
}

TEST(CheckKindTest, NamesRoundTripForEveryKind) {
  for (int i = 0; i < static_cast<int>(std::variant_size_v<CheckTarget>); ++i) {
    const auto kind = static_cast<CheckKind>(i);
    const auto parsed = ParseCheckKind(CheckKindName(kind));
    ASSERT_TRUE(parsed.has_value()) << CheckKindName(kind);
    EXPECT_EQ(*parsed, kind);
  }
  EXPECT_EQ(CheckKindName(CheckKind::kWorkerQueue), "worker_queue");
  EXPECT_EQ(ParseCheckKind("smtp").error().code(), ErrorCode::kInvalidArgument);
}

TEST(CheckSpecTest, KindFollowsTheTarget) {
  EXPECT_EQ(Spec(SqliteCheck{.path = "/x.db"}).kind(), CheckKind::kSqlite);
  EXPECT_EQ(Spec(CommandCheck{.argv = {"true"}, .cwd = {}}).kind(), CheckKind::kCommand);
}

TEST(CheckSpecTest, AcceptsWellFormedSpecsOfEveryKind) {
  const std::vector<CheckSpec> specs = {
      Spec(HttpCheck{.url = "http://127.0.0.1:4000/health"}, "api"),
      Spec(TcpCheck{.host = "db", .port = 5432}, "tcp"),
      Spec(PostgresCheck{.url = "postgresql://app:pw@db/galaos"}, "database"),
      Spec(RedisCheck{.url = "redis://:pw@cache:6379/2"}, "redis"),
      Spec(DockerCheck{}, "docker"),
      Spec(SqliteCheck{.path = "/var/lib/app.db"}, "sqlite"),
      Spec(WorkerQueueCheck{.redis_url = "redis://cache", .queue = "emails"}, "workers"),
      Spec(CommandCheck{.argv = {"/bin/true"}, .cwd = {}}, "command"),
  };
  EXPECT_TRUE(ValidateAll(specs).has_value()) << ValidateAll(specs).error().message();
}

TEST(CheckSpecTest, RejectsBadFieldsNamingTheCheck) {
  const std::vector<CheckSpec> bad = {
      Spec(HttpCheck{.url = "ftp://host/"}),
      Spec(HttpCheck{.url = "http://host/", .min_status = 300, .max_status = 200}),
      Spec(TcpCheck{.host = "db", .port = 70000}),
      Spec(TcpCheck{.host = "", .port = 80}),
      Spec(RedisCheck{.url = "http://cache"}),
      Spec(DockerCheck{.endpoint = "ssh://host"}),
      Spec(SqliteCheck{}),
      Spec(WorkerQueueCheck{.redis_url = "redis://cache", .queue = "a:b"}),
      Spec(WorkerQueueCheck{.redis_url = "redis://cache", .queue = "q", .max_waiting = -1}),
      Spec(CommandCheck{}),
  };
  for (const auto& spec : bad) {
    const Status status = Validate(spec);
    ASSERT_FALSE(status.has_value()) << CheckKindName(spec.kind());
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(status.error().message().find("\"api\""), std::string::npos)
        << status.error().message();
  }
}

TEST(CheckSpecTest, RejectsBadNamesAndTimeouts) {
  EXPECT_FALSE(Validate(Spec(CommandCheck{.argv = {"true"}, .cwd = {}}, "")).has_value());
  EXPECT_FALSE(Validate(Spec(CommandCheck{.argv = {"true"}, .cwd = {}}, "a b")).has_value());
  CheckSpec spec = Spec(CommandCheck{.argv = {"true"}, .cwd = {}});
  spec.timeout = 0ms;
  EXPECT_FALSE(Validate(spec).has_value());
}

TEST(CheckSpecTest, ValidateAllRejectsDuplicateNames) {
  const std::vector<CheckSpec> specs = {Spec(CommandCheck{.argv = {"true"}, .cwd = {}}, "x"),
                                        Spec(CommandCheck{.argv = {"false"}, .cwd = {}}, "x")};
  const Status status = ValidateAll(specs);
  ASSERT_FALSE(status.has_value());
  EXPECT_NE(status.error().message().find("used twice"), std::string::npos);
}

TEST(CheckSpecTest, ValidationErrorsNeverShowAPassword) {
  const Status status = Validate(Spec(RedisCheck{.url = "redis://:hunter2@cache/notanumber"}));
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().message().find("hunter2"), std::string::npos)
      << status.error().message();
}

TEST(RedisUrlTest, ParsesHostPortCredentialsAndDatabase) {
  const auto endpoint = detail::ParseRedisUrl("redis://app:p%40ss@cache:6380/3");
  ASSERT_TRUE(endpoint.has_value()) << endpoint.error().message();
  EXPECT_EQ(endpoint->host, "cache");
  EXPECT_EQ(endpoint->port, 6380);
  EXPECT_EQ(endpoint->user, "app");
  EXPECT_EQ(endpoint->password, "p@ss");
  EXPECT_EQ(endpoint->db, 3);
  EXPECT_EQ(endpoint->Display(), "cache:6380/3");
}

TEST(RedisUrlTest, DefaultsAndPasswordOnlyForm) {
  const auto endpoint = detail::ParseRedisUrl("redis://:secret@[::1]");
  ASSERT_TRUE(endpoint.has_value()) << endpoint.error().message();
  EXPECT_EQ(endpoint->host, "::1");
  EXPECT_EQ(endpoint->port, 6379);
  EXPECT_EQ(endpoint->user, "");
  EXPECT_EQ(endpoint->password, "secret");
  EXPECT_EQ(endpoint->db, 0);
  EXPECT_EQ(detail::ParseRedisUrl("redis://")->host, "localhost");
}

TEST(RedisUrlTest, RejectsTlsQueriesAndBadPorts) {
  for (const char* url : {"rediss://cache:6379", "redis://cache:0", "redis://cache:6379/x",
                          "redis://cache?db=1", "redis://:%zz@cache"}) {
    EXPECT_FALSE(detail::ParseRedisUrl(url).has_value()) << url;
  }
}

}  // namespace
}  // namespace galaos::health
