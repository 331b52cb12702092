#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>

#include "CodeTestSupport.h"
#include "SampleApp.h"
#include "code/VersionManager.h"
#include "core/FileLock.h"
#include "support/SshServer.h"

namespace galaos::code {
namespace {

using testing::AppState;
using testing::SampleApp;
using testing::Updater;
namespace fs = std::filesystem;

class VersionManagerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // npm must not phone home or nag during the tests.
    ::setenv("npm_config_audit", "false", 1);
    ::setenv("npm_config_fund", "false", 1);
    ::setenv("npm_config_update_notifier", "false", 1);
  }

  UpdateOptions To(const std::string& tag) {
    UpdateOptions options;
    options.target = tag;
    return options;
  }

  std::vector<std::string> StepNames(store::Store& store, const std::string& id) {
    std::vector<std::string> names;
    const auto transaction = store.GetTransaction(id);
    EXPECT_TRUE(transaction.has_value());
    if (transaction) {
      for (const store::Step& step : transaction->steps) names.push_back(step.name);
    }
    return names;
  }

  SampleApp app_;
};

TEST_F(VersionManagerTest, UpdateInstallsTheTagCommitMigratesBuildsRestartsAndJournals) {
  const std::string v110 = app_.git().Git(app_.git().author(), {"rev-parse", "v1.1.0^{commit}"});
  Updater updater(app_);
  std::vector<std::string> started;
  ASSERT_OK_AND_ASSIGN(const UpdateResult result,
                       updater.manager->Apply(To("v1.1.0"), [&](const ProgressEvent& event) {
                         if (event.kind == ProgressEvent::Kind::kStepStarted) {
                           started.push_back(event.step);
                         }
                       }));
  ASSERT_TRUE(result.success) << nlohmann::json(ToJson(result)).dump();
  EXPECT_EQ(result.previous_version, "1.0.1");
  EXPECT_EQ(result.new_version, "1.1.0");
  EXPECT_TRUE(result.rollback_available);
  EXPECT_EQ(result.final_state, "Succeeded");

  const AppState after = app_.Capture();
  EXPECT_EQ(after.head_commit, v110);
  EXPECT_EQ(after.head_branch, "");  // detached at the tag's commit
  EXPECT_EQ(after.built_version, "1.1.0");
  EXPECT_EQ(after.restarted_version, "1.1.0");
  EXPECT_NE(after.items_schema.find("price INTEGER"), std::string::npos) << after.items_schema;
  EXPECT_EQ(after.worktree_status, "");

  EXPECT_EQ(StepNames(*updater.store, result.transaction_id),
            (std::vector<std::string>{"snapshot", "fetch", "checkout", "install", "migrate",
                                      "build", "restart", "verify", "commit"}));
  EXPECT_EQ(started, StepNames(*updater.store, result.transaction_id));
  ASSERT_OK_AND_ASSIGN(const store::Transaction transaction,
                       updater.store->GetTransaction(result.transaction_id));
  EXPECT_EQ(transaction.status, store::TransactionStatus::kSucceeded);
  EXPECT_EQ(transaction.state_version, kStateVersion);
  const nlohmann::json state = nlohmann::json::parse(transaction.state_json);
  EXPECT_EQ(state["target"]["commit"], v110);
  EXPECT_EQ(state["migrationStarted"], true);
  EXPECT_FALSE(state["backupId"].get<std::string>().empty());
  const std::string log =
      testing::Read(updater.config.state.dir / "logs" / (result.transaction_id + ".log"));
  EXPECT_NE(log.find("[build] built 1.1.0"), std::string::npos) << log;
}

TEST_F(VersionManagerTest, UpToDateAppIsASuccessThatChangesNothingAndOpensNoTransaction) {
  Updater updater(app_);
  ASSERT_OK_AND_ASSIGN(const UpdateResult first, updater.manager->Apply(To("v1.1.0")));
  ASSERT_TRUE(first.success);
  const AppState before = app_.Capture();

  ASSERT_OK_AND_ASSIGN(const UpdateResult again, updater.manager->Apply(UpdateOptions{}));
  EXPECT_TRUE(again.success);
  EXPECT_EQ(again.previous_version, "1.1.0");
  EXPECT_EQ(again.new_version, "1.1.0");
  EXPECT_TRUE(again.transaction_id.empty());
  ASSERT_EQ(again.changes.size(), 1u);
  EXPECT_NE(again.changes.front().find("already up to date"), std::string::npos);
  EXPECT_EQ(app_.Capture(), before);
  ASSERT_OK_AND_ASSIGN(const auto transactions, updater.store->ListTransactions({.limit = 10}));
  EXPECT_EQ(transactions.size(), 1u);

  UpdateOptions dry_run;
  dry_run.dry_run = true;
  ASSERT_OK_AND_ASSIGN(const UpdateResult planned, updater.manager->Apply(dry_run));
  EXPECT_TRUE(planned.success);
  EXPECT_FALSE(planned.plan.has_value());
  ASSERT_OK_AND_ASSIGN(const std::optional<UpdatePlan> plan, updater.manager->Plan(dry_run));
  EXPECT_FALSE(plan.has_value());
}

