// The systemUpdates.* procedures over a real store and a real sample git app, called through
// the tRPC router: what the dashboard's Update and Audit screens use.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "api/SystemUpdates.h"
#include "core/AtomicFile.h"
#include "core/Clock.h"
#include "core/TempDir.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"
#include "support/GitFixture.h"

namespace galaos::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class SystemUpdatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(core::TempDir dir, core::TempDir::Create("system-updates"));
    dir_ = std::make_unique<core::TempDir>(std::move(dir));
    config_.app.root = git_.app();
    config_.update.source = config::ReleaseSource::kGit;
    config_.commands.install = {"true"};
    config_.backup.dir = dir_->path() / "backups";
    ASSERT_OK_AND_ASSIGN(store_, store::OpenSqliteStore(dir_->path() / "state.db", clock_));
    ASSERT_OK_AND_ASSIGN(services_, service::Services::Make(config_, *store_));
    AddSystemUpdates(router_, {.config = config_, .store = *store_, .services = *services_});
  }

  void Audit(std::string actor, std::string action, std::string outcome) {
    ASSERT_OK(store_->AppendAudit(store::AuditEntry{.actor = std::move(actor),
                                                    .action = std::move(action),
                                                    .input_json = "{}",
                                                    .outcome = std::move(outcome)}));
    clock_.Advance(1min);
  }

  // The procedure's data, or its error envelope.
  json Query(std::string name, std::optional<json> input = std::nullopt) {
    TrpcRequest request{.method = "GET", .procedures = "systemUpdates." + name};
    if (input) request.query.emplace("input", input->dump());
    json body = json::parse(router_.Handle(request, viewer_).body);
    return body.contains("result") ? body["result"]["data"] : body;
  }

  static std::int64_t Ms(std::chrono::system_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  }

  const std::chrono::system_clock::time_point start_ =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  core::TestClock clock_{start_};
  git::testing::GitFixture git_;
  std::unique_ptr<core::TempDir> dir_;
  config::Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<service::Services> services_;
  TrpcRouter router_;
  const Caller viewer_{.role = Role::kViewer, .actor = "dash"};
};

// The Schedules screen's enable/disable: the schedule with its next run (none while
// disabled); bad input and unknown ids refused.
TEST_F(SystemUpdatesTest, SetScheduleEnabledDisablesAndEnablesASchedule) {
  const Caller admin{.role = Role::kAdmin, .actor = "ops"};
  auto mutate = [&](std::string name, const json& input) {
    TrpcRequest request{.method = "POST",
                        .procedures = "systemUpdates." + name,
                        .content_type = "application/json",
                        .body = input.dump()};
    return router_.Handle(request, admin);
  };
  HttpReply created = mutate("createSchedule", {{"schedule", "0 3 * * 0"}, {"updateType", "code"}});
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string id = json::parse(created.body)["result"]["data"]["id"];

  HttpReply disabled = mutate("setScheduleEnabled", {{"scheduleId", id}, {"enabled", false}});
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  json schedule = json::parse(disabled.body)["result"]["data"];
  EXPECT_EQ(schedule["enabled"], false);
  EXPECT_EQ(schedule["nextRun"], nullptr);
  EXPECT_EQ(schedule["nextRuns"].size(), 5u);  // when it would fire, enabled again
  EXPECT_EQ(Query("listSchedules")[0]["enabled"], false);

  HttpReply enabled = mutate("setScheduleEnabled", {{"scheduleId", id}, {"enabled", true}});
  ASSERT_EQ(enabled.status, 200) << enabled.body;
  schedule = json::parse(enabled.body)["result"]["data"];
  EXPECT_EQ(schedule["enabled"], true);
  EXPECT_EQ(schedule["nextRun"], schedule["nextRuns"][0]);

  EXPECT_EQ(mutate("setScheduleEnabled", {{"scheduleId", id}}).status, 400);
  EXPECT_EQ(mutate("setScheduleEnabled", {{"scheduleId", id}, {"enabled", "yes"}}).status, 400);
  EXPECT_EQ(mutate("setScheduleEnabled", {{"scheduleId", "sch-unknown"}, {"enabled", true}}).status,
            404);
  TrpcRequest as_viewer{.method = "POST",
                        .procedures = "systemUpdates.setScheduleEnabled",
                        .content_type = "application/json",
                        .body = json{{"scheduleId", id}, {"enabled", false}}.dump()};
  EXPECT_EQ(router_.Handle(as_viewer, viewer_).status, 403);
  EXPECT_EQ(Query("listSchedules")[0]["enabled"], true);
}

