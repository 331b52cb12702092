#include <gtest/gtest.h>

#include <vector>

#include "StoreTestSupport.h"
#include "core/Time.h"
#include "store/HistoryJson.h"

namespace galaos::store::testing {
namespace {

Transaction RolledBackUpdate() {
  Transaction tx;
  tx.id = "tx-20261126-201751-ab12cd34";
  tx.type = TransactionType::kCode;
  tx.trigger = "api";
  tx.actor = "admin-token";
  tx.status = TransactionStatus::kRolledBack;
  tx.state = "Rollback";
  tx.from_version = "1.1.0";
  tx.to_version = "1.2.0";
  tx.error = "build failed; rolled back to 1.1.0";
  tx.started_at = kStart;
  tx.completed_at = kStart + 95s + 250ms;
  tx.steps = {
      Step{.name = "backup",
           .status = StepStatus::kSucceeded,
           .started_at = kStart,
           .ended_at = kStart + 3s,
           .exit_code = std::nullopt,
           .output_tail = "",
           .error = ""},
      Step{.name = "build",
           .status = StepStatus::kFailed,
           .started_at = kStart + 3s,
           .ended_at = kStart + 60s,
           .exit_code = 2,
           .output_tail = "tsc: error TS2304\n",
           .error = "npm run build exited with 2"},
  };
  return tx;
}

TEST(HistoryJsonTest, RendersTheOriginalShapeWithFindingsAndSteps) {
  const nlohmann::json entry = HistoryEntryJson(RolledBackUpdate());
  const nlohmann::json expected = nlohmann::json::parse(R"json({
    "id": "tx-20261126-201751-ab12cd34",
    "type": "system_update_code",
    "scope": "system",
    "status": "rolled_back",
    "findings": {
      "errors": ["build failed; rolled back to 1.1.0", "build: npm run build exited with 2"],
      "fromVersion": "1.1.0",
      "toVersion": "1.2.0",
      "trigger": "api",
      "actor": "admin-token",
      "state": "Rollback",
      "failedStep": "build"
    },
    "actions": ["backup", "build"],
    "startedAt": "2026-11-26T20:17:51.000Z",
    "completedAt": "2026-11-26T20:19:26.250Z",
    "duration": 95250,
    "steps": [
      {"name": "backup", "status": "succeeded", "startedAt": "2026-11-26T20:17:51.000Z",
       "endedAt": "2026-11-26T20:17:54.000Z", "duration": 3000, "exitCode": null,
       "outputTail": "", "error": null},
      {"name": "build", "status": "failed", "startedAt": "2026-11-26T20:17:54.000Z",
       "endedAt": "2026-11-26T20:18:51.000Z", "duration": 57000, "exitCode": 2,
       "outputTail": "tsc: error TS2304\n", "error": "npm run build exited with 2"}
    ]
  })json");
  EXPECT_EQ(entry, expected) << entry.dump(2);
}

TEST(HistoryJsonTest, UnfinishedTransactionHasNullCompletionAndDuration) {
  Transaction tx = RolledBackUpdate();
  tx.status = TransactionStatus::kRunning;
  tx.completed_at.reset();
  tx.steps[1].ended_at.reset();
  tx.steps[1].status = StepStatus::kRunning;
  const nlohmann::json entry = HistoryEntryJson(tx);
  EXPECT_TRUE(entry["completedAt"].is_null());
  EXPECT_TRUE(entry["duration"].is_null());
  EXPECT_TRUE(entry["steps"][1]["endedAt"].is_null());
  EXPECT_TRUE(entry["steps"][1]["duration"].is_null());
  EXPECT_TRUE(entry["findings"]["failedStep"].is_null());
}

TEST(HistoryJsonTest, TypesMapToTheOriginalNames) {
  EXPECT_EQ(HistoryTypeName(TransactionType::kCode), "system_update_code");
  EXPECT_EQ(HistoryTypeName(TransactionType::kDocker), "system_update_docker");
  EXPECT_EQ(HistoryTypeName(TransactionType::kFull), "system_update_full");
  EXPECT_EQ(HistoryTypeName(TransactionType::kRollback), "system_rollback");
}

TEST(HistoryJsonTest, ListKeepsTheGivenOrder) {
  Transaction older = RolledBackUpdate();
  Transaction newer = RolledBackUpdate();
  newer.id = "tx-newer";
  const std::vector<Transaction> list = {newer, older};
  const nlohmann::json history = HistoryJson(list);
  ASSERT_TRUE(history.is_array());
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0]["id"], "tx-newer");
  EXPECT_TRUE(HistoryJson({}).is_array());
}

TEST(HistoryJsonTest, FormatsTimesAsUtcWithMilliseconds) {
  EXPECT_EQ(core::FormatIsoUtc(kStart + 7ms), "2026-11-26T20:17:51.007Z");
  EXPECT_EQ(core::FormatIsoUtc(TimePoint{}), "1970-01-01T00:00:00.000Z");
}

TEST_F(StoreTest, HistoryOfStoredTransactionsIsNewestFirstWithSteps) {
  ASSERT_OK(store_->CreateTransaction(
      NewTransaction{.id = "tx-a", .type = TransactionType::kDocker, .state = "Preflight"}));
  clock_.Advance(1min);
  ASSERT_OK(store_->CreateTransaction(
      NewTransaction{.id = "tx-b", .type = TransactionType::kRollback, .state = "Preflight"}));
  ASSERT_OK_AND_ASSIGN(std::int64_t step, store_->BeginStep("tx-b", "restore"));
  clock_.Advance(2s);
  ASSERT_OK(store_->FinishStep(step, StepResult{.status = StepStatus::kSucceeded}));
  ASSERT_OK(store_->FinishTransaction("tx-b", Completion{.status = TransactionStatus::kSucceeded}));

  ASSERT_OK_AND_ASSIGN(auto transactions, store_->ListTransactions({.limit = 20}));
  const nlohmann::json history = HistoryJson(transactions);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0]["id"], "tx-b");
  EXPECT_EQ(history[0]["type"], "system_rollback");
  EXPECT_EQ(history[0]["duration"], 2000);
  EXPECT_EQ(history[0]["steps"][0]["name"], "restore");
  EXPECT_EQ(history[1]["id"], "tx-a");
  EXPECT_EQ(history[1]["status"], "pending");
  EXPECT_NO_THROW(history.dump());
}

}  // namespace
}  // namespace galaos::store::testing
