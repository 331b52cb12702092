// The daemon's loose ends, seen from outside the real `serve`: what scheduled checks found is
// on /metrics, the end event of a background full/trigger run says when it was rolled back,
// and a notification in flight at shutdown is delivered once.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "../notify/HttpReceiver.h"
#include "BackgroundCall.h"
#include "DaemonFixture.h"
#include "support/Assertions.h"

namespace galaos::daemon {
namespace {

using nlohmann::json;

class LooseEndsTest : public DaemonTest {
 protected:
  // /metrics as a token holder sees it.
  static std::string Scrape(int port, const std::string& token) {
    httplib::Client client("127.0.0.1", port);
    auto scraped = client.Get("/metrics", httplib::Headers{{"Authorization", "Bearer " + token}});
    EXPECT_TRUE(scraped && scraped->status == 200);
    return scraped ? scraped->body : "";
  }

  // Creates a schedule firing every 2 s through the CLI; its id.
  std::string CreateSchedule(const std::vector<std::string>& flags) {
    std::vector<std::string> args = {"schedule", "create",     "*/2 * * * * *", "--type",
                                     "code",     "--timezone", "UTC",           "--json"};
    args.insert(args.end(), flags.begin(), flags.end());
    Expected<std::string> created = Cli(args);
    EXPECT_TRUE(created.has_value()) << created.error().message();
    return created ? json::parse(*created)["id"].get<std::string>() : "";
  }
};

// The scheduler's checks feed galaos_updater_updates_available as the API's do: a check-only
// schedule's finding, then an auto-apply run's (what it applied is no longer available).
TEST_F(LooseEndsTest, MetricsReportWhatTheScheduledChecksFound) {
  git_.PublishV1_1();
  const int port = testing::FreePort();
  WriteConfig(port, UpdateTables());
  const std::string viewer = Token("viewer");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  EXPECT_EQ(Scrape(port, viewer).find("galaos_updater_updates_available"), std::string::npos);

  const std::string check = CreateSchedule({});
  ASSERT_TRUE(daemon.WaitForLines(
      fmt::format("schedule {} ran: code: 1.1.0 available (running 1.0.0)", check)))
      << daemon.Output();
  std::string metrics = Scrape(port, viewer);
  EXPECT_NE(metrics.find("galaos_updater_updates_available{kind=\"code\"} 1\n"), std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("galaos_updater_updates_available{kind=\"docker\"}"), std::string::npos)
      << metrics;  // Docker is off: never checked

  ASSERT_OK(Cli({"schedule", "remove", check}));
  const std::string apply = CreateSchedule({"--auto-apply"});
  ASSERT_TRUE(
      daemon.WaitForLines(fmt::format("schedule {} ran: code: updated 1.0.0 -> 1.1.0", apply)))
      << daemon.Output();
  metrics = Scrape(port, viewer);
  EXPECT_NE(metrics.find("galaos_updater_updates_available{kind=\"code\"} 0\n"), std::string::npos)
      << metrics;
}

// A full update and a triggered one, both with wait: false, whose code update fails in its
// build and is rolled back: their end events on /events say "RolledBack", as the code
// transaction's own state does, and so do their results' "state".
TEST_F(LooseEndsTest, TheEndEventOfABackgroundFullOrTriggeredRunSaysItWasRolledBack) {
  git_.PublishV1_1();
  const int port = testing::FreePort();
  // 1.1.0 does not build; the rollback's rebuild of 1.0.0 does.
  WriteConfig(port, UpdateTables("if grep -q 1.1.0 package.json; then echo broken; exit 1; fi"));
  const std::string admin = Token("admin");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();

  const std::string full = StartInBackground(port, admin, "applyFullUpdate", R"({"wait":false})");
  ASSERT_TRUE(full.starts_with("tx-")) << full;
  const json full_end = WaitForTransactionEnd(port, admin, full);
  EXPECT_EQ(full_end["state"], "RolledBack") << full_end;
  EXPECT_EQ(full_end["success"], false) << full_end;

  const std::string triggered =
      StartInBackground(port, admin, "triggerUpdate", R"({"updateType":"code","wait":false})");
  ASSERT_TRUE(triggered.starts_with("tx-")) << triggered;
  ASSERT_NE(triggered, full);
  const json triggered_end = WaitForTransactionEnd(port, admin, triggered);
  EXPECT_EQ(triggered_end["state"], "RolledBack") << triggered_end;
  EXPECT_EQ(triggered_end["success"], false) << triggered_end;

  // Waited for, the results carry the same state.
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::minutes(5));
  auto waited =
      client.Post("/trpc/systemUpdates.applyFullUpdate",
                  httplib::Headers{{"Authorization", "Bearer " + admin}}, "{}", "application/json");
  ASSERT_TRUE(waited);
  ASSERT_EQ(waited->status, 200) << waited->body;
  const json result = json::parse(waited->body)["result"]["data"];
  EXPECT_EQ(result["state"], "RolledBack") << result;
  EXPECT_EQ(result["code"]["state"], "RolledBack") << result;
}

// SIGTERM while a notification is in flight to a slow receiver: the delivery finishes before
// the daemon exits (SchedulerLoop.h), the row is recorded delivered, and the restarted daemon
// does not send it again — the receiver sees each event exactly once.
TEST_F(LooseEndsTest, ADeliveryInFlightAtShutdownIsDeliveredOnceAndNotResentAfterRestart) {
  git_.PublishV1_1();
  notify::testing::HttpReceiver receiver;
  const int port = testing::FreePort();
  WriteConfig(port, fmt::format("[notify.webhook]\nurl = \"{}\"\nsecret = \"s3cret\"\n",
                                receiver.Url("/hook")));
  // update_available to the webhook, enqueued by the CLI's own process.
  auto announce = [&] {
    return Cli({"schedule", "trigger", "code", "--check-only", "--channel", "webhook"});
  };
  receiver.Hold();
  std::string first_id;
  {
    DaemonProcess daemon(config_file_);
    ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
    ASSERT_OK(announce());
    ASSERT_TRUE(receiver.WaitForRequests(1)) << daemon.Output();
    first_id = receiver.Requests()[0].headers.at("x-galaos-delivery");

    daemon.Signal(SIGTERM);
    ASSERT_TRUE(daemon.WaitForLines("received, stopping")) << daemon.Output();
    // Still waiting for the receiver's answer; it exits once the delivery is acknowledged.
    EXPECT_EQ(daemon.Output().find("delivered to webhook"), std::string::npos) << daemon.Output();
    receiver.Release();
    std::optional<core::ProcessResult> exited = daemon.WaitForExit();
    ASSERT_TRUE(exited.has_value());
    EXPECT_EQ(exited->exit_code, 0) << exited->Describe() << "\n" << daemon.Output();
    EXPECT_NE(daemon.Output().find("delivered to webhook (attempt 1)"), std::string::npos)
        << daemon.Output();
  }
  ASSERT_OK_AND_ASSIGN(std::string outbox, Cli({"notify", "outbox", "--json"}));
  bool recorded = false;
  for (const json& row : json::parse(outbox)) {
    if (row["sink"] != "webhook") continue;
    EXPECT_EQ(row["status"], "delivered") << row;
    EXPECT_EQ(row["attempts"], 1) << row;
    recorded = true;
  }
  EXPECT_TRUE(recorded) << outbox;

  // Restarted, the daemon delivers what is due at once — a second event, but not the first again.
  DaemonProcess restarted(config_file_);
  ASSERT_TRUE(restarted.WaitForLines("listening on")) << restarted.Output();
  ASSERT_OK(announce());
  ASSERT_TRUE(receiver.WaitForRequests(2)) << restarted.Output();
  ASSERT_TRUE(restarted.WaitForLines("delivered to webhook")) << restarted.Output();
  const std::vector<notify::testing::ReceivedRequest> requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].headers.at("x-galaos-delivery"), first_id);
  EXPECT_NE(requests[1].headers.at("x-galaos-delivery"), first_id);
  restarted.Signal(SIGTERM);
  std::optional<core::ProcessResult> exited = restarted.WaitForExit();
  ASSERT_TRUE(exited.has_value());
  EXPECT_EQ(exited->exit_code, 0) << exited->Describe() << "\n" << restarted.Output();
}

}  // namespace
}  // namespace galaos::daemon