TEST_F(VersionManagerTest, FailingBuildRollsBackCodeFilesAndDatabase) {
  app_.PublishV1_2Failing();
  const AppState before = app_.Capture();
  Updater updater(app_);
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(To("v1.2.0")));
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.final_state, "RolledBack");
  EXPECT_EQ(result.failed_step, "build");
  EXPECT_EQ(result.new_version, "1.0.1");
  ASSERT_FALSE(result.errors.empty());
  EXPECT_NE(result.errors.front().find("npm run build exited with status 2"), std::string::npos)
      << result.errors.front();
  const std::string rolled_back = nlohmann::json(result.rolled_back).dump();
  EXPECT_NE(rolled_back.find("code reset to"), std::string::npos) << rolled_back;
  EXPECT_NE(rolled_back.find("database restored"), std::string::npos) << rolled_back;
  EXPECT_NE(rolled_back.find("previous version rebuilt"), std::string::npos) << rolled_back;
  EXPECT_EQ(app_.Capture(), before);

  ASSERT_OK_AND_ASSIGN(const store::Transaction transaction,
                       updater.store->GetTransaction(result.transaction_id));
  EXPECT_EQ(transaction.status, store::TransactionStatus::kRolledBack);
  const auto build = std::find_if(transaction.steps.begin(), transaction.steps.end(),
                                  [](const store::Step& step) { return step.name == "build"; });
  ASSERT_NE(build, transaction.steps.end());
  EXPECT_EQ(build->exit_code, 2);
  EXPECT_NE(build->output_tail.find("error TS1005"), std::string::npos) << build->output_tail;
}

TEST_F(VersionManagerTest, SecondUpdateWhileOneRunsGetsConflictNamingIt) {
  Updater updater(app_);
  std::optional<Error> second;
  std::string running_id;
  ASSERT_OK_AND_ASSIGN(
      const UpdateResult result,
      updater.manager->Apply(To("v1.1.0"), [&](const ProgressEvent& event) {
        if (event.kind != ProgressEvent::Kind::kStepStarted || event.step != "install") return;
        auto unfinished = updater.store->ListUnfinishedTransactions();
        if (unfinished && !unfinished->empty()) running_id = unfinished->front().id;
        auto again = updater.manager->Apply(To("v1.1.0"));
        if (!again) second = again.error();
      }));
  EXPECT_TRUE(result.success);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->code(), ErrorCode::kConflict);
  ASSERT_FALSE(running_id.empty());
  EXPECT_EQ(running_id, result.transaction_id);
  EXPECT_NE(second->message().find(running_id), std::string::npos) << second->message();
}

TEST_F(VersionManagerTest, DirtyWorktreeIsRefusedListingPathsAndNothingChanges) {
  testing::Write(app_.app() / "app.js", "console.log('patched by hand');\n");
  const AppState before = app_.Capture();
  Updater updater(app_);
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(To("v1.1.0")));
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.final_state, "Failed");
  EXPECT_EQ(result.failed_step, "preflight");
  ASSERT_FALSE(result.errors.empty());
  EXPECT_NE(result.errors.front().find("local changes"), std::string::npos);
  EXPECT_NE(result.errors.front().find("modified app.js"), std::string::npos)
      << result.errors.front();
  EXPECT_EQ(app_.Capture(), before);
  ASSERT_OK_AND_ASSIGN(const auto backups, updater.backups->List());
  EXPECT_TRUE(backups.empty());
}

TEST_F(VersionManagerTest, HostileBranchNamesAreRejectedAndCreateNothing) {
  const fs::path marker = app_.root() / "pwned";
  const AppState before = app_.Capture();
  Updater updater(app_);
  for (const std::string& name :
       {"--upload-pack=touch " + marker.string(), std::string(";id"), std::string("$(id)")}) {
    SCOPED_TRACE(name);
    UpdateOptions options;
    options.branch = name;
    const auto result = updater.manager->Apply(options);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
    options.dry_run = true;
    EXPECT_FALSE(updater.manager->Apply(options).has_value());
  }
  EXPECT_FALSE(fs::exists(marker));
  ASSERT_OK_AND_ASSIGN(const auto transactions, updater.store->ListTransactions({}));
  EXPECT_TRUE(transactions.empty());
  EXPECT_EQ(app_.Capture(), before);
}

