// `config show`: the effective configuration as TOML and JSON, never with a secret in it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ConfigTestSupport.h"

namespace galaos::config {
namespace {

using namespace std::chrono_literals;
using testing::ConfigTest;
using ::testing::HasSubstr;
using ::testing::Not;

class ConfigShowTest : public ConfigTest {};

const char* const kSecretsToml = R"(
[app]
database_url = "postgres://app:db-password@127.0.0.1:5432/app?sslmode=disable&password=qp-secret"
redis_url = "redis://:redis-password@127.0.0.1:6379"
[state]
store = "postgres"
store_url = "postgresql://updater:store-password@db.internal/updater"
[git]
remote = "https://deploy:git-token@git.example.com/galaos.git"
[github]
repo = "galaos/core"
token = "ghp_github-token"
[notify.webhook]
url = "https://hooks.example.com/x"
secret = "webhook-secret"
[notify.slack]
webhook_url = "https://hooks.slack.com/services/T0/B0/slack-token"
[notify.email]
smtp_url = "smtps://mailer:smtp-url-password@mail.example.com"
username = "mailer"
password = "smtp-password"
from = "updater@example.com"
to = ["ops@example.com"]
[api]
jwt_enabled = true
jwt_secret = "Rk9fJwt-0123456789abcdef0123456789abcdef"
[[health.checks]]
name = "analytics"
type = "postgres"
url = "postgres://ro:check-password@127.0.0.1/analytics"
[[health.checks]]
name = "jobs"
type = "worker_queue"
redis_url = "redis://:queue-password@127.0.0.1:6379"
queue = "emails"
)";

const std::vector<std::string> kSecrets = {
    "db-password",      "qp-secret",      "redis-password", "store-password",    "git-token",
    "ghp_github-token", "webhook-secret", "slack-token",    "smtp-url-password", "smtp-password",
    "Rk9fJwt",          "check-password", "queue-password"};

TEST_F(ConfigShowTest, SecretsAreRedactedInTomlAndJson) {
  Config config = LoadToml(kSecretsToml);
  for (const std::string& text : {ShowToml(config), ShowJson(config)}) {
    for (const std::string& secret : kSecrets) EXPECT_THAT(text, Not(HasSubstr(secret)));
    EXPECT_THAT(text,
                HasSubstr("postgres://app:***@127.0.0.1:5432/app?sslmode=disable&password=***"));
    EXPECT_THAT(text, HasSubstr("redis://:***@127.0.0.1:6379"));
    EXPECT_THAT(text, HasSubstr("https://deploy:***@git.example.com/galaos.git"));
    EXPECT_THAT(text, HasSubstr("postgres://ro:***@127.0.0.1/analytics"));
    EXPECT_THAT(text, HasSubstr("mailer"));  // user names are not secrets
  }
  nlohmann::json json = nlohmann::json::parse(ShowJson(config));
  EXPECT_EQ(json["github"]["token"], "***");
  EXPECT_EQ(json["notify"]["webhook"]["secret"], "***");
  EXPECT_EQ(json["notify"]["slack"]["webhook_url"], "***");
  EXPECT_EQ(json["notify"]["email"]["password"], "***");
  EXPECT_EQ(json["api"]["jwt_secret"], "***");
}

TEST_F(ConfigShowTest, UnsetSecretsShowAsEmptyNotAsRedacted) {
  nlohmann::json json = nlohmann::json::parse(ShowJson(Load(Options()).value()));
  EXPECT_EQ(json["github"]["token"], "");
  EXPECT_EQ(json["api"]["jwt_secret"], "");
}

TEST_F(ConfigShowTest, JsonHasOneObjectPerSectionWithTypedValues) {
  Config config = LoadToml(R"(
[health]
timeout = "2s"
[[health.checks]]
name = "web"
type = "http"
url = "http://127.0.0.1:3000/health"
)");
  nlohmann::json json = nlohmann::json::parse(ShowJson(config));
  EXPECT_EQ(json["git"]["branch"], "main");
  EXPECT_EQ(json["backup"]["retention"], 5);
  EXPECT_EQ(json["schedule"]["auto_update"], true);
  EXPECT_EQ(json["health"]["timeout"], "2s");
  EXPECT_EQ(json["api"]["listen"], "127.0.0.1:7780");
  EXPECT_EQ(json["health"]["checks"][0], (nlohmann::json{{"name", "web"},
                                                         {"type", "http"},
                                                         {"url", "http://127.0.0.1:3000/health"},
                                                         {"expected_status", 200},
                                                         {"body_contains", ""}}));
}

TEST_F(ConfigShowTest, ShownTomlLoadsBackIntoTheSameConfig) {
  Config original = LoadToml(R"(
[app]
root = "/srv/app"
api_url = "http://127.0.0.1:3000/health"
[git]
branch = "release/2.x"
[update]
follow = "branch"
version_source = "git-describe"
min_release_age = "1d12h"
[commands]
package_manager = "pnpm"
restart = ["systemctl", "restart", "galaos"]
[backup]
critical_files = ["package.json", "quote\"and\\backslash"]
[docker]
compose_files = ["docker-compose.yml"]
monitor_only = ["db"]
tag_policy = "patch"
[schedule]
maintenance_window = "Sat,Sun 02:00-05:00 Europe/Berlin"
[api]
listen = "[::1]:8080"
[log]
format = "json"
[[health.checks]]
name = "web"
type = "http"
url = "http://127.0.0.1:3000/health"
timeout = "1500ms"
[[health.checks]]
name = "port"
type = "tcp"
address = "127.0.0.1:5432"
[[health.checks]]
name = "engine"
type = "docker"
)");
  std::string shown = ShowToml(original);
  Expected<Config> reloaded = Load(Options({}, {}, Write("shown.toml", shown)));
  ASSERT_TRUE(reloaded.has_value()) << reloaded.error().message() << "\n" << shown;
  EXPECT_EQ(*reloaded, original) << shown;
  EXPECT_EQ(reloaded->health.checks[0].timeout, 1500ms);
}

TEST_F(ConfigShowTest, TomlListsSectionsInSchemaOrder) {
  std::string shown = ShowToml(Load(Options()).value());
  std::size_t app = shown.find("\n[app]\n");
  std::size_t git = shown.find("\n[git]\n");
  std::size_t webhook = shown.find("\n[notify.webhook]\n");
  std::size_t log = shown.find("\n[log]\n");
  ASSERT_NE(app, std::string::npos);
  EXPECT_LT(app, git);
  EXPECT_LT(git, webhook);
  EXPECT_LT(webhook, log);
  EXPECT_THAT(shown, HasSubstr("\nbranch = \"main\"\n"));
  EXPECT_THAT(shown, HasSubstr("\nchecks = []\n"));
}

}  // namespace
}  // namespace galaos::config
