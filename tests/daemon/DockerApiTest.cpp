// The docker procedures' success paths through the real @trpc/client (v11, from npm), against
// the real engine and registry of scripts/docker-engine.sh: a managed container of this test
// whose image has a newer push. Only this test's containers are managed (a label unique to
// it): the engine is shared.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "DaemonFixture.h"
#include "docker/DockerTestSupport.h"
#include "docker/Recreate.h"
#include "support/Assertions.h"
#include "support/NodeReference.h"

namespace galaos::daemon {
namespace {

using docker::testing::DockerCli;
using nlohmann::json;

constexpr std::string_view kSleep = R"(CMD ["/bin/busybox", "sleep", "600"])";

TEST_F(DaemonTest, TheRealTrpcClientUpdatesContainersThroughTheApi) {
  ASSERT_OK_AND_ASSIGN(testing::NodeReference client,
                       testing::NodeReference::Install("trpc-client", {"@trpc/client@11.25.2"}));
  docker::testing::Resources resources;
  const std::string prefix = docker::testing::UniquePrefix();
  const std::string image = fmt::format("{}/{}-app:1", docker::testing::kRegistry, prefix);
  ASSERT_OK(
      docker::testing::ImportAndPush(resources, {.name = image, .changes = {std::string(kSleep)}}));
  const std::string name = resources.Container(prefix + "-web");
  resources.Container(docker::RecoveryName(name));
  ASSERT_OK(
      DockerCli({"run", "-d", "--init", "--name", name, "--label", "gdt.test=" + prefix, image}));
  // A different image under the same tag: the registry's digest changes, the container's not.
  const std::string next = resources.Image(prefix + "-app:v2");
  ASSERT_OK(docker::testing::ImportBusyboxImage(
      {.name = next, .changes = {std::string(kSleep)}, .files = {{"/version", "2"}}}));
  ASSERT_OK(DockerCli({"tag", next, image}));
  ASSERT_OK(DockerCli({"push", image}));

  docker_ =
      fmt::format("host = \"{}\"\nmanaged_label = \"gdt.test={}\"\nhealthy_timeout = \"60s\"\n",
                  docker::testing::kDockerHost, prefix);
  const int port = testing::FreePort();
  WriteConfig(port, UpdateTables());
  const std::string admin = Token("admin");
  const std::string viewer = Token("viewer");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();

  // Steps [kind, procedure, input?] through httpLink: queries as the viewer, mutations as admin.
  auto ask = [&](const json& steps) -> json {
    json plan = json::array();
    for (const json& step : steps) {
      plan.push_back(TrpcCall("http", step[0] == "query" ? viewer : admin,
                              step[0].get<std::string>(), step[1].get<std::string>(),
                              step.size() > 2 ? step[2] : json(nullptr)));
    }
    return AskTrpcClient(client, port, plan);
  };

  const json before = ask(
      json::array({{"query", "listContainers"},
                   {"query", "getDockerInfo"},
                   {"query", "checkForUpdates"},
                   {"mutation", "applyDockerUpdate", {{"containers", {name}}, {"wait", false}}}}));
  ASSERT_EQ(before.size(), 4u);
  ASSERT_EQ(before[0]["data"].size(), 1u) << before[0];
  EXPECT_EQ(before[0]["data"][0]["name"], name);
  EXPECT_EQ(before[0]["data"][0]["state"], "running");
  EXPECT_FALSE(before[1]["data"]["serverVersion"].get<std::string>().empty()) << before[1];
  ASSERT_EQ(before[2]["data"]["docker"].size(), 1u) << before[2];
  EXPECT_EQ(before[2]["data"]["docker"][0]["container"], name);
  EXPECT_EQ(before[2]["data"]["docker"][0]["updateAvailable"], true) << before[2];
  ASSERT_EQ(before[3]["ok"], true) << before[3];
  const std::string id = before[3]["data"]["transactionId"].get<std::string>();
  const json end = WaitForTransactionEnd(port, admin, id);
  EXPECT_EQ(end["success"], true) << end << daemon.Output();
  EXPECT_EQ(end["state"], "Succeeded") << end;
  // The rollback image the update tagged is this test's to remove.
  ASSERT_OK(docker::testing::AdoptRollbackTags(resources, name));

  const json after =
      ask(json::array({{"query", "listContainers"},
                       {"mutation", "restartContainers", {{"containers", {name}}}},
                       {"mutation", "applyDockerUpdate", json::object()},
                       {"mutation", "applyFullUpdate", json::object()},
                       {"mutation", "triggerUpdate", {{"updateType", "docker"}, {"wait", false}}},
                       {"mutation", "pruneImages", json::object()},
                       {"query", "getUpdateHistory", {{"limit", 1}}}}));
  ASSERT_EQ(after.size(), 7u);
  EXPECT_EQ(after[0]["data"][0]["state"], "running") << after[0];
  EXPECT_EQ(after[1]["data"],
            json::parse(fmt::format(R"({{"success":true,"restarted":["{}"]}})", name)))
      << after[1];
  // Nothing newer any more: each answers a success without a transaction.
  EXPECT_EQ(after[2]["data"]["success"], true) << after[2];
  EXPECT_EQ(after[2]["data"]["updated"], json::array()) << after[2];
  EXPECT_EQ(after[3]["data"]["success"], true) << after[3];
  EXPECT_EQ(after[3]["data"]["docker"]["success"], true) << after[3];
  EXPECT_EQ(after[4]["data"]["success"], true) << after[4];
  EXPECT_EQ(after[4]["data"].contains("transactionId"), false) << after[4];
  EXPECT_EQ(after[5]["data"]["imagesDeleted"], 0) << after[5];
  EXPECT_NE(after[5]["data"]["message"].get<std::string>().find("rollback image"),
            std::string::npos);
  const json newest = after[6]["data"][0];
  EXPECT_EQ(newest["id"], id) << after[6];
  EXPECT_EQ(newest["type"], "system_update_docker");
  EXPECT_EQ(newest["status"], "succeeded");
}

}  // namespace
}  // namespace galaos::daemon