TEST_F(VersionManagerTest, DryRunReturnsThePlanAndChangesNothing) {
  const AppState before = app_.Capture();
  const std::string v110 = app_.git().Git(app_.git().author(), {"rev-parse", "v1.1.0^{commit}"});
  Updater updater(app_);
  UpdateOptions options = To("v1.1.0");
  options.dry_run = true;
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(options));
  ASSERT_TRUE(result.plan.has_value());
  const nlohmann::json plan = ToJson(*result.plan);
  EXPECT_EQ(plan["targetCommit"], v110);
  EXPECT_EQ(plan["targetVersion"], "1.1.0");
  EXPECT_EQ(plan["steps"][3]["argv"], nlohmann::json({"npm", "ci"}));
  EXPECT_EQ(plan["steps"][4]["argv"][0], "sqlite3");
  EXPECT_EQ(plan["steps"][5]["argv"], nlohmann::json({"npm", "run", "build"}));
  EXPECT_EQ(app_.Capture(), before);
  ASSERT_OK_AND_ASSIGN(const auto transactions, updater.store->ListTransactions({}));
  EXPECT_TRUE(transactions.empty());
  EXPECT_FALSE(fs::exists(updater.config.backup.dir) && !fs::is_empty(updater.config.backup.dir));
}

TEST_F(VersionManagerTest, FollowingABranchInstallsItsHeadOnTheBranch) {
  app_.git().CommitAndPush({{"NOTES.md", "unreleased work\n"}}, "docs: notes after 1.1.0");
  const std::string head = app_.git().Git(app_.git().author(), {"rev-parse", "HEAD"});
  Updater updater(app_);
  UpdateOptions options;
  options.branch = "main";
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(options));
  ASSERT_TRUE(result.success) << nlohmann::json(ToJson(result)).dump();
  const AppState after = app_.Capture();
  EXPECT_EQ(after.head_commit, head);
  EXPECT_EQ(after.head_branch, "main");
  EXPECT_EQ(after.built_version, "1.1.0");
}

// A refused target is an error before any transaction exists: nothing is touched or journaled.
TEST_F(VersionManagerTest, DowngradeIsRefusedUnlessAllowed) {
  const AppState before = app_.Capture();
  Updater updater(app_);
  const Expected<UpdateResult> result = updater.manager->Apply(To("v1.0.0"));
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message().find("1.0.0"), std::string::npos) << result.error().message();
  EXPECT_EQ(app_.Capture(), before);
  ASSERT_OK_AND_ASSIGN(const auto transactions, updater.store->ListTransactions({.limit = 10}));
  EXPECT_TRUE(transactions.empty());
}

TEST_F(VersionManagerTest, TooLittleFreeDiskIsRefusedBeforeAnythingIsTouched) {
  const AppState before = app_.Capture();
  Updater updater(app_, [](config::Config& config) {
    config.update.min_free_disk_mb = 1 << 30;  // 1 PiB
  });
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(To("v1.1.0")));
  EXPECT_FALSE(result.success);
  ASSERT_FALSE(result.errors.empty());
  EXPECT_NE(result.errors.front().find("MiB free on the disk of"), std::string::npos)
      << result.errors.front();
  EXPECT_EQ(app_.Capture(), before);
}

TEST_F(VersionManagerTest, HugeBuildOutputNeverFailsTheBuildAndTheTailStaysBounded) {
  Updater updater(app_, [](config::Config& config) {
    // 8 MiB of output (the original failed builds over 1 MiB), then the real build.
    config.commands.build = {
        "node", "-e",
        "for (let i = 0; i < 8192; i++) console.log('x'.repeat(1023));"
        "require('child_process').execFileSync('node', ['build.js'], {stdio: 'inherit'});"};
  });
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(To("v1.1.0")));
  ASSERT_TRUE(result.success) << nlohmann::json(ToJson(result)).dump();
  EXPECT_EQ(app_.Capture().built_version, "1.1.0");
  ASSERT_OK_AND_ASSIGN(const store::Transaction transaction,
                       updater.store->GetTransaction(result.transaction_id));
  for (const store::Step& step : transaction.steps) {
    EXPECT_LE(step.output_tail.size(), store::kMaxOutputTailBytes) << step.name;
    if (step.name == "build") {
      EXPECT_NE(step.output_tail.find(std::string(1023, 'x')), std::string::npos);
    }
  }
  EXPECT_GT(fs::file_size(updater.config.state.dir / "logs" / (result.transaction_id + ".log")),
            8u << 20);
}

