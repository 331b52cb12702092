// UpdateRunner against the real sample app (git remote, npm, sqlite) of the code tests.
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>

#include "../code/SampleApp.h"
#include "core/FileLock.h"
#include "service/UpdateRunner.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"
#include "support/TestServices.h"

namespace galaos::service {
namespace {

using code::testing::SampleApp;

class UpdateRunnerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::setenv("npm_config_audit", "false", 1);
    ::setenv("npm_config_fund", "false", 1);
    ::setenv("npm_config_update_notifier", "false", 1);
  }

  void SetUp() override {
    config_ = app_.MakeConfig();
    config_.docker.enabled = false;
    config_.notify.webhook.url = "http://127.0.0.1:9/hook";  // enabled; nothing delivers here
    ASSERT_OK_AND_ASSIGN(store_, store::OpenSqliteStore(config_.state.dir / "state.db",
                                                        core::SystemClock::Instance()));
    ASSERT_OK_AND_ASSIGN(services_, Services::Make(config_, *store_));
    runner_.emplace(config_, *store_, *services_, core::SystemClock::Instance());
  }

  // The sinks the outbox holds `event` for.
  std::vector<std::string> OutboxSinks(std::string_view event = "update_available") {
    auto rows = store_->ListNotifications({});
    EXPECT_TRUE(rows) << rows.error().message();
    std::vector<std::string> sinks;
    for (const store::Notification& row : rows ? *rows : std::vector<store::Notification>{}) {
      if (row.event_type == event) sinks.push_back(row.sink);
    }
    std::ranges::sort(sinks);
    return sinks;
  }

  SampleApp app_;
  config::Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Services> services_;
  std::optional<UpdateRunner> runner_;
};

TEST_F(UpdateRunnerTest, ACheckOnlyRunAnnouncesTheAvailableUpdateToTheChosenChannels) {
  ASSERT_OK_AND_ASSIGN(
      const RunOutcome outcome,
      runner_->Run({.type = store::ScheduleUpdateType::kCode, .channels = {"webhook", "slack"}}));
  EXPECT_TRUE(outcome.success);
  EXPECT_EQ(outcome.summary, "code: 1.1.0 available (running 1.0.1)");
  EXPECT_TRUE(outcome.announced_event.has_value());
  EXPECT_FALSE(outcome.code_update.has_value());
  // Slack is not configured, so only the record and the webhook get the event.
  EXPECT_EQ(OutboxSinks(), (std::vector<std::string>{"database", "webhook"}));
  EXPECT_EQ(app_.Capture().package_json.find("1.1.0"), std::string::npos);  // nothing applied
}

TEST_F(UpdateRunnerTest, AnApplyingRunUpdatesTheCodeThroughTheTransaction) {
  RunRequest request{.type = store::ScheduleUpdateType::kBoth, .apply = true};
  request.code_options.trigger = "schedule:test";
  ASSERT_OK_AND_ASSIGN(const RunOutcome outcome, runner_->Run(request));
  EXPECT_TRUE(outcome.success) << outcome.summary;
  ASSERT_TRUE(outcome.code_update.has_value());
  EXPECT_EQ(outcome.code_update->new_version, "1.1.0");
  EXPECT_EQ(outcome.summary.substr(0, 28), "code: updated 1.0.1 -> 1.1.0") << outcome.summary;
  EXPECT_NE(outcome.summary.find("docker: off"), std::string::npos) << outcome.summary;
  EXPECT_EQ(app_.Capture().restarted_version, "1.1.0");
  EXPECT_TRUE(OutboxSinks().empty());  // applied, not announced
  EXPECT_EQ(OutboxSinks("update_completed"), (std::vector<std::string>{"database", "webhook"}));
}