// A code update rewrites package.json in place: read in between, the version is the one the
// running transaction started from; with no transaction running, the broken file is an error.
TEST_F(SystemUpdatesTest, TheCurrentVersionDuringAnUpdatesCheckoutIsTheOneItStartedFrom) {
  EXPECT_EQ(Query("getCurrentVersion")["version"], "1.0.0");
  ASSERT_OK(core::WriteFileAtomic(git_.app() / "package.json", ""));
  EXPECT_EQ(Query("getCurrentVersion")["error"]["data"]["code"], "BAD_REQUEST");

  ASSERT_OK(store_->CreateTransaction(store::NewTransaction{.type = store::TransactionType::kCode,
                                                            .trigger = "api",
                                                            .from_version = "1.0.0",
                                                            .to_version = "1.1.0",
                                                            .state = "Checkout"}));
  json version = Query("getCurrentVersion");
  EXPECT_EQ(version["version"], "1.0.0") << version;
}

// The Update screen's confirmation shows this plan; no transaction runs, and the audit row
// has no transaction id.
TEST_F(SystemUpdatesTest, ADryRunAnswersThePlanAndIsAuditedWithoutATransaction) {
  git_.PublishV1_1();
  TrpcRequest request{.method = "POST",
                      .procedures = "systemUpdates.applyCodeUpdate",
                      .content_type = "application/json",
                      .body = R"({"dryRun":true,"skipBuild":true})"};
  HttpReply reply = router_.Handle(request, Caller{.role = Role::kAdmin, .actor = "ops"});
  ASSERT_EQ(reply.status, 200) << reply.body;
  json result = json::parse(reply.body)["result"]["data"];
  EXPECT_EQ(result["success"], true);
  EXPECT_EQ(result["transactionId"], nullptr);
  EXPECT_EQ(result["plan"]["currentVersion"], "1.0.0");
  EXPECT_EQ(result["plan"]["targetVersion"], "1.1.0");
  EXPECT_EQ(result["newVersion"], "1.0.0");
  json audit = Query("getAuditLog");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0]["outcome"], "ok");
  EXPECT_EQ(audit[0]["transactionId"], "");
  EXPECT_EQ(audit[0]["input"]["dryRun"], true);
}

// DESIGN.md §6: docker is not applied when code failed.
TEST_F(SystemUpdatesTest, AFullUpdateLeavesTheContainersAloneWhenTheCodeUpdateFailed) {
  git_.PublishV1_1();
  config_.commands.install = {"false"};                     // the update's install step fails
  config_.docker.host = "unix:///nonexistent/docker.sock";  // touching Docker would fail too
  TrpcRequest request{.method = "POST",
                      .procedures = "systemUpdates.applyFullUpdate",
                      .content_type = "application/json",
                      .body = R"({"codeOptions":{"skipBuild":true},"dockerOptions":{}})"};
  HttpReply reply = router_.Handle(request, Caller{.role = Role::kAdmin, .actor = "ops"});
  ASSERT_EQ(reply.status, 200) << reply.body;
  json result = json::parse(reply.body)["result"]["data"];
  EXPECT_EQ(result["success"], false);
  EXPECT_EQ(result["code"]["success"], false) << result.dump(2);
  EXPECT_EQ(result["code"]["previousVersion"], "1.0.0");
  EXPECT_EQ(result["docker"]["errors"], json::array({"not applied: the code update failed"}));
}