// Runs an update in a child process that dies (_exit, like SIGKILL: no cleanup, lock dropped
// by the kernel) right after journaling `state`; returns the child's exit status.
int RunAndDieAt(SampleApp& app, const std::string& tag, UpdateState state) {
  const pid_t child = ::fork();
  if (child == 0) {
    Updater updater(app);
    UpdateOptions options;
    options.target = tag;
    options.crash_after_state = state;
    (void)updater.manager->Apply(options);
    ::_exit(0);  // reached only if the state never came
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class CrashRecoveryTest : public VersionManagerTest,
                          public ::testing::WithParamInterface<UpdateState> {};

TEST_P(CrashRecoveryTest, KilledAtStateBoundaryRecoversToThePreUpdateState) {
  const UpdateState state = GetParam();
  // Rollback states are reached through the failing v1.2.0 build.
  const bool via_failure = state >= UpdateState::kRollbackCode;
  if (via_failure) app_.PublishV1_2Failing();
  const AppState before = app_.Capture();

  ASSERT_EQ(RunAndDieAt(app_, via_failure ? "v1.2.0" : "v1.1.0", state), 137);
  if (state == UpdateState::kCheckout) {
    // What a checkout killed half-way leaves behind.
    testing::Write(app_.app() / ".git" / "index.lock", "");
  }

  Updater updater(app_);
  ASSERT_OK_AND_ASSIGN(const auto unfinished, updater.store->ListUnfinishedTransactions());
  ASSERT_EQ(unfinished.size(), 1u);
  EXPECT_EQ(unfinished.front().state, StateName(state));
  ASSERT_OK_AND_ASSIGN(const std::vector<UpdateResult> recovered, updater.manager->Recover());
  ASSERT_EQ(recovered.size(), 1u);
  const UpdateResult& result = recovered.front();
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.final_state, state < UpdateState::kCheckout ? "Failed" : "RolledBack")
      << nlohmann::json(ToJson(result)).dump();
  EXPECT_EQ(app_.Capture(), before);
  EXPECT_FALSE(fs::exists(app_.app() / ".git" / "index.lock"));
  ASSERT_OK_AND_ASSIGN(const auto left, updater.store->ListUnfinishedTransactions());
  EXPECT_TRUE(left.empty());

  // The app is usable again: the same update now succeeds.
  if (!via_failure) {
    ASSERT_OK_AND_ASSIGN(const UpdateResult again, updater.manager->Apply(To("v1.1.0")));
    EXPECT_TRUE(again.success) << nlohmann::json(ToJson(again)).dump();
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryStateBoundary, CrashRecoveryTest,
    ::testing::Values(UpdateState::kPreflight, UpdateState::kSnapshot, UpdateState::kFetch,
                      UpdateState::kCheckout, UpdateState::kInstall, UpdateState::kMigrate,
                      UpdateState::kBuild, UpdateState::kRestart, UpdateState::kVerify,
                      UpdateState::kProbation, UpdateState::kCommit, UpdateState::kRollbackCode,
                      UpdateState::kRollbackDatabase, UpdateState::kRollbackInstall,
                      UpdateState::kRollbackBuild, UpdateState::kRollbackRestart,
                      UpdateState::kRollbackVerify),
    [](const ::testing::TestParamInfo<UpdateState>& info) {
      return std::string(StateName(info.param));
    });

TEST_F(VersionManagerTest, RecoveryKilledMidRollbackIsResumedByTheNextRecovery) {
  const AppState before = app_.Capture();
  ASSERT_EQ(RunAndDieAt(app_, "v1.1.0", UpdateState::kBuild), 137);
  const pid_t child = ::fork();
  if (child == 0) {
    Updater updater(app_);
    (void)updater.manager->Recover({}, UpdateState::kRollbackInstall);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 137);

  Updater updater(app_);
  ASSERT_OK_AND_ASSIGN(const auto unfinished, updater.store->ListUnfinishedTransactions());
  ASSERT_EQ(unfinished.size(), 1u);
  EXPECT_EQ(unfinished.front().state, "RollbackInstall");
  ASSERT_OK_AND_ASSIGN(const std::vector<UpdateResult> recovered, updater.manager->Recover());
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered.front().final_state, "RolledBack");
  EXPECT_EQ(app_.Capture(), before);
}

TEST_F(VersionManagerTest, RequireHealthyBeforeRefusesAnUnhealthyAppAndTouchesNothing) {
  // The process "running" is not the checked-out version: health.js fails.
  testing::Write(app_.app() / "restarted.txt", "0.9.0");
  const AppState before = app_.Capture();
  Updater updater(app_);
  UpdateOptions options = To("v1.1.0");
  options.require_healthy_before = true;
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(options));
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.final_state, "Failed");
  EXPECT_EQ(result.failed_step, "preflight");
  ASSERT_FALSE(result.errors.empty());
  EXPECT_NE(result.errors.front().find("unhealthy before the update"), std::string::npos)
      << result.errors.front();
  EXPECT_EQ(app_.Capture(), before);
  ASSERT_OK_AND_ASSIGN(const auto backups, updater.backups->List());
  EXPECT_TRUE(backups.empty());
  EXPECT_TRUE(StepNames(*updater.store, result.transaction_id).empty());
}

