#include "SampleApp.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/Process.h"
#include "store/SqliteStore.h"

namespace galaos::code::testing {
namespace {

using git::testing::ReadText;

std::string PackageJson(const std::string& version) {
  return fmt::format(
      R"({{"name":"sample","version":"{}","private":true,"scripts":{{"build":"node build.js"}}}})"
      "\n",
      version);
}

std::string PackageLock(const std::string& version) {
  return fmt::format(R"({{
  "name": "sample",
  "version": "{0}",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {{
    "": {{
      "name": "sample",
      "version": "{0}"
    }}
  }}
}}
)",
                     version);
}

constexpr const char* kBuildJs =
    "const fs = require('fs');\n"
    "fs.mkdirSync('dist', {recursive: true});\n"
    "fs.writeFileSync('dist/version.txt', require('./package.json').version);\n"
    "console.log('built ' + require('./package.json').version);\n";
constexpr const char* kFailingBuildJs =
    "console.log('compiling 1.2.0');\n"
    "console.error('src/app.ts(3,1): error TS1005: ; expected');\n"
    "process.exit(2);\n";
constexpr const char* kRestartJs =
    "require('fs').writeFileSync('restarted.txt', require('./package.json').version);\n";
constexpr const char* kHealthJs =
    "const fs = require('fs');\n"
    "const running = fs.existsSync('restarted.txt') && fs.readFileSync('restarted.txt', 'utf8');\n"
    "process.exit(running === require('./package.json').version ? 0 : 1);\n";

void Run(const std::filesystem::path& cwd, std::vector<std::string> argv) {
  core::ProcessOptions options;
  options.argv = std::move(argv);
  options.cwd = cwd;
  options.timeout = std::chrono::seconds(60);
  const auto result = core::RunChecked(std::move(options));
  if (!result) throw std::runtime_error(result.error().message());
}

}  // namespace

SampleApp::SampleApp() {
  git_.CommitAndPush({{".gitignore", "node_modules/\ndist/\n*.log\ndb.sqlite\nrestarted.txt\n"},
                      {"build.js", kBuildJs},
                      {"restart.js", kRestartJs},
                      {"health.js", kHealthJs}},
                     "chore: build and run scripts");
  Publish("1.0.1", kBuildJs, "console.log('v1.0.1');\n");
  git_.Git(app(), {"pull", "--quiet", "--ff-only", "origin", "main"});
  Run(app(), {"node", "build.js"});
  Run(app(), {"node", "restart.js"});
  Sqlite(
      "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
      "INSERT INTO items (name) VALUES ('first');");
  Publish("1.1.0", kBuildJs, "console.log('v1.1.0');\n");
}

void SampleApp::PublishV1_2Failing() {
  Publish("1.2.0", kFailingBuildJs, "console.log('v1.2.0');\n");
}

void SampleApp::Publish(const std::string& version, const std::string& build_js,
                        const std::string& app_js) {
  git_.CommitAndPush({{"package.json", PackageJson(version)},
                      {"package-lock.json", PackageLock(version)},
                      {"build.js", build_js},
                      {"app.js", app_js}},
                     "release " + version);
  git_.TagAndPush("v" + version, "Release " + version);
}

std::string SampleApp::Sqlite(const std::string& sql) {
  core::ProcessOptions options;
  options.argv = {"sqlite3", (app() / "db.sqlite").string(), sql};
  options.timeout = std::chrono::seconds(30);
  const auto result = core::RunChecked(std::move(options));
  if (!result) throw std::runtime_error(result.error().message());
  return result->stdout_tail;
}

config::Config SampleApp::MakeConfig() const {
  config::Config config;
  config.app.root = app();
  config.app.database_url = (app() / "db.sqlite").string();
  config.state.dir = root() / "state";
  config.backup.dir = root() / "backups";
  config.git.remote = "origin";
  config.update.source = config::ReleaseSource::kGit;
  config.update.min_free_disk_mb = 1;
  config.commands.migrate = {"sqlite3", "db.sqlite", "ALTER TABLE items ADD COLUMN price INTEGER"};
  config.commands.restart = {"node", "restart.js"};
  config.commands.timeout = std::chrono::seconds(120);
  config.health.grace_period = std::chrono::milliseconds(0);
  config.health.retries = 1;
  config.health.interval = std::chrono::milliseconds(100);
  return config;
}

std::vector<health::CheckSpec> SampleApp::HealthChecks() const {
  return {health::CheckSpec{
      .name = "app",
      .timeout = std::chrono::seconds(30),
      .target = health::CommandCheck{.argv = {"node", "health.js"}, .cwd = app()}}};
}

AppState SampleApp::Capture() {
  return AppState{.head_commit = git_.Git(app(), {"rev-parse", "HEAD"}),
                  .head_branch = git_.Git(app(), {"branch", "--show-current"}),
                  .package_json = ReadText(app() / "package.json"),
                  .built_version = ReadText(app() / "dist" / "version.txt"),
                  .restarted_version = ReadText(app() / "restarted.txt"),
                  .items_schema = Sqlite(".schema items"),
                  .worktree_status = git_.Git(app(), {"status", "--porcelain"})};
}

void PrintTo(const AppState& state, std::ostream* out) {
  *out << "{head " << state.head_commit << " on '" << state.head_branch << "', built "
       << state.built_version << ", restarted " << state.restarted_version << ", schema "
       << state.items_schema << ", status '" << state.worktree_status << "'}";
}

Updater::Updater(const SampleApp& app, const std::function<void(config::Config&)>& adjust,
                 std::optional<std::vector<health::CheckSpec>> checks)
    : config(app.MakeConfig()) {
  if (adjust) adjust(config);
  auto opened =
      store::OpenSqliteStore(config.state.dir / "state.db", core::SystemClock::Instance());
  if (!opened) throw std::runtime_error(opened.error().message());
  store = std::move(*opened);
  backups = std::make_unique<backup::BackupStore>(config.backup.dir, *store,
                                                  core::SystemClock::Instance());
  manager =
      std::make_unique<VersionManager>(config, *store, *backups, core::SystemClock::Instance(),
                                       checker, checks ? std::move(*checks) : app.HealthChecks());
}

}  // namespace galaos::code::testing
