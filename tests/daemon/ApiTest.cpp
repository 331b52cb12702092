// The daemon's API over real HTTP: metrics, updates in the background with live progress,
// `apply --follow`, and the real @trpc/client (v11, from npm) calling it the way the GalaOS
// web app does.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "DaemonFixture.h"
#include "core/FileLock.h"
#include "support/Assertions.h"
#include "support/NodeReference.h"

namespace galaos::daemon {
namespace {

using nlohmann::json;

// A viewer scrapes /metrics; the calls made before are counted.
TEST_F(DaemonTest, MetricsAreServedToTokenHoldersAndCountTheCalls) {
  const int port = testing::FreePort();
  WriteConfig(port);
  const std::string viewer = Token("viewer");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  httplib::Client client("127.0.0.1", port);
  for (int i = 0; i < 2; ++i) {
    auto version = client.Get("/trpc/systemUpdates.getCurrentVersion");
    ASSERT_TRUE(version);
    EXPECT_EQ(version->status, 200);
  }
  auto anonymous = client.Get("/metrics");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  auto scraped = client.Get("/metrics", httplib::Headers{{"Authorization", "Bearer " + viewer}});
  ASSERT_TRUE(scraped);
  ASSERT_EQ(scraped->status, 200) << scraped->body;
  EXPECT_EQ(scraped->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(scraped->body.find("galaos_updater_api_requests_total{procedure=\"systemUpdates."
                               "getCurrentVersion\",code=\"OK\"} 2\n"),
            std::string::npos)
      << scraped->body;
  EXPECT_NE(scraped->body.find("galaos_updater_app_version_info{version=\"1.0.0\"} 1\n"),
            std::string::npos)
      << scraped->body;
  EXPECT_NE(scraped->body.find("galaos_updater_scrape_error 0\n"), std::string::npos);
}

// applyCodeUpdate with wait: false answers with the transaction id while the update runs;
// a second one meanwhile is a CONFLICT at once; the update ends in the background and its
// progress and end are on /events.
TEST_F(DaemonTest, AnUpdateWithoutWaitingRunsInTheBackgroundAndStreamsItsProgress) {
  git_.PublishV1_1();
  const int port = testing::FreePort();
  const std::filesystem::path release = git_.root() / "release-build";
  // The build waits for the test's go, so the update is surely still running meanwhile.
  WriteConfig(port, UpdateTables(BuildWaitingFor(release)));
  const std::string admin = Token("admin");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::seconds(60));
  const httplib::Headers auth{{"Authorization", "Bearer " + admin}};
  auto checked = client.Get("/trpc/systemUpdates.checkForUpdates", auth);
  ASSERT_TRUE(checked);
  ASSERT_EQ(checked->status, 200) << checked->body;

  auto started = client.Post("/trpc/systemUpdates.applyCodeUpdate", auth, R"({"wait":false})",
                             "application/json");
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 200) << started->body;
  const json data = json::parse(started->body)["result"]["data"];
  ASSERT_EQ(data.size(), 1u) << data;
  const std::string id = data["transactionId"].get<std::string>();
  EXPECT_TRUE(id.starts_with("tx-")) << id;

  auto second = client.Post("/trpc/systemUpdates.applyCodeUpdate", auth, R"({"wait":false})",
                            "application/json");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 409) << second->body;
  EXPECT_EQ(json::parse(second->body)["error"]["data"]["code"], "CONFLICT");

  ASSERT_TRUE(core::WriteFileAtomic(release, "go").has_value());
  // The whole stream from its start: steps, output lines, then the transaction's end.
  std::string stream;
  client.Get("/events",
             httplib::Headers{{"Authorization", "Bearer " + admin}, {"Last-Event-ID", "0"}},
             [&](const char* data, std::size_t size) {
               stream.append(data, size);
               return stream.find("\"success\":true") == std::string::npos;
             });
  EXPECT_NE(stream.find("event: transaction\ndata: {\"id\":\"" + id + "\",\"state\":\"started\"}"),
            std::string::npos)
      << stream;
  EXPECT_NE(stream.find("\"line\":\"built\""), std::string::npos) << stream;
  EXPECT_NE(stream.find("\"state\":\"Succeeded\""), std::string::npos) << stream;