TEST_F(SystemUpdatesTest, FullUpdateAndPruneInputsAreCheckedFieldByField) {
  const Caller admin{.role = Role::kAdmin, .actor = "ops"};
  TrpcRequest full{.method = "POST",
                   .procedures = "systemUpdates.applyFullUpdate",
                   .content_type = "application/json",
                   .body =
                       R"({"codeOptions":{"skipBackups":true},)"
                       R"("dockerOptions":{"containers":1,"zeroDowntime":"yes","dryRun":true}})"};
  HttpReply reply = router_.Handle(full, admin);
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_NE(reply.body.find("codeOptions.skipBackups"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("dockerOptions.containers"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("dockerOptions.zeroDowntime"), std::string::npos) << reply.body;
  // A full update has no dry run of its own: each part's is asked for separately.
  EXPECT_NE(reply.body.find("dockerOptions.dryRun"), std::string::npos) << reply.body;
  // Refused before the code update, which would otherwise have run first.
  for (const char* docker : {R"({"containers":["web"],"composeFile":"docker-compose.yml"})",
                             R"({"composeFile":"../elsewhere/docker-compose.yml"})",
                             R"({"composeFile":"/etc/docker-compose.yml"})"}) {
    full.body = fmt::format(R"({{"dockerOptions":{}}})", docker);
    reply = router_.Handle(full, admin);
    EXPECT_EQ(reply.status, 400) << docker << reply.body;
    EXPECT_NE(reply.body.find("dockerOptions"), std::string::npos) << reply.body;
  }
  ASSERT_OK_AND_ASSIGN(const std::vector<store::Transaction> history, store_->ListTransactions({}));
  EXPECT_TRUE(history.empty());
  TrpcRequest prune{.method = "POST",
                    .procedures = "systemUpdates.pruneImages",
                    .content_type = "application/json",
                    .body = R"({"keep":0})"};
  reply = router_.Handle(prune, admin);
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_NE(reply.body.find("keep"), std::string::npos) << reply.body;
}

TEST_F(SystemUpdatesTest, AViewerReadsTheAuditLogNewestFirstWithFilters) {
  Audit("ops", "systemUpdates.applyCodeUpdate", "ok");
  Audit("ci", "systemUpdates.applyCodeUpdate", "failed: build failed");
  Audit("ops", "systemUpdates.rollback", "ok");

  json all = Query("getAuditLog");
  ASSERT_EQ(all.size(), 3u) << all;
  EXPECT_EQ(all[0]["seq"], 3);
  EXPECT_EQ(all[0]["action"], "systemUpdates.rollback");
  EXPECT_EQ(all[0]["input"], json::object());
  EXPECT_EQ(all[2]["hash"], all[1]["prevHash"]);

  EXPECT_EQ(Query("getAuditLog", json{{"actor", "ops"}}).size(), 2u);
  EXPECT_EQ(Query("getAuditLog", json{{"action", "systemUpdates.applyCodeUpdate"}}).size(), 2u);
  json failed = Query("getAuditLog", json{{"outcome", "failed"}});
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["actor"], "ci");
  json window =
      Query("getAuditLog", json{{"since", Ms(start_ + 1min)}, {"until", Ms(start_ + 2min)}});
  ASSERT_EQ(window.size(), 1u) << window;
  EXPECT_EQ(window[0]["seq"], 2);
  EXPECT_EQ(Query("getAuditLog", json{{"limit", 1}}).size(), 1u);
}

TEST_F(SystemUpdatesTest, BadAuditLogFiltersAreABadRequest) {
  for (const json& input : {json{{"outcome", "maybe"}}, json{{"limit", 0}},
                            json{{"since", "yesterday"}}, json{{"actors", "ops"}}}) {
    json reply = Query("getAuditLog", input);
    EXPECT_EQ(reply["error"]["data"]["code"], "BAD_REQUEST") << input << " " << reply;
  }
}

TEST_F(SystemUpdatesTest, VerifyAuditLogReportsTheIntactChain) {
  Audit("ops", "systemUpdates.applyCodeUpdate", "ok");
  Audit("ops", "systemUpdates.rollback", "ok");
  json verified = Query("verifyAuditLog");
  EXPECT_EQ(verified["ok"], true) << verified;
  EXPECT_EQ(verified["rowsChecked"], 2);
  EXPECT_EQ(verified["headHash"], Query("getAuditLog", json{{"limit", 1}})[0]["hash"]);
  EXPECT_FALSE(verified.contains("firstTamperedSeq"));
}

}  // namespace
}  // namespace galaos::api
