// The galaos-updater binary as a user meets it: help, usage errors, config check/show,
// history and audit verification, backups, rollback, health, apply, exit codes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "core/AtomicFile.h"
#include "core/Clock.h"
#include "core/FileLock.h"
#include "core/Process.h"
#include "core/TempDir.h"
#include "store/SqliteStore.h"
#include "support/GitFixture.h"

namespace galaos::cli {
namespace {

struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
 protected:
  // Runs the binary with a private state dir, the app in `app_root` (default: the test's
  // directory) and no config file from the environment.
  CliRun Run(std::vector<std::string> args, const std::filesystem::path& app_root = {}) {
    core::ProcessOptions options;
    options.argv = {GALAOS_CLI_PATH, "--state-dir", state_.string(), "--app-root",
                    app_root.empty() ? dir_.path().string() : app_root.string()};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.unset_environment = {"GALAOS_UPDATER_CONFIG", "GITHUB_REPO", "UPDATE_BRANCH",
                                 "AUTO_UPDATE_ENABLED", "BACKUP_RETENTION_COUNT"};
    options.environment["GALAOS_UPDATER_CONFIG"] = "";  // no machine-wide file either
    options.timeout = std::chrono::seconds(60);
    auto result = core::RunProcess(options);
    EXPECT_TRUE(result.has_value()) << result.error().message();
    return {result->exit_code, result->stdout_tail, result->stderr_tail};
  }

  std::filesystem::path WriteConfig(std::string_view text) {
    std::filesystem::path path = dir_.path() / "config.toml";
    EXPECT_TRUE(core::WriteFileAtomic(path, text).has_value());
    return path;
  }