TEST_F(UpdateRunnerTest, BothLeavesTheContainersAloneWhenTheCodeUpdateFailed) {
  app_.PublishV1_2Failing();
  config_.docker.enabled = true;  // would be checked (and fail: no engine) if it were reached
  config_.docker.host = "unix:///nonexistent/docker.sock";
  RunRequest request{.type = store::ScheduleUpdateType::kBoth, .apply = true};
  request.code_options.target = "v1.2.0";
  ASSERT_OK_AND_ASSIGN(const RunOutcome outcome, runner_->Run(request));
  EXPECT_FALSE(outcome.success);
  ASSERT_TRUE(outcome.code_update.has_value());
  EXPECT_EQ(outcome.code_update->final_state, "RolledBack");
  EXPECT_NE(outcome.summary.find("code: update failed in build"), std::string::npos)
      << outcome.summary;
  EXPECT_NE(outcome.summary.find("docker: not run (the code part failed)"), std::string::npos)
      << outcome.summary;
  EXPECT_TRUE(outcome.containers.empty());
}

TEST_F(UpdateRunnerTest, ARunWhileAnUpdateHoldsTheLockIsRefusedNamingIt) {
  std::filesystem::create_directories(config_.state.dir);
  ASSERT_OK_AND_ASSIGN(
      core::FileLock lock,
      core::FileLock::TryAcquire(config_.state.dir / "update.lock", "update tx-held-by-test"));
  const auto refused = runner_->Run({.type = store::ScheduleUpdateType::kCode});
  EXPECT_ERROR_CODE(refused, ErrorCode::kConflict);
  EXPECT_NE(refused.error().message().find("tx-held-by-test"), std::string::npos);

  store::Schedule schedule{.id = "sch-1"};
  const std::string result = runner_->Run(schedule, schedule::RunPlan{.trigger = "schedule:sch-1"});
  EXPECT_EQ(result.rfind("skipped: another update is running", 0), 0u) << result;
  EXPECT_NE(result.find("tx-held-by-test"), std::string::npos) << result;
  EXPECT_TRUE(OutboxSinks().empty());
}

// A check reads the checkout and the release source: it holds the update lock meanwhile, so
// no update can change what it reads. Seen from the release source (a GitHub API on loopback
// that looks at the lock file while it answers the check's request).
TEST_F(UpdateRunnerTest, ACheckOnlyRunHoldsTheUpdateLockWhileItChecks) {
  std::mutex mutex;
  std::vector<std::string> holders;  // the lock's holder at each request; "" when free
  httplib::Server github;
  github.Get("/ready", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ready", "text/plain");
  });
  github.Get(".*", [&](const httplib::Request&, httplib::Response& response) {
    auto lock = core::FileLock::Inspect(config_.state.dir / "update.lock");
    std::lock_guard guard(mutex);
    holders.push_back(lock && lock->held && lock->owner ? lock->owner->description : "");
    response.status = 404;
    response.set_content(R"({"message":"Not Found"})", "application/json");
  });
  const int port = github.bind_to_any_port("127.0.0.1");
  std::jthread serving([&] { github.listen_after_bind(); });
  // stop() is a no-op until the accept loop runs; one answered request proves it runs.
  ASSERT_TRUE(httplib::Client("127.0.0.1", port).Get("/ready"));
  config_.update.source = config::ReleaseSource::kGithub;
  config_.github.repo = "galaos/sample";
  config_.github.api_url = "http://127.0.0.1:" + std::to_string(port);

  RunRequest request{.type = store::ScheduleUpdateType::kCode};
  request.code_options.trigger = "schedule:sch-lock";
  ASSERT_OK_AND_ASSIGN(const RunOutcome outcome, runner_->Run(request));
  github.stop();
  EXPECT_FALSE(outcome.success);  // the release source answered 404
  std::lock_guard guard(mutex);
  ASSERT_FALSE(holders.empty()) << outcome.summary;
  for (const std::string& holder : holders) EXPECT_EQ(holder, "check (schedule:sch-lock)");
  // Let go afterwards.
  ASSERT_OK_AND_ASSIGN(const auto after,
                       core::FileLock::Inspect(config_.state.dir / "update.lock"));
  EXPECT_FALSE(after.held);
}