// The sample's health check, except that 1.1.0 fails `after` its restart, like a process that
// crashes under load.
std::vector<health::CheckSpec> V110FailsAfter(const SampleApp& app, std::chrono::seconds after) {
  std::vector<health::CheckSpec> checks = app.HealthChecks();
  checks.front().target = health::CommandCheck{
      .argv = {"node", "-e",
               fmt::format("const fs = require('fs');"
                           "if (fs.readFileSync('restarted.txt', 'utf8') === '1.1.0' &&"
                           "    Date.now() - fs.statSync('restarted.txt').mtimeMs > {}) {{"
                           "  console.error('1.1.0 stopped answering'); process.exit(1); }}"
                           "require('./health.js');",
                           std::chrono::milliseconds(after).count())},
      .cwd = app.app()};
  return checks;
}

TEST_F(VersionManagerTest, CheckFailingDuringProbationRollsBackLikeAFailedVerify) {
  const AppState before = app_.Capture();
  Updater updater(
      app_, [](config::Config& config) { config.health.probation = std::chrono::seconds(30); },
      V110FailsAfter(app_, std::chrono::seconds(2)));
  const auto started = std::chrono::steady_clock::now();
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(To("v1.1.0")));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(25));
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.final_state, "RolledBack") << nlohmann::json(ToJson(result)).dump();
  EXPECT_EQ(result.failed_step, "probation");
  ASSERT_FALSE(result.errors.empty());
  EXPECT_NE(result.errors.front().find("unhealthy during the 30 s probation"), std::string::npos)
      << result.errors.front();
  EXPECT_NE(result.errors.front().find("1.1.0 stopped answering"), std::string::npos)
      << result.errors.front();
  EXPECT_EQ(app_.Capture(), before);
  const std::vector<std::string> steps = StepNames(*updater.store, result.transaction_id);
  EXPECT_NE(std::find(steps.begin(), steps.end(), "verify"), steps.end());
  EXPECT_NE(std::find(steps.begin(), steps.end(), "rollback-verify"), steps.end());
}

TEST_F(VersionManagerTest, HealthyProbationCommitsAfterTheWholeWindow) {
  Updater updater(
      app_, [](config::Config& config) { config.health.probation = std::chrono::seconds(2); },
      V110FailsAfter(app_, std::chrono::seconds(60)));
  const auto started = std::chrono::steady_clock::now();
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(To("v1.1.0")));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  ASSERT_TRUE(result.success) << nlohmann::json(ToJson(result)).dump();
  EXPECT_EQ(StepNames(*updater.store, result.transaction_id),
            (std::vector<std::string>{"snapshot", "fetch", "checkout", "install", "migrate",
                                      "build", "restart", "verify", "probation", "commit"}));
}

// The app updated from 1.0.1 to 1.1.0, with the backup of 1.0.1 that update made.
class SystemRollbackTest : public VersionManagerTest {
 protected:
  void SetUp() override {
    v101_ = app_.Capture();
    Updater updater(app_);
    ASSERT_OK_AND_ASSIGN(const UpdateResult update, updater.manager->Apply(To("v1.1.0")));
    ASSERT_TRUE(update.success) << nlohmann::json(ToJson(update)).dump();
    ASSERT_OK_AND_ASSIGN(const auto backups, updater.backups->List());
    ASSERT_EQ(backups.size(), 1u);
    backup_ = backups.front().id;
    // Data written by 1.1.0 after the update, in its new column.
    app_.Sqlite("INSERT INTO items (name, price) VALUES ('sold by 1.1.0', 5)");
    v110_ = app_.Capture();
  }

  RollbackOptions ToBackup() const { return RollbackOptions{.backup = backup_}; }

  AppState v101_;
  AppState v110_;
  std::string backup_;
};

TEST_F(SystemRollbackTest, RollbackToABackupServesItsVersionWithItsDatabase) {
  Updater updater(app_);
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Rollback(ToBackup()));
  ASSERT_TRUE(result.success) << nlohmann::json(ToJson(result)).dump();
  EXPECT_EQ(result.final_state, "Succeeded");
  EXPECT_EQ(result.previous_version, "1.1.0");
  EXPECT_EQ(result.new_version, "1.0.1");
  EXPECT_EQ(result.restored_backup, backup_);
  EXPECT_EQ(ToJson(result)["restoredBackup"], backup_);
  // Code on main at 1.0.1's commit, built, restarted, healthy, and the old schema and rows.
  EXPECT_EQ(app_.Capture(), v101_);
  EXPECT_EQ(app_.Sqlite("SELECT group_concat(name) FROM items"), "first\n");

  ASSERT_OK_AND_ASSIGN(const store::Transaction transaction,
                       updater.store->GetTransaction(result.transaction_id));
  EXPECT_EQ(transaction.type, store::TransactionType::kRollback);
  EXPECT_EQ(transaction.status, store::TransactionStatus::kSucceeded);
  EXPECT_EQ(StepNames(*updater.store, result.transaction_id),
            (std::vector<std::string>{"snapshot", "fetch", "checkout", "install", "migrate",
                                      "build", "restart", "verify", "commit"}));
  // The snapshot of 1.1.0 it took first is a backup too; the one returned to is kept.
  ASSERT_OK_AND_ASSIGN(const auto backups, updater.backups->List());
  ASSERT_EQ(backups.size(), 2u);
  EXPECT_EQ(backups.front().version, "1.1.0");
  EXPECT_EQ(backups.back().id, backup_);
}

