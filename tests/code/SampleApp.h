// A real sample Node.js app for the transaction tests, in a local bare git remote:
//   v1.0.1  package.json (build script) + package-lock.json (lockfileVersion 3, generated
//           shape of `npm install --package-lock-only` for a package without dependencies),
//           build.js (writes dist/version.txt), restart.js (writes restarted.txt: the version
//           "running" now), health.js (healthy when the restarted version is package.json's)
//   v1.1.0  version bump and a changed app.js
//   v1.2.0  a build script that fails
// app/ is a clone on main at v1.0.1, built, "restarted", with a SQLite database db.sqlite
// (table items). The migrate command adds a column with the sqlite3 CLI (argv, no shell).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "backup/BackupStore.h"
#include "code/VersionManager.h"
#include "config/Config.h"
#include "core/Clock.h"
#include "health/HealthChecker.h"
#include "store/Store.h"
#include "support/GitFixture.h"

namespace galaos::code::testing {

// What the tests compare before and after: code, files, database and version.
struct AppState {
  std::string head_commit;
  std::string head_branch;
  std::string package_json;
  std::string built_version;      // dist/version.txt
  std::string restarted_version;  // restarted.txt
  std::string items_schema;       // sqlite3 .schema items
  std::string worktree_status;    // git status --porcelain
  bool operator==(const AppState&) const = default;
};
// gtest prints a failed comparison field by field.
void PrintTo(const AppState& state, std::ostream* out);

class SampleApp {
 public:
  SampleApp();

  void PublishV1_2Failing();

  config::Config MakeConfig() const;
  std::vector<health::CheckSpec> HealthChecks() const;
  AppState Capture();
  std::string Sqlite(const std::string& sql);

  git::testing::GitFixture& git() { return git_; }
  std::filesystem::path app() const { return git_.app(); }
  std::filesystem::path root() const { return git_.root(); }

 private:
  void Publish(const std::string& version, const std::string& build_js, const std::string& app_js);

  git::testing::GitFixture git_;
};

// The manager and everything it uses, opened on a SampleApp's state directory. Open it after
// any fork: a SQLite connection must not cross one.
struct Updater {
  // `adjust` changes the sample's configuration before anything is opened; `checks` replace
  // the sample's health checks when given.
  explicit Updater(const SampleApp& app, const std::function<void(config::Config&)>& adjust = {},
                   std::optional<std::vector<health::CheckSpec>> checks = std::nullopt);

  config::Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<backup::BackupStore> backups;
  health::HealthChecker checker;
  std::unique_ptr<VersionManager> manager;
};

}  // namespace galaos::code::testing
