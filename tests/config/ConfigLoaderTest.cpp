// Loading: defaults, the file, the environment and --set, in that order of precedence.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "ConfigTestSupport.h"

namespace galaos::config {
namespace {

using namespace std::chrono_literals;
using testing::ConfigTest;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Variables;

class ConfigLoaderTest : public ConfigTest {};

TEST_F(ConfigLoaderTest, DefaultsApplyWhenNothingIsConfigured) {
  Expected<Config> loaded = Load(Options());
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  const Config& config = *loaded;

  EXPECT_EQ(config.app.root, dir());
  EXPECT_EQ(config.state.dir, "/var/lib/galaos-updater");
  EXPECT_EQ(config.state.store, StoreKind::kSqlite);
  EXPECT_EQ(config.backup.dir, "/var/lib/galaos-updater/backups");
  // The original design's defaults.
  EXPECT_EQ(config.git.branch, "main");
  EXPECT_TRUE(config.schedule.auto_update);
  EXPECT_EQ(config.schedule.check_cron, "0 2 * * *");
  EXPECT_EQ(config.backup.retention, 5);
  EXPECT_EQ(config.docker.host, "unix:///var/run/docker.sock");
  // Secure and conservative by default.
  EXPECT_EQ(config.api.listen, (HostPort{"127.0.0.1", 7780}));
  EXPECT_EQ(config.update.policy, UpdatePolicy::kMinor);
  EXPECT_FALSE(config.update.allow_downgrade);
  EXPECT_EQ(config.update.follow, FollowMode::kTags);
  EXPECT_TRUE(config.commands.install.empty());
  EXPECT_EQ(config.log.format, core::LogFormat::kText);
}

TEST_F(ConfigLoaderTest, DefaultCriticalFilesCoverManifestLockfilesEnvAndNestedComposeFiles) {
  const std::vector<std::string>& globs = BackupConfig{}.critical_files;
  for (const char* expected :
       {"package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
        "bun.lockb", "bun.lock", "**/.env*", "**/docker-compose*.yml", "**/compose*.yaml"}) {
    EXPECT_THAT(globs, Contains(expected));
  }
}

TEST_F(ConfigLoaderTest, FileOverridesDefaults) {
  Config config = LoadToml(R"(
[git]
remote = "https://git.example.com/galaos.git"
branch = "release"

[update]
policy = "major"
min_release_age = "2d"

[backup]
retention = 12
critical_files = ["package.json", "apps/**/.env"]

[commands]
install = ["pnpm", "install", "--frozen-lockfile"]

[health]
grace_period = "1m30s"

[api]
listen = "[::1]:9000"
)");
  EXPECT_EQ(config.git.remote, "https://git.example.com/galaos.git");
  EXPECT_EQ(config.git.branch, "release");
  EXPECT_EQ(config.update.policy, UpdatePolicy::kMajor);
  EXPECT_EQ(config.update.min_release_age, 48h);
  EXPECT_EQ(config.backup.retention, 12);
  EXPECT_THAT(config.backup.critical_files, ElementsAre("package.json", "apps/**/.env"));
  EXPECT_THAT(config.commands.install, ElementsAre("pnpm", "install", "--frozen-lockfile"));
  EXPECT_EQ(config.health.grace_period, 90s);
  EXPECT_EQ(config.api.listen, (HostPort{"::1", 9000}));
  EXPECT_EQ(config.state.dir, "/var/lib/galaos-updater");  // untouched keys keep defaults
}

TEST_F(ConfigLoaderTest, EnvironmentOverridesFileAndSetOverridesEnvironment) {
  const char* toml = "[git]\nbranch = \"from-file\"\n";
  EXPECT_EQ(LoadToml(toml).git.branch, "from-file");
  EXPECT_EQ(LoadToml(toml, {{"UPDATE_BRANCH", "from-env"}}).git.branch, "from-env");
  EXPECT_EQ(LoadToml(toml, {{"UPDATE_BRANCH", "from-env"}}, {"git.branch=from-set"}).git.branch,
            "from-set");
}

TEST_F(ConfigLoaderTest, LaterSetOverridesEarlierSet) {
  Config config = LoadToml("", {}, {"backup.retention=3", "backup.retention=4"});
  EXPECT_EQ(config.backup.retention, 4);
}

TEST_F(ConfigLoaderTest, EmptyEnvironmentVariableCountsAsUnset) {
  Config config = LoadToml("[git]\nbranch = \"from-file\"\n", {{"UPDATE_BRANCH", ""}});
  EXPECT_EQ(config.git.branch, "from-file");
}

struct EnvironmentCase {
  const char* variable;
  const char* value;
  std::function<bool(const Config&)> applied;
};

TEST_F(ConfigLoaderTest, EveryDocumentedEnvironmentVariableIsHonoured) {
  const std::vector<EnvironmentCase> cases = {
      {"GITHUB_REPO", "galaos/core",
       [](const Config& c) { return c.github.repo == "galaos/core"; }},
      {"GITHUB_TOKEN", "ghp_secret",
       [](const Config& c) { return c.github.token == "ghp_secret"; }},
      {"UPDATE_BRANCH", "develop", [](const Config& c) { return c.git.branch == "develop"; }},
      {"AUTO_UPDATE_ENABLED", "false", [](const Config& c) { return !c.schedule.auto_update; }},
      {"UPDATE_CHECK_SCHEDULE", "*/30 * * * *",
       [](const Config& c) { return c.schedule.check_cron == "*/30 * * * *"; }},
      {"BACKUP_RETENTION_COUNT", "9", [](const Config& c) { return c.backup.retention == 9; }},
      {"API_URL", "http://127.0.0.1:3000/health",
       [](const Config& c) { return c.app.api_url == "http://127.0.0.1:3000/health"; }},
      {"DATABASE_URL", "postgresql://app:pw@127.0.0.1:5432/app",
       [](const Config& c) {
         return c.app.database_url == "postgresql://app:pw@127.0.0.1:5432/app";
       }},
      {"REDIS_URL", "redis://127.0.0.1:6379/0",
       [](const Config& c) { return c.app.redis_url == "redis://127.0.0.1:6379/0"; }},
      {"DOCKER_HOST", "tcp://127.0.0.1:2375",
       [](const Config& c) { return c.docker.host == "tcp://127.0.0.1:2375"; }},
      {"GALAOS_UPDATER_APP_ROOT", "/srv/galaos",
       [](const Config& c) { return c.app.root == "/srv/galaos"; }},
      {"GALAOS_UPDATER_STATE_DIR", "/srv/state",
       [](const Config& c) {
         return c.state.dir == "/srv/state" && c.backup.dir == "/srv/state/backups";
       }},
      {"GALAOS_UPDATER_LOG_FORMAT", "json",
       [](const Config& c) { return c.log.format == core::LogFormat::kJson; }},
      {"GALAOS_UPDATER_LOG_LEVEL", "debug",
       [](const Config& c) { return c.log.level == core::LogLevel::kDebug; }},
  };
  for (const EnvironmentCase& test : cases) {
    Expected<Config> loaded = Load(Options({{test.variable, test.value}}));
    ASSERT_TRUE(loaded.has_value()) << test.variable << ": " << loaded.error().message();
    EXPECT_TRUE(test.applied(*loaded)) << test.variable << "=" << test.value;
    // Each case proves something: the default differs from the value set.
    EXPECT_FALSE(test.applied(Load(Options()).value())) << test.variable;
  }
}

TEST_F(ConfigLoaderTest, StoreUrlVariableSelectsTheUrlOfAPostgresStore) {
  Config config = LoadToml("[state]\nstore = \"postgres\"\n",
                           {{"GALAOS_UPDATER_STORE_URL", "postgres://u:p@db/updater"}});
  EXPECT_EQ(config.state.store_url, "postgres://u:p@db/updater");
}

TEST_F(ConfigLoaderTest, AutoUpdateEnabledAcceptsEveryBooleanSpelling) {
  const std::vector<std::pair<const char*, bool>> cases = {
      {"true", true},   {"TRUE", true},   {"1", true},  {"yes", true}, {"Yes", true},
      {"false", false}, {"False", false}, {"0", false}, {"no", false}, {"NO", false},
  };
  for (const auto& [text, expected] : cases) {
    Expected<Config> loaded = Load(Options({{"AUTO_UPDATE_ENABLED", text}}));
    ASSERT_TRUE(loaded.has_value()) << text << ": " << loaded.error().message();
    EXPECT_EQ(loaded->schedule.auto_update, expected) << text;
  }
}

TEST_F(ConfigLoaderTest, InvalidEnvironmentValueNamesTheVariable) {
  EXPECT_THAT(ErrorLines(Load(Options({{"AUTO_UPDATE_ENABLED", "maybe"}}))),
              ElementsAre("env AUTO_UPDATE_ENABLED: invalid boolean \"maybe\"; expected "
                          "true/false, 1/0 or yes/no"));
  EXPECT_THAT(ErrorLines(Load(Options({{"BACKUP_RETENTION_COUNT", "five"}}))),
              ElementsAre("env BACKUP_RETENTION_COUNT: invalid integer \"five\""));
  EXPECT_THAT(ErrorLines(Load(Options({{"BACKUP_RETENTION_COUNT", "0"}}))),
              ElementsAre("env BACKUP_RETENTION_COUNT: out of range: must be between 1 and "
                          "1000, got 0"));
  EXPECT_THAT(ErrorLines(Load(Options({{"DATABASE_URL", "mysql://root:hunter2@db/app"}}))),
              ElementsAre("env DATABASE_URL: unsupported URL scheme \"mysql\" in "
                          "\"mysql://root:***@db/app\"; expected one of: postgres, postgresql, "
                          "file, sqlite"));
}

TEST_F(ConfigLoaderTest, SetValuesAreTypedLikeTheFile) {
  Config config =
      LoadToml("", {},
               {"backup.retention=3", "update.allow_downgrade=yes", "health.timeout=2s",
                "commands.install=[\"npm\", \"ci\"]", "docker.containers=[\"web\", \"worker-1\"]",
                "health.checks=[{name = \"web\", type = \"http\", url = "
                "\"http://127.0.0.1:3000/health\"}]",
                "git.branch=feature/x", "schedule.maintenance_window=Sat 02:00-05:00"});
  EXPECT_EQ(config.backup.retention, 3);
  EXPECT_TRUE(config.update.allow_downgrade);
  EXPECT_EQ(config.health.timeout, 2s);
  EXPECT_THAT(config.commands.install, ElementsAre("npm", "ci"));
  EXPECT_THAT(config.docker.containers, ElementsAre("web", "worker-1"));
  ASSERT_EQ(config.health.checks.size(), 1u);
  EXPECT_EQ(std::get<HttpCheck>(config.health.checks[0].spec).url, "http://127.0.0.1:3000/health");
  EXPECT_EQ(config.git.branch, "feature/x");
  EXPECT_EQ(config.schedule.maintenance_window, "Sat 02:00-05:00");
}

TEST_F(ConfigLoaderTest, SetValueInQuotesIsATomlString) {
  Config config = LoadToml(
      "", {}, {"git.branch=\"develop\"", "schedule.timezone='UTC'", "backup.retention=\"7\""});
  EXPECT_EQ(config.git.branch, "develop");
  EXPECT_EQ(config.schedule.timezone, "UTC");
  EXPECT_EQ(config.backup.retention, 7);
  EXPECT_THAT(ErrorLines(Load(Options({}, {"git.branch=\"open"}))),
              ElementsAre(HasSubstr("--set git.branch: invalid TOML value: ")));
}

TEST_F(ConfigLoaderTest, SetErrorsNameTheKey) {
  EXPECT_THAT(ErrorLines(Load(Options({}, {"backup.retention=three"}))),
              ElementsAre("--set backup.retention: invalid integer \"three\""));
  EXPECT_THAT(ErrorLines(Load(Options({}, {"git.branch"}))),
              ElementsAre("--set git.branch: expected key=value"));
  EXPECT_THAT(ErrorLines(Load(Options({}, {"git.brnch=x"}))),
              ElementsAre("--set git.brnch: unknown key, did you mean 'git.branch'?"));
  EXPECT_THAT(ErrorLines(Load(Options({}, {"commands.install=npm ci"}))),
              ElementsAre(HasSubstr("--set commands.install: invalid TOML value: ")));
  EXPECT_THAT(ErrorLines(Load(Options({}, {"git.branch=-x"}))),
              ElementsAre("--set git.branch: ref name '-x' starts with '-'"));
}

TEST_F(ConfigLoaderTest, MissingDefaultFileMeansDefaults) {
  EXPECT_TRUE(Load(Options()).has_value());
}

TEST_F(ConfigLoaderTest, MissingExplicitFileIsAnError) {
  EXPECT_THAT(ErrorLines(Load(Options({}, {}, dir() / "nope.toml"))),
              ElementsAre("cannot read the config file: cannot open DIR/nope.toml: No such file "
                          "or directory"));
  EXPECT_THAT(ErrorLines(Load(Options({{"GALAOS_UPDATER_CONFIG", "nope.toml"}}))),
              ElementsAre("cannot read the config file: cannot open DIR/nope.toml: No such file "
                          "or directory"));
}

TEST_F(ConfigLoaderTest, ConfigVariableNamesTheFileAndConfigPathWinsOverIt) {
  Write("from-env.toml", "[git]\nbranch = \"env-file\"\n");
  std::filesystem::path explicit_file = Write("explicit.toml", "[git]\nbranch = \"explicit\"\n");

  LoadOptions options = Options({{"GALAOS_UPDATER_CONFIG", "from-env.toml"}});
  EXPECT_EQ(ConfigPathFor(options), dir() / "from-env.toml");
  EXPECT_EQ(Load(options).value().git.branch, "env-file");

  options.config_path = explicit_file;
  EXPECT_EQ(ConfigPathFor(options), explicit_file);
  EXPECT_EQ(Load(options).value().git.branch, "explicit");
}

TEST_F(ConfigLoaderTest, DefaultFileIsReadWhenPresent) {
  LoadOptions options = Options();
  options.default_config_path = Write("etc/config.toml", "[git]\nbranch = \"default-file\"\n");
  EXPECT_EQ(ConfigPathFor(options), options.default_config_path);
  EXPECT_EQ(Load(options).value().git.branch, "default-file");
}

TEST_F(ConfigLoaderTest, RelativePathsResolveAgainstTheirSource) {
  // In a file: against the file's directory. From env or --set: against the working directory.
  std::filesystem::path file = Write("etc/config.toml", R"(
[app]
root = "../app"
[state]
dir = "state"
[api]
tls_cert = "tls/cert.pem"
tls_key = "/etc/tls/key.pem"
)");
  Config config = Load(Options({}, {"backup.dir=backups/"}, file)).value();
  EXPECT_EQ(config.app.root, dir() / "app");
  EXPECT_EQ(config.state.dir, dir() / "etc" / "state");
  EXPECT_EQ(config.api.tls_cert, dir() / "etc" / "tls" / "cert.pem");
  EXPECT_EQ(config.api.tls_key, "/etc/tls/key.pem");
  EXPECT_EQ(config.backup.dir, dir() / "backups");

  Config from_env = Load(Options({{"GALAOS_UPDATER_STATE_DIR", "var/state"}})).value();
  EXPECT_EQ(from_env.state.dir, dir() / "var" / "state");
}

TEST_F(ConfigLoaderTest, PathsAreNormalizedWithoutTrailingSeparator) {
  LoadOptions options = Options({}, {"state.dir=/srv/./state/", "backup.dir=/srv/x/../backups"});
  options.working_directory = dir() / "sub" / "..";
  Config config = Load(options).value();
  EXPECT_EQ(config.app.root, dir());
  EXPECT_EQ(config.state.dir, "/srv/state");
  EXPECT_EQ(config.backup.dir, "/srv/backups");
}

TEST_F(ConfigLoaderTest, AppPathsResolveAgainstAppRoot) {
  Config config = LoadToml(R"(
[app]
root = "/srv/app"
[docker]
compose_files = ["docker-compose.yml", "deploy/compose.prod.yml", "/srv/app/x.yml"]
[[health.checks]]
name = "db-file"
type = "sqlite"
path = "prisma/dev.db"
)");
  EXPECT_THAT(config.docker.compose_files,
              ElementsAre("/srv/app/docker-compose.yml", "/srv/app/deploy/compose.prod.yml",
                          "/srv/app/x.yml"));
  EXPECT_EQ(std::get<SqliteCheck>(config.health.checks[0].spec).path, "/srv/app/prisma/dev.db");
}

TEST_F(ConfigLoaderTest, ComposeFilesOutsideAppRootAreRejected) {
  EXPECT_THAT(
      ErrorsOf(R"([app]
root = "/srv/app"
[docker]
compose_files = ["../other/docker-compose.yml", "/srv/appX/compose.yml"]
)"),
      ElementsAre("DIR/config.toml:4:17: docker.compose_files: /srv/other/docker-compose.yml "
                  "is outside app.root (/srv/app)",
                  "DIR/config.toml:4:17: docker.compose_files: /srv/appX/compose.yml is "
                  "outside app.root (/srv/app)"));
}

TEST_F(ConfigLoaderTest, HealthChecksOfEveryTypeLoad) {
  Config config = LoadToml(R"(
[[health.checks]]
name = "web"
type = "http"
url = "https://app.example.com/healthz"
expected_status = 204
body_contains = "ok"
timeout = "3s"

[[health.checks]]
name = "smtp"
type = "tcp"
address = "127.0.0.1:25"

[[health.checks]]
name = "analytics-db"
type = "postgres"
url = "postgres://ro:pw@127.0.0.1/analytics"

[[health.checks]]
name = "cache"
type = "redis"
url = "rediss://cache.internal:6380"

[[health.checks]]
name = "engine"
type = "docker"

[[health.checks]]
name = "local-db"
type = "sqlite"
path = "/var/lib/app/app.db"

[[health.checks]]
name = "workers"
type = "worker_queue"
redis_url = "redis://127.0.0.1:6379"
queue = "emails"
max_waiting = 50
min_workers = 2

[[health.checks]]
name = "migrations-applied"
type = "command"
argv = ["/usr/bin/npx", "prisma", "migrate", "status"]
)");
  const std::vector<HealthCheck>& checks = config.health.checks;
  ASSERT_EQ(checks.size(), 8u);
  EXPECT_EQ(checks[0],
            (HealthCheck{"web", 3s, HttpCheck{"https://app.example.com/healthz", 204, "ok"}}));
  EXPECT_EQ(checks[1], (HealthCheck{"smtp", std::nullopt, TcpCheck{{"127.0.0.1", 25}}}));
  EXPECT_EQ(checks[2], (HealthCheck{"analytics-db", std::nullopt,
                                    PostgresCheck{"postgres://ro:pw@127.0.0.1/analytics"}}));
  EXPECT_EQ(checks[3],
            (HealthCheck{"cache", std::nullopt, RedisCheck{"rediss://cache.internal:6380"}}));
  EXPECT_EQ(checks[4], (HealthCheck{"engine", std::nullopt, DockerCheck{}}));
  EXPECT_EQ(checks[5], (HealthCheck{"local-db", std::nullopt, SqliteCheck{"/var/lib/app/app.db"}}));
  EXPECT_EQ(checks[6],
            (HealthCheck{"workers", std::nullopt,
                         WorkerQueueCheck{"redis://127.0.0.1:6379", "emails", "bull", 50, 2}}));
  EXPECT_EQ(checks[7],
            (HealthCheck{"migrations-applied", std::nullopt,
                         CommandCheck{{"/usr/bin/npx", "prisma", "migrate", "status"}}}));
}

TEST_F(ConfigLoaderTest, NotificationSinksLoad) {
  Config config = LoadToml(R"(
[notify.webhook]
url = "https://hooks.example.com/galaos"
secret = "s3cret"
[notify.slack]
webhook_url = "https://hooks.slack.com/services/T0/B0/XYZ"
[notify.email]
smtp_url = "smtp://mail.example.com:587"
username = "updater"
password = "pw"
from = "updater@example.com"
to = ["ops@example.com", "dev@example.com"]
)");
  EXPECT_EQ(config.notify.webhook, (WebhookSink{"https://hooks.example.com/galaos", "s3cret"}));
  EXPECT_EQ(config.notify.slack.webhook_url, "https://hooks.slack.com/services/T0/B0/XYZ");
  EXPECT_EQ(config.notify.email.to,
            (std::vector<std::string>{"ops@example.com", "dev@example.com"}));
  EXPECT_TRUE(config.notify.email.starttls);
}

struct RuleCase {
  const char* name;
  const char* toml;
  Variables variables;
  const char* error;
};

TEST_F(ConfigLoaderTest, RulesAcrossKeysAreReportedWhereTheKeyWasSet) {
  const std::vector<RuleCase> cases = {
      {"postgres store without url",
       "[state]\nstore = \"postgres\"\n",
       {},
       "DIR/config.toml:2:9: state.store: \"postgres\" needs state.store_url (or "
       "GALAOS_UPDATER_STORE_URL)"},
      {"store url with sqlite",
       "",
       {{"GALAOS_UPDATER_STORE_URL", "postgres://db/x"}},
       "env GALAOS_UPDATER_STORE_URL: is set but state.store is \"sqlite\"; set state.store = "
       "\"postgres\""},
      {"github source without repo",
       "[update]\nsource = \"github\"\n",
       {},
       "DIR/config.toml:2:10: update.source: \"github\" needs github.repo (or GITHUB_REPO)"},
      {"tls cert without key",
       "[api]\ntls_cert = \"/etc/c.pem\"\n",
       {},
       "DIR/config.toml:2:12: api.tls_cert: api.tls_cert and api.tls_key must be set together"},
      {"webhook without secret",
       "[notify.webhook]\nurl = \"https://h.example.com\"\n",
       {},
       "DIR/config.toml:2:7: notify.webhook.url: needs notify.webhook.secret to sign the "
       "payloads"},
      {"email without recipients",
       "[notify.email]\nsmtp_url = \"smtps://m.example.com\"\nfrom = \"u@example.com\"\n",
       {},
       "DIR/config.toml:2:12: notify.email.smtp_url: needs at least one notify.email.to"},
      {"email settings without server",
       "[notify.email]\nto = [\"a@example.com\"]\n",
       {},
       "DIR/config.toml:2:6: notify.email.to: is set but notify.email.smtp_url is not"},
      {"password over plain smtp",
       "[notify.email]\nsmtp_url = \"smtp://m.example.com\"\nfrom = \"u@example.com\"\n"
       "to = [\"a@example.com\"]\nusername = \"u\"\npassword = \"p\"\nstarttls = false\n",
       {},
       "DIR/config.toml:7:12: notify.email.starttls: the SMTP password would travel "
       "unencrypted: set starttls = true or use smtps://"},
  };
  for (const RuleCase& test : cases) {
    EXPECT_THAT(ErrorsOf(test.toml, test.variables), ElementsAre(test.error)) << test.name;
  }
}

}  // namespace
}  // namespace galaos::config