TEST_F(SystemRollbackTest, RollbackWhoseBuildFailsReturnsTheAppToWhereItWas) {
  Updater updater(app_, [](config::Config& config) {
    config.commands.build = {"node", "-e",
                             "if (require('./package.json').version === '1.0.1') {"
                             "  console.error('cannot build 1.0.1 any more'); process.exit(3); }"
                             "require('./build.js');"};
  });
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Rollback(ToBackup()));
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.final_state, "RolledBack") << nlohmann::json(ToJson(result)).dump();
  EXPECT_EQ(result.failed_step, "build");
  EXPECT_EQ(result.new_version, "1.1.0");
  const std::string rolled_back = nlohmann::json(result.rolled_back).dump();
  EXPECT_NE(rolled_back.find("database restored"), std::string::npos) << rolled_back;
  EXPECT_NE(rolled_back.find("previous version rebuilt"), std::string::npos) << rolled_back;
  // 1.1.0 as it was: detached at its tag, built, restarted, its schema and its new row.
  EXPECT_EQ(app_.Capture(), v110_);
  EXPECT_EQ(app_.Sqlite("SELECT group_concat(name) FROM items"), "first,sold by 1.1.0\n");
  ASSERT_OK_AND_ASSIGN(const store::Transaction transaction,
                       updater.store->GetTransaction(result.transaction_id));
  EXPECT_EQ(transaction.status, store::TransactionStatus::kRolledBack);
}

TEST_F(SystemRollbackTest, HostileAndUnknownBackupsAreRefusedBeforeAnythingStarts) {
  Updater updater(app_);
  const fs::path dir = updater.config.backup.dir;
  fs::create_symlink(app_.app(), dir / "escape");
  for (const std::string& path :
       {std::string("../state"), std::string("/etc"), dir.string() + "X/" + backup_,
        backup_ + "/../../app", std::string("./escape"), std::string("$(id)")}) {
    SCOPED_TRACE(path);
    const Expected<UpdateResult> result = updater.manager->Rollback({.backup = path});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument) << result.error().message();
  }
  const Expected<UpdateResult> unknown =
      updater.manager->Rollback({.backup = "bk-20200101-000000-00000000"});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound) << unknown.error().message();
  EXPECT_EQ(app_.Capture(), v110_);
  ASSERT_OK_AND_ASSIGN(const auto transactions, updater.store->ListTransactions({.limit = 10}));
  EXPECT_EQ(transactions.size(), 1u);  // the update of SetUp only
}

// Runs a rollback to `backup` in a child process that dies right after journaling `state`.
int RollbackAndDieAt(SampleApp& app, const std::string& backup, UpdateState state) {
  const pid_t child = ::fork();
  if (child == 0) {
    Updater updater(app);
    (void)updater.manager->Rollback({.backup = backup, .crash_after_state = state});
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class RollbackCrashTest : public SystemRollbackTest,
                          public ::testing::WithParamInterface<UpdateState> {};

TEST_P(RollbackCrashTest, KilledMidRollbackIsRecoveredToThePreRollbackState) {
  ASSERT_EQ(RollbackAndDieAt(app_, backup_, GetParam()), 137);
  Updater updater(app_);
  ASSERT_OK_AND_ASSIGN(const auto unfinished, updater.store->ListUnfinishedTransactions());
  ASSERT_EQ(unfinished.size(), 1u);
  EXPECT_EQ(unfinished.front().type, store::TransactionType::kRollback);
  ASSERT_OK_AND_ASSIGN(const std::vector<UpdateResult> recovered, updater.manager->Recover());
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered.front().final_state, "RolledBack")
      << nlohmann::json(ToJson(recovered.front())).dump();
  EXPECT_EQ(recovered.front().restored_backup, backup_);
  EXPECT_EQ(app_.Capture(), v110_);
  EXPECT_EQ(app_.Sqlite("SELECT count(*) FROM items"), "2\n");

  // The app is usable again: the same rollback now succeeds.
  ASSERT_OK_AND_ASSIGN(const UpdateResult again, updater.manager->Rollback(ToBackup()));
  EXPECT_TRUE(again.success) << nlohmann::json(ToJson(again)).dump();
  EXPECT_EQ(app_.Capture(), v101_);
}

INSTANTIATE_TEST_SUITE_P(AfterTheAppWasTouched, RollbackCrashTest,
                         ::testing::Values(UpdateState::kCheckout, UpdateState::kMigrate,
                                           UpdateState::kBuild, UpdateState::kCommit),
                         [](const ::testing::TestParamInfo<UpdateState>& info) {
                           return std::string(StateName(info.param));
                         });

TEST_F(VersionManagerTest, JournalOfStateVersionOneFromAnOlderBuildIsStillRecovered) {
  const AppState before = app_.Capture();
  ASSERT_EQ(RunAndDieAt(app_, "v1.1.0", UpdateState::kBuild), 137);
  Updater updater(app_);
  ASSERT_OK_AND_ASSIGN(const auto unfinished, updater.store->ListUnfinishedTransactions());
  ASSERT_EQ(unfinished.size(), 1u);
  // What a build without rollbacks to backups journaled: version 1, no "restore" object.
  nlohmann::json state = nlohmann::json::parse(unfinished.front().state_json);
  state.erase("restore");
  ASSERT_OK(updater.store->RecordTransition(unfinished.front().id, {.state = "Build",
                                                                    .state_version = 1,
                                                                    .state_json = state.dump(),
                                                                    .from_version = std::nullopt,
                                                                    .to_version = std::nullopt,
                                                                    .error = std::nullopt}));
  ASSERT_OK_AND_ASSIGN(const std::vector<UpdateResult> recovered, updater.manager->Recover());
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered.front().final_state, "RolledBack")
      << nlohmann::json(ToJson(recovered.front())).dump();
  EXPECT_EQ(app_.Capture(), before);
}

