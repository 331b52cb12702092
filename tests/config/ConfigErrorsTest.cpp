// Bad configuration is reported as `file:line:column: key: what is wrong`, all problems at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ConfigTestSupport.h"

namespace galaos::config {
namespace {

using testing::ConfigTest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ConfigErrorsTest : public ConfigTest {};

struct ErrorCase {
  const char* name;
  const char* toml;
  const char* error;  // after "DIR/config.toml:"
};

TEST_F(ConfigErrorsTest, EachMistakeIsReportedAtItsLineAndColumn) {
  const std::vector<ErrorCase> cases = {
      {"wrong type", "[git]\nbranch = 5\n", "2:10: git.branch: expected a string, got an integer"},
      {"bad enum value", "[update]\npolicy = \"weekly\"\n",
       "2:10: update.policy: invalid value \"weekly\"; expected one of: patch, minor, major"},
      {"bad enum value close to a valid one", "[update]\nfollow = \"tag\"\n",
       "2:10: update.follow: invalid value \"tag\"; expected one of: tags, branch (did you mean "
       "'tags'?)"},
      {"bad duration unit", "[health]\ntimeout = \"5x\"\n",
       "2:11: health.timeout: invalid duration \"5x\": unknown unit \"x\" (write e.g. \"30s\", "
       "\"5m\", \"1h30m\", \"500ms\"; units ms, s, m, h, d)"},
      {"duration without unit", "[health]\ninterval = \"10\"\n",
       "2:12: health.interval: invalid duration \"10\": missing unit after 10 (write e.g. "
       "\"30s\", \"5m\", \"1h30m\", \"500ms\"; units ms, s, m, h, d)"},
      {"duration as a number", "[health]\ninterval = 10\n",
       "2:12: health.interval: expected a string, got an integer"},
      {"duration out of range", "[health]\ntimeout = \"1h\"\n",
       "2:11: health.timeout: duration \"1h\" out of range: must be between 100ms and 10m"},
      {"sub-second duration where seconds are required", "[commands]\ntimeout = \"1500ms\"\n",
       "2:11: commands.timeout: invalid duration \"1500ms\": must be a multiple of 1s"},
      {"invalid URL scheme", "[app]\napi_url = \"ftp://example.com/health\"\n",
       "2:11: app.api_url: unsupported URL scheme \"ftp\" in \"ftp://example.com/health\"; "
       "expected one of: http, https"},
      {"URL without host", "[app]\nredis_url = \"redis://\"\n",
       "2:13: app.redis_url: invalid URL \"redis://\": missing a host"},
      {"password never echoed", "[state]\nstore_url = \"mysql://root:hunter2@db/x\"\n",
       "2:13: state.store_url: unsupported URL scheme \"mysql\" in \"mysql://root:***@db/x\"; "
       "expected one of: postgres, postgresql"},
      {"retention 0", "[backup]\nretention = 0\n",
       "2:13: backup.retention: out of range: must be between 1 and 1000, got 0"},
      {"float for an integer", "[backup]\nretention = 2.5\n",
       "2:13: backup.retention: expected an integer, got a float"},
      {"date for a duration", "[update]\nmin_release_age = 2024-01-01\n",
       "2:19: update.min_release_age: expected a string, got a date/time"},
      {"boolean as a string in a file", "[update]\nallow_downgrade = \"yes\"\n",
       "2:19: update.allow_downgrade: expected a boolean, got a string"},
      {"empty cron", "[schedule]\ncheck_cron = \"\"\n",
       "2:14: schedule.check_cron: must not be empty"},
      {"branch that is an option", "[git]\nbranch = \"--upload-pack=touch /tmp/x\"\n",
       "2:10: git.branch: ref name '--upload-pack=touch /tmp/x' starts with '-'"},
      {"branch with shell metacharacters", "[git]\nbranch = \"$(id)\"\n",
       "2:10: git.branch: ref name '$(id)' contains a shell metacharacter"},
      {"branch with a space", "[git]\nbranch = \"a b\"\n",
       "2:10: git.branch: ref name 'a b' contains whitespace or a control character"},
      {"remote helper", "[git]\nremote = \"ext::evil\"\n",
       "2:10: git.remote: remote 'ext::evil' uses the '<helper>::' remote-helper syntax"},
      {"remote that is an option", "[git]\nremote = \"-oProxyCommand=x\"\n",
       "2:10: git.remote: remote '-oProxyCommand=x' starts with '-'"},
      {"repository not owner/name", "[github]\nrepo = \"galaos\"\n",
       "2:8: github.repo: invalid repository \"galaos\": expected \"owner/name\""},
      {"glob escaping the app", "[backup]\ncritical_files = [\"package.json\", \"../secrets\"]\n",
       "2:35: backup.critical_files[1]: \"../secrets\" must not contain '..'"},
      {"absolute glob", "[backup]\ncritical_files = [\"/etc/passwd\"]\n",
       "2:19: backup.critical_files[0]: \"/etc/passwd\" must be relative to app.root"},
      {"container name with metacharacters", "[docker]\ncontainers = [\"web;rm -rf /\"]\n",
       "2:15: docker.containers[0]: invalid container name \"web;rm -rf /\": expected "
       "[a-zA-Z0-9][a-zA-Z0-9_.-]*"},
      {"empty argv program", "[commands]\nrestart = [\"\", \"x\"]\n",
       "2:11: commands.restart: the program (first element) must not be empty"},
      {"argv as a shell line", "[commands]\nbuild = \"npm run build\"\n",
       "2:9: commands.build: expected an array, got a string"},
      {"listen without port", "[api]\nlisten = \"127.0.0.1\"\n",
       "2:10: api.listen: invalid address \"127.0.0.1\": expected host:port, e.g. "
       "127.0.0.1:7780 or [::1]:7780"},
      {"port out of range", "[api]\nlisten = \"127.0.0.1:70000\"\n",
       "2:10: api.listen: invalid address \"127.0.0.1:70000\": the port must be 1..65535"},
      {"placeholder jwt secret",
       "[api]\njwt_secret = \"change-me-change-me-change-me-change-me\"\n",
       "2:14: api.jwt_secret: looks like a placeholder; generate a random secret (e.g. openssl "
       "rand -hex 32)"},
      {"short jwt secret", "[api]\njwt_secret = \"abc\"\n",
       "2:14: api.jwt_secret: must be at least 32 characters long"},
      {"jwt secret made of a placeholder phrase",
       "[api]\njwt_secret = \"my-jwt-secret-for-the-galaos-api-2024\"\n",
       "2:14: api.jwt_secret: looks like a placeholder; generate a random secret (e.g. openssl "
       "rand -hex 32)"},
      {"jwt secret of few distinct characters",
       "[api]\njwt_secret = \"secretsecretsecretsecretsecretsecret\"\n",
       "2:14: api.jwt_secret: looks like a placeholder; generate a random secret (e.g. openssl "
       "rand -hex 32)"},
      {"jwt enabled without a secret", "[api]\njwt_enabled = true\n",
       "2:15: api.jwt_enabled: needs api.jwt_secret (or GALAOS_UPDATER_JWT_SECRET): the GalaOS "
       "API's HS256 secret"},
      {"jwt secret without jwt enabled",
       "[api]\njwt_secret = \"6f1d0c9b8a7e4f3a2b1c0d9e8f7a6b5c\"\n",
       "2:14: api.jwt_secret: is set but api.jwt_enabled is false"},
      {"email address", "[notify.email]\nfrom = \"not an address\"\n",
       "2:8: notify.email.from: invalid email address \"not an address\": expected e.g. "
       "ops@example.com"},
      {"section that is not a table", "git = \"main\"\n",
       "1:7: git: expected a table, got a string"},
      {"unknown key with a close match", "[git]\nbrnch = \"main\"\n",
       "2:1: git.brnch: unknown key, did you mean 'git.branch'?"},
      {"known key in the wrong section", "[git]\nretention = 3\n",
       "2:1: git.retention: unknown key, did you mean 'backup.retention'?"},
      {"unknown section with a close match", "[gti]\nbranch = \"main\"\n",
       "1:2: gti: unknown key, did you mean 'git'?"},
      {"unknown key without a close match", "[git]\nfrobnicate = true\n",
       "2:1: git.frobnicate: unknown key"},
      {"dotted key", "git.brnch = \"x\"\n",
       "1:5: git.brnch: unknown key, did you mean 'git.branch'?"},
      {"invalid TOML", "[git\nbranch = \"main\"\n",
       "1:5: invalid TOML: Error while parsing table header: expected ']', saw '\\n'"},
  };
  for (const ErrorCase& test : cases) {
    EXPECT_THAT(ErrorsOf(test.toml), ElementsAre(std::string("DIR/config.toml:") + test.error))
        << test.name;
  }
}

TEST_F(ConfigErrorsTest, HealthCheckMistakesPointIntoTheCheck) {
  const std::vector<ErrorCase> cases = {
      {"missing type", "[[health.checks]]\nname = \"x\"\n",
       "1:1: health.checks[0]: missing required key 'type' (one of: http, tcp, postgres, redis, "
       "docker, sqlite, worker_queue, command)"},
      {"unknown type", "[[health.checks]]\nname = \"x\"\ntype = \"htp\"\n",
       "3:8: health.checks[0].type: invalid value \"htp\"; expected one of: http, tcp, postgres, "
       "redis, docker, sqlite, worker_queue, command (did you mean 'http'?)"},
      {"missing url", "[[health.checks]]\nname = \"web\"\ntype = \"http\"\n",
       "1:1: health.checks[0]: missing required key 'url' for a check of type 'http'"},
      {"key of another type",
       "[[health.checks]]\nname = \"web\"\ntype = \"http\"\nurl = "
       "\"http://h\"\nqueue = \"q\"\n",
       "5:1: health.checks[0].queue: unknown key"},
      {"misspelt key",
       "[[health.checks]]\nname = \"web\"\ntype = \"http\"\nurl = "
       "\"http://h\"\nexpected_staus = 204\n",
       "5:1: health.checks[0].expected_staus: unknown key, did you mean "
       "'health.checks[0].expected_status'?"},
      {"reserved name",
       "[[health.checks]]\nname = \"redis\"\ntype = \"redis\"\nurl = "
       "\"redis://h\"\n",
       "2:8: health.checks[0].name: \"redis\" is the name of a built-in check; choose another"},
      {"queue name with a colon",
       "[[health.checks]]\nname = \"w\"\ntype = \"worker_queue\"\nredis_url = "
       "\"redis://h\"\nqueue = \"a:b\"\n",
       "5:9: health.checks[0].queue: invalid queue name \"a:b\": must be non-empty, without ':' "
       "or spaces"},
      {"command without program",
       "[[health.checks]]\nname = \"c\"\ntype = \"command\"\nargv = []\n",
       "4:8: health.checks[0].argv: must name a program, e.g. [\"/usr/bin/test\", \"-f\", \"x\"]"},
  };
  for (const ErrorCase& test : cases) {
    EXPECT_THAT(ErrorsOf(test.toml), ElementsAre(std::string("DIR/config.toml:") + test.error))
        << test.name;
  }
}

TEST_F(ConfigErrorsTest, DuplicateCheckNamesAreRejected) {
  EXPECT_THAT(ErrorsOf(R"([[health.checks]]
name = "web"
type = "docker"

[[health.checks]]
name = "web"
type = "docker"
)"),
              ElementsAre("DIR/config.toml:6:8: health.checks[1].name: duplicate check name "
                          "\"web\""));
}

TEST_F(ConfigErrorsTest, AllProblemsAreReportedTogetherInOrder) {
  Expected<Config> result =
      Load(Options({{"AUTO_UPDATE_ENABLED", "perhaps"}}, {"backup.retention=0", "nosuch.key=1"},
                   Write("config.toml", R"([git]
branch = 5
brnch = "x"

[backup]
retention = -1

[update]
policy = "weekly"
)")));
  EXPECT_THAT(
      ErrorLines(result),
      ElementsAre("DIR/config.toml:2:10: git.branch: expected a string, got an integer",
                  "DIR/config.toml:3:1: git.brnch: unknown key, did you mean 'git.branch'?",
                  "DIR/config.toml:6:13: backup.retention: out of range: must be between 1 and "
                  "1000, got -1",
                  "DIR/config.toml:9:10: update.policy: invalid value \"weekly\"; expected one "
                  "of: patch, minor, major",
                  "env AUTO_UPDATE_ENABLED: invalid boolean \"perhaps\"; expected true/false, "
                  "1/0 or yes/no",
                  "--set backup.retention: out of range: must be between 1 and 1000, got 0",
                  "--set nosuch.key: unknown key"));
}

TEST_F(ConfigErrorsTest, ErrorsInOneLayerDoNotHideErrorsInAnother) {
  // A syntax error stops the file, but the environment is still checked.
  std::vector<std::string> lines = ErrorsOf("[git\n", {{"BACKUP_RETENTION_COUNT", "lots"}});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], StartsWith("DIR/config.toml:1:5: invalid TOML: "));
  EXPECT_EQ(lines[1], "env BACKUP_RETENTION_COUNT: invalid integer \"lots\"");
}

TEST_F(ConfigErrorsTest, ConfigFileThatIsADirectoryIsAnError) {
  std::filesystem::create_directories(dir() / "conf.d");
  EXPECT_THAT(ErrorLines(Load(Options({}, {}, dir() / "conf.d"))),
              ElementsAre(HasSubstr("DIR/conf.d: the config file is a directory")));
}

}  // namespace
}  // namespace galaos::config