  auto history = client.Get("/trpc/systemUpdates.getUpdateHistory", auth);
  ASSERT_TRUE(history);
  const json newest = json::parse(history->body)["result"]["data"][0];
  EXPECT_EQ(newest["id"], id);
  EXPECT_EQ(newest["status"], "succeeded") << newest;
  EXPECT_EQ(git_.Git(git_.app(), {"rev-parse", "HEAD"}),
            git_.Git(git_.author(), {"rev-parse", "v1.1.0^{commit}"}));

  // /metrics reads the transaction from the store.
  auto metrics = client.Get("/metrics", auth);
  ASSERT_TRUE(metrics);
  EXPECT_NE(
      metrics->body.find("galaos_updater_transactions{type=\"code\",status=\"succeeded\"} 1\n"),
      std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("\ngalaos_updater_last_successful_update_timestamp_seconds "),
            std::string::npos);
  EXPECT_NE(metrics->body.find("galaos_updater_app_version_info{version=\"1.1.0\"} 1\n"),
            std::string::npos);
  // The store's steps, and what the daemon's last check found (1.1.0 was available then).
  EXPECT_NE(metrics->body.find(
                "galaos_updater_step_duration_seconds_count{type=\"code\",step=\"build\"} 1\n"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("galaos_updater_updates_available{kind=\"code\"} 1\n"),
            std::string::npos)
      << metrics->body;
  EXPECT_EQ(metrics->body.find("galaos_updater_rollbacks{"), std::string::npos) << metrics->body;
}

// 100 clients at once, each on its own connection, query the daemon while an update runs
// (its build waits for the test's go): every call is answered, correctly; then the update
// succeeds.
TEST_F(DaemonTest, AHundredConcurrentClientsAreAnsweredWhileAnUpdateRuns) {
  git_.PublishV1_1();
  const int port = testing::FreePort();
  const std::filesystem::path release = git_.root() / "release-build";
  WriteConfig(port, UpdateTables(BuildWaitingFor(release)));
  const std::string admin = Token("admin");
  const std::string viewer = Token("viewer");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  httplib::Client client("127.0.0.1", port);
  const httplib::Headers as_admin{{"Authorization", "Bearer " + admin}};
  auto started = client.Post("/trpc/systemUpdates.applyCodeUpdate", as_admin, R"({"wait":false})",
                             "application/json");
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 200) << started->body;
  const std::string id = json::parse(started->body)["result"]["data"]["transactionId"];

  constexpr int kClients = 100;
  std::vector<std::string> failures(kClients);
  {
    std::vector<std::jthread> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.emplace_back([&, i] {
        httplib::Client mine("127.0.0.1", port);
        mine.set_connection_timeout(std::chrono::seconds(60));
        mine.set_read_timeout(std::chrono::seconds(120));
        const httplib::Headers auth{{"Authorization", "Bearer " + viewer}};
        auto data = [](const httplib::Result& answer) -> json {
          if (!answer || answer->status != 200) return nullptr;
          json body = json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
          return body.is_object() ? body["result"]["data"] : json(nullptr);
        };
        auto version = mine.Get("/trpc/systemUpdates.getCurrentVersion");
        auto history = mine.Get("/trpc/systemUpdates.getUpdateHistory?input=" +
                                    httplib::detail::encode_query_param(R"({"limit":1})"),
                                auth);
        // The checkout may already be there: the build step runs on it.
        const json current = data(version);
        if (!current.is_object() ||
            (current["version"] != "1.0.0" && current["version"] != "1.1.0")) {
          failures[i] = "getCurrentVersion: " + (version ? version->body : "no answer");
        }
        const json newest = data(history);
        if (!newest.is_array() || newest.size() != 1 || newest[0]["id"] != id) {
          failures[i] += "getUpdateHistory: " + (history ? history->body : "no answer");
        }
      });
    }
  }
  for (int i = 0; i < kClients; ++i) EXPECT_EQ(failures[i], "") << "client " << i;

  ASSERT_TRUE(core::WriteFileAtomic(release, "go").has_value());
  const json end = WaitForTransactionEnd(port, admin, id);
  EXPECT_EQ(end["success"], true) << end << daemon.Output();
  EXPECT_EQ(git_.Git(git_.app(), {"rev-parse", "HEAD"}),
            git_.Git(git_.author(), {"rev-parse", "v1.1.0^{commit}"}));
}