TEST_F(VersionManagerTest, RecoverWhileAnUpdateRunsIsAConflict) {
  Updater updater(app_);
  const auto lock =
      core::FileLock::TryAcquire(updater.config.state.dir / "update.lock", "update tx-running");
  ASSERT_OK(lock);
  const auto recovered = updater.manager->Recover();
  ASSERT_FALSE(recovered.has_value());
  EXPECT_EQ(recovered.error().code(), ErrorCode::kConflict);
  EXPECT_NE(recovered.error().message().find("tx-running"), std::string::npos);
}

TEST_F(VersionManagerTest, UpdateFromAnSshRemoteListsTagsFetchesAndInstalls) {
  ::unsetenv("SSH_AUTH_SOCK");  // the configured key only
  ASSERT_OK_AND_ASSIGN(auto server, galaos::testing::SshServer::Start());
  const std::string url = server->Url(app_.git().remote());
  const std::string v110 = app_.git().Git(app_.git().author(), {"rev-parse", "v1.1.0^{commit}"});
  ASSERT_OK_AND_ASSIGN(const fs::path wrong, server->GenerateUnauthorizedKey("wrong_ed25519"));
  const auto over_ssh = [&](const fs::path& key) {
    return [&, key](config::Config& config) {
      config.git.remote = url;
      config.git.ssh_key = key;
      config.git.ssh_known_hosts = server->known_hosts();
    };
  };

  Updater refused(app_, over_ssh(wrong));
  const auto denied = refused.manager->Apply(To("v1.1.0"));
  EXPECT_ERROR_CODE(denied, ErrorCode::kUnauthorized);
  EXPECT_NE(denied.error().message().find("authentication failed for " + url), std::string::npos)
      << denied.error().message();
  ASSERT_OK_AND_ASSIGN(const auto none, refused.store->ListTransactions({.limit = 10}));
  EXPECT_TRUE(none.empty());

  Updater updater(app_, over_ssh(server->authorized_key()));
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(To("v1.1.0")));
  ASSERT_TRUE(result.success) << nlohmann::json(ToJson(result)).dump();
  EXPECT_EQ(app_.Capture().head_commit, v110);
  EXPECT_EQ(app_.Capture().restarted_version, "1.1.0");
}

// ---- notifications: written with the change they announce ----

class TransactionEventsTest : public VersionManagerTest {
 protected:
  // The outbox rows of one sink, oldest first, as "<type>" with their payload's data.
  static std::vector<std::pair<std::string, nlohmann::json>> Events(store::Store& store,
                                                                    const std::string& sink) {
    std::vector<std::pair<std::string, nlohmann::json>> events;
    const auto rows = store.ListNotifications({.limit = 1000});
    EXPECT_TRUE(rows.has_value());
    if (!rows) return events;
    for (auto row = rows->rbegin(); row != rows->rend(); ++row) {
      if (row->sink != sink) continue;
      events.emplace_back(row->event_type, nlohmann::json::parse(row->payload_json)["data"]);
    }
    return events;
  }

  static void WithWebhook(config::Config& config) {
    config.notify.webhook.url = "http://127.0.0.1:9/hook";
    config.notify.webhook.secret = "0123456789abcdef0123456789abcdef";
  }
};