  core::TempDir dir_ = std::move(*core::TempDir::Create("cli-test-"));
  std::filesystem::path state_ = dir_.path() / "state";
};

int CountLines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

TEST_F(CliTest, HelpListsEverySubcommand) {
  CliRun run = Run({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  for (const char* command :
       {"config", "history", "audit", "check", "apply", "recover", "backups", "rollback", "health",
        "token", "docker", "serve", "notify", "schedule"}) {
    EXPECT_NE(run.out.find(command), std::string::npos) << command << " missing from:\n" << run.out;
  }
}

TEST_F(CliTest, UnknownOptionIsOneLineAndExitCodeTwo) {
  CliRun run = Run({"history", "--bogus"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(CountLines(run.err), 1) << run.err;
  EXPECT_NE(run.err.find("--bogus"), std::string::npos) << run.err;
}

TEST_F(CliTest, MissingSubcommandIsAUsageError) {
  CliRun run = Run({});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(CountLines(run.err), 1) << run.err;
}

TEST_F(CliTest, OutOfRangeLimitIsAUsageError) {
  CliRun run = Run({"history", "--limit", "0"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(CountLines(run.err), 1) << run.err;
}

TEST_F(CliTest, ConfigCheckAcceptsDefaults) {
  CliRun run = Run({"config", "check"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("configuration ok"), std::string::npos) << run.out;
}

TEST_F(CliTest, ConfigCheckReportsEachProblemAsFileLineColumn) {
  std::filesystem::path path = WriteConfig("[git]\nbranchh = \"main\"\n[backup]\nretention = 0\n");
  CliRun run = Run({"--config", path.string(), "config", "check"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(CountLines(run.err), 2) << run.err;
  EXPECT_NE(run.err.find(path.string() + ":2:1:"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("did you mean"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(path.string() + ":4:"), std::string::npos) << run.err;
}

TEST_F(CliTest, ConfigShowRedactsSecretsAndAppliesOverrides) {
  std::filesystem::path path =
      WriteConfig("[github]\nrepo = \"galaos/galaos\"\ntoken = \"ghp_supersecret\"\n");
  CliRun run =
      Run({"--config", path.string(), "--set", "git.branch=develop", "config", "show", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find("ghp_supersecret"), std::string::npos);
  nlohmann::json shown = nlohmann::json::parse(run.out);
  EXPECT_EQ(shown["git"]["branch"], "develop");
  EXPECT_EQ(shown["github"]["repo"], "galaos/galaos");
}

TEST_F(CliTest, HistoryOfAFreshStoreIsEmpty) {
  CliRun text = Run({"history"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("no updates yet"), std::string::npos);
  CliRun json = Run({"history", "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out), nlohmann::json::array());
}

TEST_F(CliTest, HistoryListsTransactionsNewestFirstWithTheirSteps) {
  {
    auto store = store::OpenSqliteStore(state_ / "state.db", core::SystemClock::Instance());
    ASSERT_TRUE(store.has_value()) << store.error().message();
    for (const char* to : {"1.1.0", "1.2.0"}) {
      auto tx = (*store)->CreateTransaction(
          store::NewTransaction{.from_version = "1.0.0", .to_version = to, .state = "Preflight"});
      ASSERT_TRUE(tx.has_value()) << tx.error().message();
      auto step = (*store)->BeginStep(tx->id, "fetch");
      ASSERT_TRUE(step.has_value());
      ASSERT_TRUE(
          (*store)->FinishStep(*step, store::StepResult{.status = store::StepStatus::kSucceeded}));
    }
  }
  CliRun run = Run({"history", "--json", "--limit", "5"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  nlohmann::json history = nlohmann::json::parse(run.out);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0]["type"], "system_update_code");
  EXPECT_EQ(history[0]["steps"].size(), 1u);
  CliRun table = Run({"history"});
  EXPECT_LT(table.out.find("1.2.0"), table.out.find("1.1.0")) << table.out;
}

TEST_F(CliTest, AuditVerifyPassesOnAnIntactChainAndFailsWithExitFiveOnTampering) {
  {
    auto store = store::OpenSqliteStore(state_ / "state.db", core::SystemClock::Instance());
    ASSERT_TRUE(store.has_value()) << store.error().message();
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE((*store)->AppendAudit(
          store::AuditEntry{.actor = "admin", .action = "rollback", .outcome = "ok"}));
    }
  }
  CliRun intact = Run({"audit", "verify"});
  EXPECT_EQ(intact.exit_code, 0) << intact.err;

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((state_ / "state.db").c_str(), &db), SQLITE_OK);
  // Someone with write access to the file gets past the append-only triggers.
  int rc = sqlite3_exec(db,
                        "DROP TRIGGER audit_log_no_update;"
                        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2",
                        nullptr, nullptr, nullptr);
  std::string message = sqlite3_errmsg(db);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;

  CliRun tampered = Run({"audit", "verify", "--json"});
  EXPECT_EQ(tampered.exit_code, 5) << tampered.err;
  EXPECT_EQ(nlohmann::json::parse(tampered.out)["firstTamperedSeq"], 2);
}

std::vector<store::AuditRecord> AuditRows(const std::filesystem::path& state) {
  auto store = store::OpenSqliteStore(state / "state.db", core::SystemClock::Instance());
  EXPECT_TRUE(store.has_value()) << store.error().message();
  auto rows = (*store)->ListAudit(store::AuditQuery{.limit = 100});
  EXPECT_TRUE(rows.has_value()) << rows.error().message();
  return *rows;
}

TEST_F(CliTest, BackupsListOfAFreshStoreIsEmpty) {
  CliRun text = Run({"backups", "list"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("no backups yet"), std::string::npos) << text.out;
  CliRun json = Run({"backups", "list", "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out), nlohmann::json::array());
}

TEST_F(CliTest, BackupsCleanRefusesKeepZero) {
  CliRun run = Run({"backups", "clean", "--keep", "0"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(CountLines(run.err), 1) << run.err;
}

TEST_F(CliTest, BackupsCleanIsAudited) {
  CliRun run = Run({"backups", "clean", "--keep", "2"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  std::vector<store::AuditRecord> rows = AuditRows(state_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].entry.action, "backups clean");
  EXPECT_EQ(nlohmann::json::parse(rows[0].entry.input_json)["keep"], 2);
  EXPECT_FALSE(rows[0].entry.actor.empty());
}

TEST_F(CliTest, RollbackOfAPathOutsideTheBackupDirIsRefusedWithExitTwoAndAudited) {
  CliRun run = Run({"rollback", "../etc"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(CountLines(run.err), 1) << run.err;
  EXPECT_TRUE(run.out.empty()) << run.out;
  std::vector<store::AuditRecord> rows = AuditRows(state_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].entry.action, "rollback");
  EXPECT_TRUE(rows[0].entry.outcome.starts_with("failed")) << rows[0].entry.outcome;
}

TEST_F(CliTest, RollbackToAnUnknownBackupIsNotFoundWithExitFourAndAudited) {
  CliRun run = Run({"rollback", "bk-20200101-000000-00000000"});
  EXPECT_EQ(run.exit_code, 4) << run.err;
  EXPECT_EQ(CountLines(run.err), 1) << run.err;
  std::vector<store::AuditRecord> rows = AuditRows(state_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].entry.action, "rollback");
  EXPECT_EQ(nlohmann::json::parse(rows[0].entry.input_json)["backup"],
            "bk-20200101-000000-00000000");
}

TEST_F(CliTest, RollbackNeedsABackup) {
  CliRun run = Run({"rollback"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(CountLines(run.err), 1) << run.err;
}

TEST_F(CliTest, HealthIsUnhealthyWithExitOneWhenACommandCheckFails) {
  std::filesystem::path path = WriteConfig(
      "[docker]\nenabled = false\n"
      "[[health.checks]]\nname = \"passes\"\ntype = \"command\"\nargv = [\"true\"]\n"
      "[[health.checks]]\nname = \"fails\"\ntype = \"command\"\nargv = [\"false\"]\n");
  CliRun text = Run({"--config", path.string(), "health"});
  EXPECT_EQ(text.exit_code, 1) << text.err;
  EXPECT_NE(text.out.find("passes"), std::string::npos) << text.out;
  EXPECT_NE(text.err.find("fails"), std::string::npos) << text.err;
  CliRun json = Run({"--config", path.string(), "health", "--json"});
  EXPECT_EQ(json.exit_code, 1) << json.err;
  nlohmann::json report = nlohmann::json::parse(json.out);
  EXPECT_EQ(report["healthy"], false);
  EXPECT_EQ(report["checks"]["passes"], true);
  EXPECT_EQ(report["checks"]["fails"], false);
}

TEST_F(CliTest, HealthWithoutChecksIsHealthy) {
  std::filesystem::path path = WriteConfig("[docker]\nenabled = false\n");
  CliRun run = Run({"--config", path.string(), "health"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("no health checks configured"), std::string::npos) << run.out;
}

TEST_F(CliTest, ApplyCodeRefusesAHostileBranchNameWithExitTwo) {
  CliRun run = Run({"apply", "code", "--branch", "$(id)"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(CountLines(run.err), 1) << run.err;
}

// A git fixture with v1.1.0 published, and a config that needs no lockfile and no Docker.
class CliGitTest : public CliTest {
 protected:
  void SetUp() override { git_.PublishV1_1(); }

  CliRun RunOnApp(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config_.string()});
    return Run(std::move(args), git_.app());
  }

  git::testing::GitFixture git_;
  std::filesystem::path config_ = WriteConfig(
      "[update]\nsource = \"git\"\nmin_free_disk_mb = 1\n[docker]\nenabled = false\n"
      "[commands]\ninstall = [\"true\"]\n");  // the fixture has no lockfile
};

TEST_F(CliGitTest, CheckReportsTheNewerTagAsAvailable) {
  CliRun run = RunOnApp({"check", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  nlohmann::json check = nlohmann::json::parse(run.out);
  EXPECT_EQ(check["available"], true);
  EXPECT_EQ(check["currentVersion"], "1.0.0");
  EXPECT_EQ(check["latestVersion"], "1.1.0");
  CliRun text = RunOnApp({"check"});
  EXPECT_NE(text.out.find("available yes"), std::string::npos) << text.out;
}

TEST_F(CliGitTest, ApplyCodeDryRunPrintsThePlanAndChangesNothing) {
  const std::string head = git_.Git(git_.app(), {"rev-parse", "HEAD"});
  CliRun run = RunOnApp({"apply", "code", "--dry-run", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  nlohmann::json result = nlohmann::json::parse(run.out);
  EXPECT_EQ(result["plan"]["currentVersion"], "1.0.0");
  EXPECT_EQ(result["plan"]["targetVersion"], "1.1.0");
  EXPECT_EQ(git_.Git(git_.app(), {"rev-parse", "HEAD"}), head);
  EXPECT_EQ(AuditRows(state_).at(0).entry.action, "apply code");
}

TEST_F(CliGitTest, ApplyCodeIsAConflictWithExitThreeWhileTheUpdateLockIsHeld) {
  std::filesystem::create_directories(state_);
  auto lock = core::FileLock::TryAcquire(state_ / "update.lock", "update tx-held-by-test");
  ASSERT_TRUE(lock.has_value()) << lock.error().message();
  CliRun run = RunOnApp({"apply", "code"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("tx-held-by-test"), std::string::npos) << run.err;
}

TEST_F(CliGitTest, ApplyCodeWithRequireHealthyRefusesAnUnhealthyAppAndChangesNothing) {
  const std::string head = git_.Git(git_.app(), {"rev-parse", "HEAD"});
  const std::filesystem::path config = WriteConfig(
      "[update]\nsource = \"git\"\nmin_free_disk_mb = 1\n[docker]\nenabled = false\n"
      "[commands]\ninstall = [\"true\"]\n"
      "[[health.checks]]\nname = \"app\"\ntype = \"command\"\nargv = [\"false\"]\n");
  CliRun run = Run({"--config", config.string(), "apply", "code", "--require-healthy", "--json"},
                   git_.app());
  EXPECT_EQ(run.exit_code, 1) << run.err;
  nlohmann::json result = nlohmann::json::parse(run.out);
  EXPECT_EQ(result["success"], false);
  EXPECT_EQ(result["failedStep"], "preflight");
  EXPECT_NE(result["errors"][0].get<std::string>().find("unhealthy before the update"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(git_.Git(git_.app(), {"rev-parse", "HEAD"}), head);
  EXPECT_EQ(nlohmann::json::parse(AuditRows(state_).at(0).entry.input_json)["requireHealthy"],
            true);
}

TEST_F(CliGitTest, RollbackReturnsTheAppToTheBackupOfItsPreviousVersionAndIsAudited) {
  const std::string v100 = git_.Git(git_.app(), {"rev-parse", "HEAD"});
  CliRun update = RunOnApp({"apply", "code", "--json"});
  ASSERT_EQ(update.exit_code, 0) << update.err << update.out;
  CliRun list = RunOnApp({"backups", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const nlohmann::json listed = nlohmann::json::parse(list.out).at(0);
  const std::string backup = listed.at("id");
  // The API's listBackups shape.
  EXPECT_EQ(listed["version"], "1.0.0");
  EXPECT_TRUE(listed["timestamp"].is_string());
  EXPECT_EQ(listed["metadata"]["commit"], v100);

  CliRun run = RunOnApp({"rollback", backup, "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  const nlohmann::json result = nlohmann::json::parse(run.out);
  EXPECT_EQ(result["success"], true);
  EXPECT_EQ(result["previousVersion"], "1.1.0");
  EXPECT_EQ(result["newVersion"], "1.0.0");
  EXPECT_EQ(result["restoredBackup"], backup);
  EXPECT_EQ(git_.Git(git_.app(), {"rev-parse", "HEAD"}), v100);
  EXPECT_EQ(git_.Git(git_.app(), {"branch", "--show-current"}), "main");

  const std::vector<store::AuditRecord> rows = AuditRows(state_);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].entry.action, "rollback");
  EXPECT_EQ(rows[0].entry.outcome, "Succeeded");
  EXPECT_EQ(rows[0].entry.transaction_id, result["transactionId"]);
  CliRun history = RunOnApp({"history", "--json", "--limit", "1"});
  EXPECT_EQ(nlohmann::json::parse(history.out).at(0)["type"], "system_rollback") << history.out;
  CliRun text = RunOnApp({"rollback", backup});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("rolled back 1.0.0 -> 1.0.0"), std::string::npos) << text.out;
}

TEST_F(CliTest, RecoverWithNothingToRecoverSaysSoAndIsAudited) {
  CliRun run = Run({"recover"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("nothing to recover"), std::string::npos) << run.out;
  std::vector<store::AuditRecord> rows = AuditRows(state_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].entry.action, "recover");
}

TEST_F(CliTest, TokenCreatePrintsTheTokenOnceAndListShowsItWithoutTheSecret) {
  CliRun created = Run({"token", "create", "--name", "dashboard", "--role", "admin"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string token = created.out.substr(0, created.out.find('\n'));
  ASSERT_EQ(token.size(), 12u + 1 + 43) << created.out;
  std::string id = token.substr(0, 12);
  std::string secret = token.substr(13);

  CliRun listed = Run({"token", "list", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out.find(secret), std::string::npos);
  nlohmann::json tokens = nlohmann::json::parse(listed.out);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0]["id"], id);
  EXPECT_EQ(tokens[0]["name"], "dashboard");
  EXPECT_EQ(tokens[0]["role"], "admin");
  EXPECT_TRUE(tokens[0]["revokedAt"].is_null());

  std::vector<store::AuditRecord> rows = AuditRows(state_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].entry.action, "token.create");
  EXPECT_EQ(rows[0].entry.input_json.find(secret), std::string::npos);
}

TEST_F(CliTest, TokenRevokeMarksTheTokenRevokedAndAnUnknownIdIsNotFound) {
  CliRun created = Run({"token", "create", "--name", "ci"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string id = created.out.substr(0, 12);
  CliRun revoked = Run({"token", "revoke", id});
  EXPECT_EQ(revoked.exit_code, 0) << revoked.err;
  nlohmann::json tokens = nlohmann::json::parse(Run({"token", "list", "--json"}).out);
  EXPECT_EQ(tokens[0]["role"], "viewer");
  EXPECT_FALSE(tokens[0]["revokedAt"].is_null());
  CliRun unknown = Run({"token", "revoke", "000000000000"});
  EXPECT_EQ(unknown.exit_code, 4) << unknown.err;
}

TEST_F(CliTest, TokenCreateRefusesAnUnknownRole) {
  CliRun run = Run({"token", "create", "--name", "x", "--role", "root"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
}

TEST_F(CliTest, ScheduleCreateListEnableDisableAndRemoveWorkOnTheStore) {
  CliRun created =
      Run({"schedule", "create", "30 2 * * *", "--type", "both", "--timezone", "Europe/Berlin",
           "--auto-apply", "--window", "Sat,Sun 02:00-05:00", "--channel", "slack", "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const nlohmann::json schedule = nlohmann::json::parse(created.out);
  const std::string id = schedule["id"];
  EXPECT_EQ(schedule["updateType"], "both");
  EXPECT_EQ(schedule["maintenanceWindow"], "Sat,Sun 02:00-05:00");
  EXPECT_EQ(schedule["notificationChannels"], nlohmann::json::array({"slack"}));

  CliRun text = Run({"schedule", "list"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("every day at 02:30 Europe/Berlin"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("auto-apply"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("fire times"), std::string::npos) << text.out;
  CliRun listed = Run({"schedule", "list", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const nlohmann::json all = nlohmann::json::parse(listed.out);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["nextRuns"].size(), 5u);
  EXPECT_EQ(all[0]["nextRun"], all[0]["nextRuns"][0]);
  EXPECT_TRUE(all[0]["lastRun"].is_null());

  EXPECT_EQ(Run({"schedule", "disable", id}).exit_code, 0);
  EXPECT_TRUE(
      nlohmann::json::parse(Run({"schedule", "list", "--json"}).out)[0]["nextRun"].is_null());
  EXPECT_EQ(Run({"schedule", "enable", id}).exit_code, 0);
  CliRun next = Run({"schedule", "next", id, "--count", "3"});
  EXPECT_EQ(CountLines(next.out), 3) << next.out;
  EXPECT_EQ(Run({"schedule", "remove", id}).exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(Run({"schedule", "list", "--json"}).out),
            nlohmann::json::array());

  std::vector<std::string> actions;
  for (const store::AuditRecord& row : AuditRows(state_)) actions.push_back(row.entry.action);
  EXPECT_EQ(actions,
            (std::vector<std::string>{"schedule remove", "schedule enable", "schedule disable",
                                      "schedule create"}));  // newest first
}

TEST_F(CliTest, ScheduleCreateRejectsABadFieldNamingItAndStoresNothing) {
  CliRun run = Run({"schedule", "create", "0 25 * * *"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("hour \"25\""), std::string::npos) << run.err;
  run = Run({"schedule", "create", "0 2 * * *", "--window", "Sat 02:00-25:00"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("end time"), std::string::npos) << run.err;
  EXPECT_EQ(nlohmann::json::parse(Run({"schedule", "list", "--json"}).out),
            nlohmann::json::array());
}

TEST_F(CliTest, ScheduleRemoveOfAnUnknownIdIsNotFoundWithExitFour) {
  CliRun run = Run({"schedule", "remove", "sch-nope"});
  EXPECT_EQ(run.exit_code, 4) << run.err;
}

TEST_F(CliGitTest, ScheduleTriggerCheckOnlyAnnouncesAndTriggerAppliesTheUpdate) {
  CliRun check = RunOnApp({"schedule", "trigger", "code", "--check-only"});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out, "code: 1.1.0 available (running 1.0.0)\n");
  CliRun outbox = RunOnApp({"notify", "outbox", "--json"});
  EXPECT_EQ(nlohmann::json::parse(outbox.out).at(0)["event"], "update_available") << outbox.out;

  CliRun run = RunOnApp({"schedule", "trigger", "both", "--skip-build", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  const nlohmann::json outcome = nlohmann::json::parse(run.out);
  EXPECT_EQ(outcome["success"], true);
  EXPECT_EQ(outcome["code"]["update"]["newVersion"], "1.1.0");
  EXPECT_NE(outcome["summary"].get<std::string>().find("docker: off"), std::string::npos);
  EXPECT_EQ(AuditRows(state_).front().entry.action, "schedule trigger");
}

TEST_F(CliGitTest, ScheduleTriggerIsAConflictWithExitThreeWhileTheUpdateLockIsHeld) {
  std::filesystem::create_directories(state_);
  auto lock = core::FileLock::TryAcquire(state_ / "update.lock", "update tx-held-by-test");
  ASSERT_TRUE(lock.has_value()) << lock.error().message();
  CliRun run = RunOnApp({"schedule", "trigger", "code"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("tx-held-by-test"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace galaos::cli