// `apply code --follow`: the daemon runs the update; the CLI prints its steps and output.
TEST_F(DaemonTest, ApplyCodeFollowLetsTheDaemonUpdateAndPrintsItsProgress) {
  git_.PublishV1_1();
  const int port = testing::FreePort();
  WriteConfig(port,
              "[update]\nsource = \"git\"\nmin_free_disk_mb = 1\n[commands]\n"
              "install = [\"true\"]\nbuild = [\"sh\", \"-c\", \"echo built-by-the-daemon\"]\n");
  const std::string admin = Token("admin");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  auto follow = [&](std::map<std::string, std::string> environment) {
    core::ProcessOptions options;
    options.argv = {GALAOS_CLI_PATH, "--config", config_file_.string(),
                    "apply",         "code",     "--follow"};
    options.environment = std::move(environment);
    options.unset_environment = {"GALAOS_UPDATER_TOKEN"};
    options.timeout = std::chrono::minutes(5);
    auto result = core::RunProcess(options);
    EXPECT_TRUE(result.has_value());
    return result ? *result : core::ProcessResult{};
  };

  const core::ProcessResult no_token = follow({});
  EXPECT_EQ(no_token.exit_code, 2) << no_token.stderr_tail;
  EXPECT_NE(no_token.stderr_tail.find("GALAOS_UPDATER_TOKEN"), std::string::npos);

  {
    std::filesystem::create_directories(state_);
    ASSERT_OK_AND_ASSIGN(core::FileLock lock,
                         core::FileLock::TryAcquire(state_ / "update.lock", "update tx-cli-held"));
    const core::ProcessResult conflict = follow({{"GALAOS_UPDATER_TOKEN", admin}});
    EXPECT_EQ(conflict.exit_code, 3) << conflict.stderr_tail;
    EXPECT_NE(conflict.stderr_tail.find("tx-cli-held"), std::string::npos) << conflict.stderr_tail;
  }

  const core::ProcessResult followed = follow({{"GALAOS_UPDATER_TOKEN", admin}});
  EXPECT_EQ(followed.exit_code, 0) << followed.stdout_tail << followed.stderr_tail;
  EXPECT_NE(followed.stderr_tail.find("==> build"), std::string::npos) << followed.stderr_tail;
  EXPECT_NE(followed.stderr_tail.find("    built-by-the-daemon"), std::string::npos)
      << followed.stderr_tail;
  EXPECT_NE(followed.stdout_tail.find("ended: Succeeded"), std::string::npos)
      << followed.stdout_tail;
  EXPECT_EQ(git_.Git(git_.app(), {"rev-parse", "HEAD"}),
            git_.Git(git_.author(), {"rev-parse", "v1.1.0^{commit}"}));
}

