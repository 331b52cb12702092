#include <gtest/gtest.h>

#include "service/Services.h"
#include "support/Assertions.h"

namespace galaos::service {
namespace {

std::vector<std::string> Names(const std::vector<health::CheckSpec>& specs) {
  std::vector<std::string> names;
  for (const health::CheckSpec& spec : specs) names.push_back(spec.name);
  return names;
}

TEST(HealthChecks, ConfiguredChecksComeFirstThenTheBuiltInsThatAreConfigured) {
  config::Config config;
  config.app.root = "/srv/app";
  config.app.api_url = "http://127.0.0.1:3000/health";
  config.app.database_url = "file:data/app.db";
  config.app.redis_url = "redis://127.0.0.1:6379";
  config.docker.enabled = false;
  config.health.checks.push_back(
      {.name = "workers", .timeout = std::nullopt, .spec = config::CommandCheck{.argv = {"true"}}});
  ASSERT_OK_AND_ASSIGN(std::vector<health::CheckSpec> specs, HealthChecks(config));
  EXPECT_EQ(Names(specs), (std::vector<std::string>{"workers", "api", "database", "redis"}));
  auto* sqlite = std::get_if<health::SqliteCheck>(&specs[2].target);
  ASSERT_NE(sqlite, nullptr);
  EXPECT_EQ(sqlite->path, "/srv/app/data/app.db");
  auto* command = std::get_if<health::CommandCheck>(&specs[0].target);
  ASSERT_NE(command, nullptr);
  EXPECT_EQ(command->cwd, "/srv/app");
  EXPECT_EQ(specs[0].timeout, config.health.timeout);
}

TEST(HealthChecks, ADockerHostOnASocketThatDoesNotExistIsNotChecked) {
  config::Config config;
  config.docker.host = "unix:///nonexistent/docker.sock";
  ASSERT_OK_AND_ASSIGN(std::vector<health::CheckSpec> specs, HealthChecks(config));
  EXPECT_TRUE(specs.empty());
  config.docker.host = "tcp://127.0.0.1:2375";
  ASSERT_OK_AND_ASSIGN(specs, HealthChecks(config));
  EXPECT_EQ(Names(specs), (std::vector<std::string>{"docker"}));
}

TEST(HealthChecks, AnUnreadableDatabaseUrlIsInvalid) {
  config::Config config;
  config.docker.enabled = false;
  config.app.database_url = "mysql://db/app";
  EXPECT_ERROR_CODE(HealthChecks(config), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace galaos::service