// Under one announce key (a schedule), an available version is announced once, again when a
// newer one appears; without a key every run announces.
TEST_F(UpdateRunnerTest, AScheduleAnnouncesAnAvailableVersionOnceUntilItChanges) {
  const RunRequest scheduled{.type = store::ScheduleUpdateType::kCode, .announce_key = "sch-1"};
  ASSERT_OK_AND_ASSIGN(RunOutcome first, runner_->Run(scheduled));
  EXPECT_TRUE(first.announced_event.has_value());
  EXPECT_EQ(first.summary, "code: 1.1.0 available (running 1.0.1)");

  ASSERT_OK_AND_ASSIGN(RunOutcome second, runner_->Run(scheduled));
  EXPECT_TRUE(second.success);
  EXPECT_FALSE(second.announced_event.has_value());
  EXPECT_EQ(second.summary, "code: 1.1.0 available (running 1.0.1); already announced");
  EXPECT_EQ(OutboxSinks(), (std::vector<std::string>{"database", "webhook"}));

  // Another schedule has its own memory; a run without a key always announces.
  ASSERT_OK_AND_ASSIGN(RunOutcome other, runner_->Run({.type = store::ScheduleUpdateType::kCode,
                                                       .announce_key = "sch-2"}));
  EXPECT_TRUE(other.announced_event.has_value());
  ASSERT_OK_AND_ASSIGN(RunOutcome manual, runner_->Run({.type = store::ScheduleUpdateType::kCode}));
  EXPECT_TRUE(manual.announced_event.has_value());

  app_.PublishV1_2Failing();
  ASSERT_OK_AND_ASSIGN(RunOutcome newer, runner_->Run(scheduled));
  ASSERT_TRUE(newer.announced_event.has_value()) << newer.summary;
  EXPECT_EQ(newer.summary, "code: 1.2.0 available (running 1.0.1)");
  ASSERT_OK_AND_ASSIGN(auto rows, store_->ListNotifications({.limit = 1}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0].payload_json.find(R"("latest_version":"1.2.0")"), std::string::npos)
      << rows[0].payload_json;
}

// Once applied, the offer is forgotten: after a rollback the same version is announced again.
TEST_F(UpdateRunnerTest, AnAppliedVersionIsAnnouncedAgainWhenItIsOfferedAgainAfterARollback) {
  const RunRequest check{.type = store::ScheduleUpdateType::kCode, .announce_key = "sch-1"};
  ASSERT_OK_AND_ASSIGN(RunOutcome announced, runner_->Run(check));
  ASSERT_TRUE(announced.announced_event.has_value());

  RunRequest apply{
      .type = store::ScheduleUpdateType::kCode, .apply = true, .announce_key = "sch-1"};
  apply.code_options.trigger = "schedule:sch-1";
  ASSERT_OK_AND_ASSIGN(const RunOutcome applied, runner_->Run(apply));
  ASSERT_TRUE(applied.success) << applied.summary;
  ASSERT_OK_AND_ASSIGN(auto backups, store_->ListBackups());
  ASSERT_FALSE(backups.empty());
  ASSERT_OK_AND_ASSIGN(const code::UpdateResult rolled_back,
                       services_->versions().Rollback({.backup = backups.front().id}));
  ASSERT_TRUE(rolled_back.success);
  ASSERT_EQ(rolled_back.new_version, "1.0.1");

  ASSERT_OK_AND_ASSIGN(RunOutcome again, runner_->Run(check));
  EXPECT_TRUE(again.announced_event.has_value()) << again.summary;
  EXPECT_EQ(again.summary, "code: 1.1.0 available (running 1.0.1)");
}

TEST_F(UpdateRunnerTest, ADockerRunWithoutAReachableEngineFailsWithTheCheckError) {
  config_.docker.enabled = true;
  config_.docker.host = "unix:///nonexistent/docker.sock";
  ASSERT_OK_AND_ASSIGN(const RunOutcome outcome,
                       runner_->Run({.type = store::ScheduleUpdateType::kDocker, .apply = true}));
  EXPECT_FALSE(outcome.success);
  EXPECT_EQ(outcome.summary.rfind("docker: check failed: ", 0), 0u) << outcome.summary;
}