// Every procedure of DESIGN.md §6 through the real @trpc/client, with httpLink and with
// httpBatchLink: first while the test holds the update lock (errors, conflicts, docker off),
// then the updates' success paths, waited for and with `wait: false`.
TEST_F(DaemonTest, TheRealTrpcClientCallsTheApi) {
  ASSERT_OK_AND_ASSIGN(testing::NodeReference client,
                       testing::NodeReference::Install("trpc-client", {"@trpc/client@11.25.2"}));
  git_.PublishV1_1();
  const int port = testing::FreePort();
  WriteConfig(port, UpdateTables());
  const std::string admin = Token("admin");
  const std::string viewer = Token("viewer");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();

  // applyCodeUpdate meets an update in progress: this test holds the update lock.
  std::filesystem::create_directories(state_);
  std::optional<core::FileLock> lock;
  ASSERT_OK_AND_ASSIGN(lock,
                       core::FileLock::TryAcquire(state_ / "update.lock", "update tx-e2e-held"));

  constexpr std::size_t kSteps = 31;  // per link
  json plan = json::array();
  auto step = [&](std::string_view link, std::string_view token, std::string_view kind,
                  std::string_view procedure, json input = nullptr,
                  std::optional<int> group = std::nullopt) {
    plan.push_back(TrpcCall(link, token, kind, procedure, std::move(input), group));
  };
  for (std::string link : {"http", "batch"}) {
    const std::size_t first = plan.size();
    step(link, "", "query", "getCurrentVersion", nullptr, 1);                   // 0
    step(link, viewer, "query", "getUpdateHistory", {{"limit", 5}}, 1);         // 1
    step(link, viewer, "query", "getUpdateHistory", {{"limit", 1000}});         // 2
    step(link, "", "query", "listBackups");                                     // 3
    step(link, viewer, "mutation", "cleanBackups", {{"keepCount", 3}});         // 4
    step(link, admin, "mutation", "cleanBackups", {{"keepCount", 3}});          // 5
    step(link, admin, "query", "checkForUpdates", nullptr, 2);                  // 6
    step(link, admin, "query", "healthCheck", nullptr, 2);                      // 7
    step(link, viewer, "query", "listBackups");                                 // 8
    step(link, admin, "mutation", "applyCodeUpdate", {{"skipBackup", false}});  // 9
    step(link, admin, "query", "noSuchProcedure");                              // 10
    step(link, admin, "mutation", "rollback", {{"backupPath", "../../etc"}});   // 11
    step(link, admin, "mutation", "rollback", json::object());                  // 12
    step(link, viewer, "query", "listContainers");  // 13: docker.enabled = false here
    step(link, admin, "mutation", "createSchedule",
         {{"schedule", "0 5 * * *"}, {"updateType", "code"}, {"timezone", "UTC"}});  // 14
    step(link, admin, "mutation", "createSchedule",
         {{"schedule", "0 25 * * *"}, {"updateType", "code"}});                        // 15
    step(link, viewer, "query", "listSchedules");                                      // 16
    step(link, admin, "mutation", "removeSchedule", {{"scheduleId", "sch-unknown"}});  // 17
    step(link, admin, "mutation", "triggerUpdate", {{"updateType", "code"}});          // 18
    step(link, viewer, "query", "getDockerInfo");                                      // 19
    step(link, admin, "mutation", "restartContainers");                                // 20
    step(link, admin, "mutation", "applyDockerUpdate", json::object());                // 21
    step(link, admin, "mutation", "applyDockerUpdate", {{"wait", false}});             // 22
    step(link, admin, "mutation", "pruneImages");                                      // 23
    step(link, admin, "mutation", "applyFullUpdate", json::object());                  // 24
    step(link, admin, "mutation", "applyFullUpdate", {{"wait", false}});               // 25
    step(link, admin, "mutation", "applyCodeUpdate", {{"wait", false}});               // 26
    step(link, admin, "mutation", "triggerUpdate",
         {{"updateType", "both"}, {"wait", false}});  // 27
    step(link, admin, "mutation", "applyFullUpdate",
         {{"codeOptions", {{"skipBuild", "yes"}}}});  // 28
    step(link, viewer, "query", "getAuditLog",
         {{"action", "systemUpdates.cleanBackups"}, {"limit", 10}}, 3);  // 29
    step(link, viewer, "query", "verifyAuditLog", nullptr, 3);           // 30
    ASSERT_EQ(plan.size() - first, kSteps);
  }
  const json results = AskTrpcClient(client, port, plan);
  ASSERT_EQ(results.size(), plan.size());
  for (std::size_t base : {std::size_t{0}, kSteps}) {
    SCOPED_TRACE(plan[base]["link"].get<std::string>());
    auto error_code = [&](std::size_t i) { return results[base + i]["error"]["code"]; };
    auto http_status = [&](std::size_t i) { return results[base + i]["error"]["httpStatus"]; };
    EXPECT_EQ(
        results[base + 0],
        json::parse(R"({"ok":true,"data":{"version":"1.0.0","major":1,"minor":0,"patch":0}})"));
    EXPECT_EQ(results[base + 1], json::parse(R"({"ok":true,"data":[]})"));
    EXPECT_EQ(error_code(2), "BAD_REQUEST");
    EXPECT_EQ(http_status(2), 400);
    EXPECT_EQ(results[base + 2]["error"]["path"], "systemUpdates.getUpdateHistory");
    EXPECT_NE(results[base + 2]["error"]["message"].get<std::string>().find("limit"),
              std::string::npos);
    EXPECT_EQ(results[base + 2]["error"]["name"], "TRPCClientError");
    EXPECT_EQ(error_code(3), "UNAUTHORIZED");
    EXPECT_EQ(http_status(3), 401);
    EXPECT_EQ(error_code(4), "FORBIDDEN");
    EXPECT_EQ(http_status(4), 403);
    EXPECT_EQ(
        results[base + 5],
        json::parse(
            R"j({"ok":true,"data":{"deletedCount":0,"message":"Deleted 0 old backup(s)"}})j"));
    json code = results[base + 6]["data"]["code"];
    EXPECT_EQ(code["available"], true) << results[base + 6];
    EXPECT_EQ(code["currentVersion"], "1.0.0");
    EXPECT_EQ(code["latestVersion"], "1.1.0");
    EXPECT_EQ(code["breaking"], true);  // "fix!:" with a BREAKING CHANGE footer
    EXPECT_EQ(results[base + 7]["data"]["healthy"], true) << results[base + 7];
    EXPECT_EQ(results[base + 8], json::parse(R"({"ok":true,"data":[]})"));
    EXPECT_EQ(error_code(9), "CONFLICT") << results[base + 9];
    EXPECT_EQ(http_status(9), 409);
    EXPECT_NE(results[base + 9]["error"]["message"].get<std::string>().find("tx-e2e-held"),
              std::string::npos);
    EXPECT_EQ(error_code(10), "NOT_FOUND");
    EXPECT_EQ(error_code(11), "BAD_REQUEST") << results[base + 11];
    EXPECT_EQ(error_code(12), "BAD_REQUEST") << results[base + 12];
    EXPECT_NE(results[base + 12]["error"]["message"].get<std::string>().find("backupPath"),
              std::string::npos);
    EXPECT_EQ(results[base + 6]["data"]["docker"], json::array());
    EXPECT_EQ(error_code(13), "BAD_REQUEST") << results[base + 13];
    EXPECT_NE(results[base + 13]["error"]["message"].get<std::string>().find("docker.enabled"),
              std::string::npos);
    const json schedule = results[base + 14]["data"];
    EXPECT_EQ(schedule["schedule"], "0 5 * * *") << results[base + 14];
    EXPECT_EQ(schedule["description"], "every day at 05:00 UTC");
    EXPECT_EQ(schedule["enabled"], true);
    EXPECT_EQ(schedule["autoApply"], false);
    EXPECT_EQ(schedule["nextRuns"].size(), 5u);
    EXPECT_EQ(error_code(15), "BAD_REQUEST") << results[base + 15];
    EXPECT_NE(results[base + 15]["error"]["message"].get<std::string>().find("hour \"25\""),
              std::string::npos);
    const json listed = results[base + 16]["data"];
    ASSERT_TRUE(listed.is_array()) << results[base + 16];
    EXPECT_TRUE(std::ranges::any_of(listed, [&](const json& s) {
      return s["id"] == schedule["id"];
    })) << listed;
    EXPECT_EQ(error_code(17), "NOT_FOUND") << results[base + 17];
    EXPECT_EQ(error_code(18), "CONFLICT") << results[base + 18];
    EXPECT_NE(results[base + 18]["error"]["message"].get<std::string>().find("tx-e2e-held"),
              std::string::npos);
    for (std::size_t docker : {19, 20, 21, 22, 23}) {
      EXPECT_EQ(error_code(docker), "BAD_REQUEST") << docker << results[base + docker];
      EXPECT_NE(results[base + docker]["error"]["message"].get<std::string>().find(
                    "docker.enabled = false"),
                std::string::npos)
          << results[base + docker];
    }
    for (std::size_t conflict : {24, 25, 26, 27}) {
      EXPECT_EQ(error_code(conflict), "CONFLICT") << conflict << results[base + conflict];
      EXPECT_EQ(http_status(conflict), 409);
    }
    EXPECT_EQ(error_code(28), "BAD_REQUEST") << results[base + 28];
    EXPECT_NE(results[base + 28]["error"]["message"].get<std::string>().find("skipBuild"),
              std::string::npos)
        << results[base + 28];
    const json audit = results[base + 29]["data"];
    ASSERT_TRUE(audit.is_array()) << results[base + 29];
    EXPECT_FALSE(audit.empty());
    for (const json& row : audit) {
      EXPECT_EQ(row["action"], "systemUpdates.cleanBackups") << row;
      EXPECT_EQ(row["actor"], "admin-client") << row;
    }
    EXPECT_EQ(results[base + 30]["data"]["ok"], true) << results[base + 30];
  }

  // The updates' success paths, once the lock is free. Docker is off here: applyFullUpdate
  // updates the code and reports the containers' part as failed with the reason.
  lock.reset();
  plan = json::array();
  step("batch", admin, "mutation", "applyFullUpdate", {{"codeOptions", {{"skipBuild", true}}}});
  step("batch", viewer, "query", "listBackups");
  json full = AskTrpcClient(client, port, plan);
  ASSERT_EQ(full.size(), 2u);
  EXPECT_EQ(full[0]["data"]["success"], false) << full[0];
  EXPECT_EQ(full[0]["data"]["code"]["success"], true) << full[0];
  EXPECT_EQ(full[0]["data"]["code"]["newVersion"], "1.1.0") << full[0];
  EXPECT_NE(full[0]["data"]["docker"]["errors"].dump().find("docker.enabled = false"),
            std::string::npos)
      << full[0];
  ASSERT_EQ(full[1]["data"].size(), 1u) << full[1];
  const std::string backup = full[1]["data"][0]["id"].get<std::string>();

  // Each long mutation with wait: false answers its transaction id; the test waits for its
  // end on /events before the next one.
  const std::vector<std::pair<std::string, json>> background = {
      {"rollback", {{"backupPath", backup}, {"wait", false}}},
      {"triggerUpdate", {{"updateType", "code"}, {"wait", false}}},
      {"rollback", {{"backupPath", backup}, {"wait", true}}},
      {"applyFullUpdate", {{"wait", false}}},
      {"rollback", {{"backupPath", backup}}},
      {"applyCodeUpdate", {{"wait", false}}},
  };
  for (const auto& [procedure, input] : background) {
    SCOPED_TRACE(procedure + input.dump());
    plan = json::array();
    step("http", admin, "mutation", procedure, input);
    const json answer = AskTrpcClient(client, port, plan);
    ASSERT_EQ(answer.size(), 1u);
    ASSERT_EQ(answer[0]["ok"], true) << answer[0];
    const json data = answer[0]["data"];
    if (input.value("wait", true)) {
      EXPECT_EQ(data["success"], true) << data;
      continue;
    }
    ASSERT_EQ(data.size(), 1u) << data;
    const std::string id = data["transactionId"].get<std::string>();
    const json end = WaitForTransactionEnd(port, admin, id);
    // applyFullUpdate: the code transaction succeeds, the docker part does not run (off).
    EXPECT_EQ(end["success"], procedure != "applyFullUpdate") << end;
  }
  plan = json::array();
  step("batch", viewer, "query", "getUpdateHistory", {{"limit", 100}}, 4);
  step("batch", viewer, "query", "getCurrentVersion", nullptr, 4);
  step("batch", viewer, "query", "getAuditLog", {{"limit", 1000}}, 4);
  const json after = AskTrpcClient(client, port, plan);
  ASSERT_EQ(after.size(), 3u);
  // full, rollback, trigger, rollback, full, rollback, code: newest first.
  std::vector<std::string> types;
  for (const json& transaction : after[0]["data"]) {
    EXPECT_EQ(transaction["status"], "succeeded") << transaction;
    types.push_back(transaction["type"].get<std::string>());
  }
  EXPECT_EQ(types,
            (std::vector<std::string>{"system_update_code", "system_rollback", "system_update_code",
                                      "system_rollback", "system_update_code", "system_rollback",
                                      "system_update_code"}));
  EXPECT_EQ(after[1]["data"]["version"], "1.1.0");
  int started = 0;
  for (const json& row : after[2]["data"]) started += row["outcome"] == "started" ? 1 : 0;
  EXPECT_EQ(started, 4) << after[2];
}

}  // namespace
}  // namespace galaos::daemon
