// The galaos-updater binary as a user meets it: help, usage errors, config check/show,
// history and audit verification, exit codes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "core/AtomicFile.h"
#include "core/Clock.h"
#include "core/Process.h"
#include "core/TempDir.h"
#include "store/SqliteStore.h"

namespace galaos::cli {
namespace {

struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
 protected:
  // Runs the binary with a private state dir and no config file from the environment.
  CliRun Run(std::vector<std::string> args) {
    core::ProcessOptions options;
    options.argv = {GALAOS_CLI_PATH, "--state-dir", state_.string(), "--app-root",
                    dir_.path().string()};
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
  for (const char* command : {"config", "history", "audit"}) {
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

}  // namespace
}  // namespace galaos::cli