TEST_F(UpdateRunnerTest, TheJsonShapeCarriesTheCheckTheUpdateAndTheSummary) {
  ASSERT_OK_AND_ASSIGN(const RunOutcome outcome,
                       runner_->Run({.type = store::ScheduleUpdateType::kCode}));
  const nlohmann::json json = ToJson(outcome);
  EXPECT_EQ(json["success"], true);
  EXPECT_EQ(json["code"]["check"]["latestVersion"], "1.1.0");
  EXPECT_TRUE(json["code"]["update"].is_null());
  EXPECT_TRUE(json["docker"].is_null());
  EXPECT_EQ(json["announcedEvent"], *outcome.announced_event);
  EXPECT_EQ(json["state"], "Succeeded");
}

// A run's state says whether one of its transactions was rolled back, whatever the other did.
TEST(RunStateTest, ARollbackOfAnyPartIsTheRunsStateElseSuccessDecides) {
  EXPECT_EQ(RunState(true, {"Succeeded", ""}), "Succeeded");
  EXPECT_EQ(RunState(true, {}), "Succeeded");
  EXPECT_EQ(RunState(false, {"Succeeded", ""}), "Failed");
  EXPECT_EQ(RunState(false, {"Failed"}), "Failed");
  EXPECT_EQ(RunState(false, {"RolledBack", ""}), "RolledBack");
  EXPECT_EQ(RunState(false, {"Succeeded", "RolledBack"}), "RolledBack");
  EXPECT_EQ(RunState(false, {"RolledBack", "RollbackFailed"}), "RollbackFailed");
}

// An update that failed and was rolled back: the run's JSON says "RolledBack", and the
// version is still available as far as the daemon's metrics know.
TEST_F(UpdateRunnerTest, ARolledBackRunSaysSoAndLeavesTheUpdateAvailable) {
  app_.PublishV1_2Failing();
  LastUpdateCheck last_check;
  UpdateRunner runner(config_, *store_, *services_, core::SystemClock::Instance(), {}, &last_check);
  RunRequest request{.type = store::ScheduleUpdateType::kCode, .apply = true};
  request.code_options.target = "v1.2.0";
  ASSERT_OK_AND_ASSIGN(const RunOutcome outcome, runner.Run(request));
  ASSERT_TRUE(outcome.code_update.has_value()) << outcome.summary;
  ASSERT_EQ(outcome.code_update->final_state, "RolledBack");
  const nlohmann::json json = ToJson(outcome);
  EXPECT_EQ(json["success"], false);
  EXPECT_EQ(json["state"], "RolledBack");
  EXPECT_EQ(last_check.Get().code, true);
}

// Every run records what its checks found in the daemon's LastUpdateCheck (what /metrics
// reports), less what it applied; a kind it did not check keeps its last finding, a kind
// whose check failed is unknown.
TEST_F(UpdateRunnerTest, RunsRecordWhatTheirChecksFoundLessWhatTheyApplied) {
  LastUpdateCheck last_check;
  UpdateRunner runner(config_, *store_, *services_, core::SystemClock::Instance(), {}, &last_check);
  EXPECT_FALSE(last_check.Get().code.has_value());
  ASSERT_OK(runner.Run({.type = store::ScheduleUpdateType::kCode}));
  EXPECT_EQ(last_check.Get().code, true);
  EXPECT_FALSE(last_check.Get().containers.has_value());  // docker was not checked

  RunRequest apply{.type = store::ScheduleUpdateType::kCode, .apply = true};
  ASSERT_OK_AND_ASSIGN(const RunOutcome applied, runner.Run(apply));
  ASSERT_TRUE(applied.success) << applied.summary;
  EXPECT_EQ(last_check.Get().code, false);  // 1.1.0 is installed now

  config_.docker.enabled = true;
  config_.docker.host = "unix:///nonexistent/docker.sock";
  ASSERT_OK(runner.Run({.type = store::ScheduleUpdateType::kDocker}));
  EXPECT_EQ(last_check.Get().code, false);
  EXPECT_FALSE(last_check.Get().containers.has_value());
}

}  // namespace
}  // namespace galaos::service
