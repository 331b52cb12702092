// UpdateRunner against the real sample app (git remote, npm, sqlite) of the code tests.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>

#include "../code/SampleApp.h"
#include "core/FileLock.h"
#include "service/UpdateRunner.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"

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
}

}  // namespace
}  // namespace galaos::service
