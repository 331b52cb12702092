#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "core/Clock.h"
#include "core/TempDir.h"
#include "notify/Event.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"

namespace galaos::notify {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// 2026-11-27 00:10:00 UTC.
const TimePoint kNow = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 11 / 27)) + 10min;

class EventTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqliteStore(dir_.path() / "state.db", clock_);
    ASSERT_TRUE(store) << store.error().message();
    store_ = std::move(*store);
  }

  core::TempDir dir_ = std::move(*core::TempDir::Create("galaos-notify-event-"));
  core::TestClock clock_{kNow};
  std::unique_ptr<store::Store> store_;
};

UpdateFailed FailedUpdate() {
  return UpdateFailed{.transaction_id = "tx-1",
                      .update_type = store::TransactionType::kFull,
                      .from_version = "1.2.0",
                      .to_version = "1.3.0",
                      .error = "npm ci exited with status 1",
                      .failed_step = "install",
                      .rollback = RollbackState::kRolledBack};
}

TEST(EventPayloadTest, UpdateFailedHasTheDocumentedShape) {
  const std::string payload = PayloadJson(FailedUpdate(), "evt-1", kNow);
  EXPECT_EQ(payload, R"({"schema_version":1,"id":"evt-1","type":"update_failed",)"
                     R"("occurred_at":"2026-11-27T00:10:00.000Z","data":{"transaction_id":"tx-1",)"
                     R"("update_type":"full","from_version":"1.2.0","to_version":"1.3.0",)"
                     R"("error":"npm ci exited with status 1","failed_step":"install",)"
                     R"("rollback":"rolled_back","rolled_back":true}})");
}

TEST(EventPayloadTest, UpdateAvailableCarriesVersionsChangelogBreakingAndDigests) {
  const UpdateAvailable available{.current_version = "1.2.0",
                                  .latest_version = "2.0.0",
                                  .changelog = "- feat!: new API\n- fix: \xff bad byte",
                                  .breaking = true,
                                  .release_date = kNow - 24h,
                                  .containers = {{.name = "web",
                                                  .image = "registry.local/web:latest",
                                                  .current_digest = "sha256:aaa",
                                                  .latest_digest = "sha256:bbb"}}};
  const json payload = json::parse(PayloadJson(available, "evt-2", kNow));
  EXPECT_EQ(payload["type"], "update_available");
  const json& data = payload["data"];
  EXPECT_EQ(data["current_version"], "1.2.0");
  EXPECT_EQ(data["latest_version"], "2.0.0");
  EXPECT_EQ(data["breaking"], true);
  EXPECT_EQ(data["release_date"], "2026-11-26T00:10:00.000Z");
  EXPECT_EQ(data["changelog"], "- feat!: new API\n- fix: \xef\xbf\xbd bad byte");
  ASSERT_EQ(data["containers"].size(), 1u);
  EXPECT_EQ(data["containers"][0]["current_digest"], "sha256:aaa");
  EXPECT_EQ(data["containers"][0]["latest_digest"], "sha256:bbb");
}

TEST(EventPayloadTest, EveryEventNamesItsTypeAndUnknownVersionsAreNull) {
  const std::vector<std::pair<Event, std::string>> events = {
      {UpdateAvailable{}, "update_available"},
      {UpdateStarted{.transaction_id = "tx-1"}, "update_started"},
      {UpdateCompleted{.transaction_id = "tx-1", .duration = 1500ms}, "update_completed"},
      {FailedUpdate(), "update_failed"},
      {RollbackCompleted{.transaction_id = "tx-1", .reason = "health check failed"},
       "rollback_completed"},
      {NotificationTest{.requested_by = "root"}, "notification_test"}};
  for (const auto& [event, type] : events) {
    EXPECT_EQ(EventType(event), type);
    const json payload = json::parse(PayloadJson(event, "evt-3", kNow));
    EXPECT_EQ(payload["type"], type);
    EXPECT_EQ(payload["schema_version"], 1);
  }
  const json started = json::parse(PayloadJson(UpdateStarted{}, "evt-4", kNow));
  EXPECT_TRUE(started["data"]["to_version"].is_null());
  const json completed = json::parse(PayloadJson(events[2].first, "evt-5", kNow));
  EXPECT_EQ(completed["data"]["duration_ms"], 1500);
}

TEST(EnabledSinksTest, DatabaseIsAlwaysOnAndOthersWhenConfigured) {
  config::NotifyConfig config;
  EXPECT_EQ(EnabledSinks(config), std::vector<std::string>{"database"});
  config.webhook.url = "https://hooks.example.com/galaos";
  config.email.smtp_url = "smtps://mail.example.com";
  EXPECT_EQ(EnabledSinks(config), (std::vector<std::string>{"database", "webhook", "email"}));
}

TEST_F(EventTest, EnqueueWritesOneRowPerSinkAndTheDatabaseRowIsDeliveredAtOnce) {
  const std::vector<std::string> sinks = {"database", "webhook", "slack", "webhook"};
  ASSERT_OK_AND_ASSIGN(const std::string id, Enqueue(*store_, FailedUpdate(), sinks, kNow));
  EXPECT_TRUE(std::regex_match(id, std::regex("evt-[0-9a-f]{24}"))) << id;

  ASSERT_OK_AND_ASSIGN(auto rows, store_->ListNotifications({}));
  ASSERT_EQ(rows.size(), 3u);
  std::map<std::string, store::Notification> by_sink;
  for (const auto& row : rows) by_sink[row.sink] = row;
  EXPECT_EQ(by_sink["database"].status, store::OutboxStatus::kDelivered);
  EXPECT_EQ(by_sink["webhook"].status, store::OutboxStatus::kPending);
  EXPECT_EQ(by_sink["slack"].status, store::OutboxStatus::kPending);
  for (const auto& row : rows) {
    EXPECT_EQ(row.event_type, "update_failed");
    EXPECT_EQ(row.payload_json, PayloadJson(FailedUpdate(), id, kNow));
  }
  ASSERT_OK_AND_ASSIGN(auto claimed, store_->ClaimDueNotifications(10, 1min));
  EXPECT_EQ(claimed.size(), 2u) << "the database row must never be claimed";
}

TEST_F(EventTest, EnqueueCommitsWithTheCallersTransactionOrNotAtAll) {
  const std::vector<std::string> sinks = {"database", "webhook"};
  const auto failed = store_->WithTransaction([&](store::Store& tx) -> Status {
    TRY(tx.CreateTransaction({.id = "tx-1", .state = "Preflight"}));
    TRY(Enqueue(tx, UpdateStarted{.transaction_id = "tx-1"}, sinks, kNow));
    return MakeError(ErrorCode::kFailed, "journaling the start failed");
  });
  ASSERT_FALSE(failed);
  EXPECT_ERROR_CODE(store_->GetTransaction("tx-1"), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto none, store_->ListNotifications({}));
  EXPECT_TRUE(none.empty());

  ASSERT_OK(store_->WithTransaction([&](store::Store& tx) -> Status {
    TRY(tx.CreateTransaction({.id = "tx-1", .state = "Preflight"}));
    TRY(Enqueue(tx, UpdateStarted{.transaction_id = "tx-1"}, sinks, kNow));
    return {};
  }));
  ASSERT_OK(store_->GetTransaction("tx-1"));
  ASSERT_OK_AND_ASSIGN(auto both, store_->ListNotifications({}));
  EXPECT_EQ(both.size(), 2u);
}

}  // namespace
}  // namespace galaos::notify