TEST_F(TransactionEventsTest, SuccessfulUpdateQueuesStartedAndCompletedForEveryEnabledSink) {
  Updater updater(app_, &TransactionEventsTest::WithWebhook);
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(To("v1.1.0")));
  ASSERT_TRUE(result.success);

  for (const std::string sink : {"database", "webhook"}) {
    const auto events = Events(*updater.store, sink);
    ASSERT_EQ(events.size(), 2u) << sink;
    EXPECT_EQ(events[0].first, "update_started");
    EXPECT_EQ(events[0].second["transaction_id"], result.transaction_id);
    EXPECT_EQ(events[0].second["from_version"], "1.0.1");
    EXPECT_EQ(events[0].second["to_version"], "1.1.0");
    EXPECT_EQ(events[0].second["update_type"], "code");
    EXPECT_EQ(events[0].second["trigger"], "cli");
    EXPECT_EQ(events[1].first, "update_completed");
    EXPECT_EQ(events[1].second["transaction_id"], result.transaction_id);
    EXPECT_EQ(events[1].second["to_version"], "1.1.0");
  }
  // The webhook's rows wait for the deliverer; the database row is the record itself.
  ASSERT_OK_AND_ASSIGN(
      const auto pending,
      updater.store->ListNotifications({.limit = 100, .status = store::OutboxStatus::kPending}));
  ASSERT_EQ(pending.size(), 2u);
  for (const store::Notification& row : pending) EXPECT_EQ(row.sink, "webhook");
}

TEST_F(TransactionEventsTest, FailedUpdateQueuesUpdateFailedWithTheStepAndTheRollback) {
  app_.PublishV1_2Failing();
  Updater updater(app_, &TransactionEventsTest::WithWebhook);
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(To("v1.2.0")));
  ASSERT_EQ(result.final_state, "RolledBack");

  const auto events = Events(*updater.store, "webhook");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].first, "update_started");
  EXPECT_EQ(events[1].first, "update_failed");
  const nlohmann::json& failed = events[1].second;
  EXPECT_EQ(failed["transaction_id"], result.transaction_id);
  EXPECT_EQ(failed["failed_step"], "build");
  EXPECT_EQ(failed["rollback"], "rolled_back");
  EXPECT_EQ(failed["rolled_back"], true);
  EXPECT_NE(failed["error"].get<std::string>().find("npm run build exited with status 2"),
            std::string::npos)
      << failed.dump();
}

TEST_F(TransactionEventsTest, FailureBeforeAnythingChangedNeedsNoRollback) {
  Updater updater(app_, [](config::Config& config) {
    WithWebhook(config);
    config.update.min_free_disk_mb = std::numeric_limits<int>::max();  // preflight refuses
  });
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(To("v1.1.0")));
  ASSERT_EQ(result.final_state, "Failed");
  const auto events = Events(*updater.store, "webhook");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].first, "update_failed");
  EXPECT_EQ(events[1].second["failed_step"], "preflight");
  EXPECT_EQ(events[1].second["rollback"], "not_needed");
  EXPECT_EQ(events[1].second["rolled_back"], false);
}

TEST_F(TransactionEventsTest, NoSinksChosenQueuesNothing) {
  Updater updater(app_, &TransactionEventsTest::WithWebhook);
  UpdateOptions options = To("v1.1.0");
  options.notify_sinks = std::vector<std::string>{};
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(options));
  ASSERT_TRUE(result.success);
  ASSERT_OK_AND_ASSIGN(const auto rows, updater.store->ListNotifications({.limit = 100}));
  EXPECT_TRUE(rows.empty());
}

TEST_F(TransactionEventsTest, WithNoSinkConfiguredOnlyTheDatabaseRecordIsWrittenAndNothingWaits) {
  Updater updater(app_);
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Apply(To("v1.1.0")));
  ASSERT_TRUE(result.success);
  ASSERT_OK_AND_ASSIGN(const auto rows, updater.store->ListNotifications({.limit = 100}));
  ASSERT_EQ(rows.size(), 2u);
  for (const store::Notification& row : rows) {
    EXPECT_EQ(row.sink, "database");
    EXPECT_EQ(row.status, store::OutboxStatus::kDelivered);
  }
}

TEST_F(SystemRollbackTest, SuccessfulRollbackQueuesRollbackCompleted) {
  Updater updater(app_);
  ASSERT_OK_AND_ASSIGN(const UpdateResult result, updater.manager->Rollback(ToBackup()));
  ASSERT_TRUE(result.success);
  ASSERT_OK_AND_ASSIGN(const auto rows, updater.store->ListNotifications({.limit = 100}));
  ASSERT_GE(rows.size(), 2u);
  // Newest first: this rollback's end, then its start.
  EXPECT_EQ(rows[0].event_type, "rollback_completed");
  const nlohmann::json data = nlohmann::json::parse(rows[0].payload_json)["data"];
  EXPECT_EQ(data["transaction_id"], result.transaction_id);
  EXPECT_EQ(data["restored_version"], "1.0.1");
  EXPECT_EQ(data["backup_id"], backup_);
  EXPECT_EQ(rows[1].event_type, "update_started");
  EXPECT_EQ(nlohmann::json::parse(rows[1].payload_json)["data"]["update_type"], "rollback");
}

}  // namespace
}  // namespace galaos::code
