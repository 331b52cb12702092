// A background full update and a triggered docker update whose new image fails its health
// check, against the real engine and registry of scripts/docker-engine.sh: the docker
// transaction rolls back, and the run's end event on /events says "RolledBack" as that
// transaction's state does. Only this test's container is managed (a label unique to it).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "BackgroundCall.h"
#include "DaemonFixture.h"
#include "docker/DockerTestSupport.h"
#include "docker/Recreate.h"
#include "support/Assertions.h"

namespace galaos::daemon {
namespace {

using docker::testing::DockerCli;
using nlohmann::json;

TEST_F(DaemonTest, TheEndEventOfABackgroundRunWhoseDockerPartRolledBackSaysSo) {
  docker::testing::Resources resources;
  const std::string prefix = docker::testing::UniquePrefix();
  const std::string image = fmt::format("{}/{}-web:1", docker::testing::kRegistry, prefix);
  ASSERT_OK_AND_ASSIGN(
      const std::string v1,
      docker::testing::ImportAndPush(resources, docker::testing::HttpdImage(image, "v1")));

  const std::string name = resources.Container(prefix + "-web");
  resources.Container(docker::RecoveryName(name));
  ASSERT_OK_AND_ASSIGN(auto engine, docker::testing::TestEngine());
  ASSERT_OK(engine->CreateContainer(name, {{"Image", image},
                                           {"Labels", {{"gdt.test", prefix}}},
                                           {"Healthcheck", docker::testing::HttpdHealthcheck()},
                                           {"HostConfig", {{"Init", true}}}}));
  ASSERT_OK(engine->StartContainer(name));
  ASSERT_OK(docker::WaitHealthy(*engine, name, std::chrono::seconds(60), std::chrono::seconds(1)));
  // The next push serves no index.html: every health check of it fails.
  const std::string broken = resources.Image(prefix + "-web:broken");
  ASSERT_OK(docker::testing::ImportBusyboxImage(docker::testing::HttpdImage(broken, "")));
  ASSERT_OK(DockerCli({"tag", broken, image}));
  ASSERT_OK(DockerCli({"push", image}));

  docker_ =
      fmt::format("host = \"{}\"\nmanaged_label = \"gdt.test={}\"\nhealthy_timeout = \"30s\"\n",
                  docker::testing::kDockerHost, prefix);
  const int port = testing::FreePort();
  WriteConfig(port, UpdateTables());  // the code is up to date: only the docker part runs
  const std::string admin = Token("admin");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();

  const std::string full = StartInBackground(port, admin, "applyFullUpdate", R"({"wait":false})");
  ASSERT_TRUE(full.starts_with("tx-")) << full << daemon.Output();
  const json full_end = WaitForTransactionEnd(port, admin, full);
  EXPECT_EQ(full_end["state"], "RolledBack") << full_end << daemon.Output();
  EXPECT_EQ(full_end["success"], false) << full_end;
  EXPECT_FALSE(full_end["errors"].empty()) << full_end;  // why the docker part rolled back

  const std::string triggered =
      StartInBackground(port, admin, "triggerUpdate", R"({"updateType":"docker","wait":false})");
  ASSERT_TRUE(triggered.starts_with("tx-")) << triggered << daemon.Output();
  const json triggered_end = WaitForTransactionEnd(port, admin, triggered);
  EXPECT_EQ(triggered_end["state"], "RolledBack") << triggered_end << daemon.Output();
  EXPECT_EQ(triggered_end["success"], false) << triggered_end;
  EXPECT_FALSE(triggered_end["errors"].empty()) << triggered_end;

  // The container runs its old image again; the rollback tags are this test's to remove.
  ASSERT_OK_AND_ASSIGN(const std::string running, DockerCli({"inspect", "-f", "{{.Image}}", name}));
  EXPECT_EQ(running.substr(0, running.find('\n')), v1);
  ASSERT_OK(docker::testing::AdoptRollbackTags(resources, name));
}

}  // namespace
}  // namespace galaos::daemon
