// The dashboard driven in real headless Chromium against a daemon on the real Docker engine and
// registry of scripts/docker-engine.sh: a container update applied from the browser, a prune
// previewed then done, and a screenshot of every screen. Only this test's containers are
// managed (a label unique to it): the engine is shared.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <ranges>

#include "DaemonFixture.h"
#include "docker/DockerTestSupport.h"
#include "docker/UpdateManager.h"
#include "support/Assertions.h"
#include "support/NodeReference.h"

namespace galaos::daemon {
namespace {

using docker::testing::DockerCli;
using nlohmann::json;

// The id of a local image.
std::string ImageId(const std::string& image) {
  auto id = DockerCli({"image", "inspect", "-f", "{{.Id}}", image});
  EXPECT_TRUE(id) << id.error().message();
  return id ? id->substr(0, id->find('\n')) : "";
}

// A busybox image named `name` whose /version holds `version`; removed with `resources`.
void ImportImage(docker::testing::Resources& resources, const std::string& name,
                 const std::string& version) {
  ASSERT_OK(
      docker::testing::ImportBusyboxImage({.name = name,
                                           .changes = {R"(CMD ["/bin/busybox", "sleep", "600"])"},
                                           .files = {{"/version", version}}}));
  resources.Image(ImageId(name));  // removed last, after its tags
  resources.Image(name);
}

TEST_F(DaemonTest, TheDashboardUpdatesAndPrunesContainersOnARealEngine) {
  ASSERT_OK_AND_ASSIGN(
      testing::NodeReference playwright,
      testing::NodeReference::Install("playwright-core", {"playwright-core@1.65.1"}));
  docker::testing::Resources resources;
  const std::string prefix = docker::testing::UniquePrefix();
  const std::string selector = "gdt.dashboard=" + prefix;

  // A container of version 1 pushed under `image`; then version 2 pushed under the same tag,
  // while the engine's tag stays on version 1: an update is available.
  const std::string v1 = prefix + "-img:v1";
  const std::string v2 = prefix + "-img:v2";
  ImportImage(resources, v1, "1");
  ImportImage(resources, v2, "2");
  const std::string image = fmt::format("{}/{}-app:1", docker::testing::kRegistry, prefix);
  ASSERT_OK(DockerCli({"tag", v1, image}));
  resources.Image(image);
  ASSERT_OK(DockerCli({"push", image}));
  const std::string container = resources.Container(prefix + "-web");
  resources.Container(container + "-galaos-old");
  ASSERT_OK(DockerCli({"run", "-d", "--init", "--name", container, "--label", selector, image}));
  ASSERT_OK(DockerCli({"tag", v2, image}));
  ASSERT_OK(DockerCli({"push", image}));
  ASSERT_OK(DockerCli({"tag", v1, image}));

  // An older rollback image of the container (as an update a minute after the epoch left
  // it): once the browser's update adds a newer one, a prune keeping one deletes it.
  const std::string old_image = prefix + "-img:v0";
  ImportImage(resources, old_image, "0");
  const std::string old_rollback = docker::RollbackTag(
      container, std::chrono::system_clock::time_point(std::chrono::minutes(1)));
  ASSERT_OK(DockerCli({"tag", old_image, old_rollback}));
  resources.Image(old_rollback);
  ASSERT_OK(DockerCli({"rmi", old_image}));

  const int port = testing::FreePort();
  docker_ = fmt::format(
      "host = \"{}\"\nmanaged_label = \"{}\"\nhealthy_timeout = \"60s\"\nimage_retention = 1\n",
      docker::testing::kDockerHost, selector);
  WriteConfig(port, "[update]\nsource = \"git\"\nmin_free_disk_mb = 1\n");
  const std::string admin = Token("admin");
  const std::string viewer = Token("viewer");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();

  const std::filesystem::path screenshots =
      std::filesystem::path(GALAOS_BINARY_DIR) / "test-output" / "dashboard-docker";
  std::filesystem::create_directories(screenshots);
  ASSERT_OK_AND_ASSIGN(core::TempDir profile, core::TempDir::Create("chromium-profile"));
  const json input = {{"scenario", "docker"},
                      {"baseUrl", fmt::format("http://127.0.0.1:{}", port)},
                      {"adminToken", admin},
                      {"viewerToken", viewer},
                      {"screenshots", screenshots.string()},
                      {"userDataDir", profile.path().string()},
                      {"container", container},
                      {"image", image},
                      {"oldRollbackTag", old_rollback}};
  ASSERT_OK_AND_ASSIGN(json report,
                       playwright.Ask(GALAOS_SOURCE_DIR "/tests/daemon/e2e/dashboard.js", input));

  // The update's own rollback tag (of version 1) is this test's to remove.
  ASSERT_OK_AND_ASSIGN(const std::string tags,
                       DockerCli({"images", "--format", "{{.Repository}}:{{.Tag}}",
                                  std::string(docker::kRollbackRepositoryPrefix) + container}));
  for (const auto tag : std::views::split(tags, '\n')) {
    if (!tag.empty()) resources.Image(std::string(tag.begin(), tag.end()));
  }

  ASSERT_GE(report["checks"].size(), 30u) << report.dump(2);
  for (const json& check : report["checks"]) {
    EXPECT_TRUE(check["ok"].get<bool>())
        << check["name"].get<std::string>() << ": " << check["detail"].get<std::string>();
  }
  EXPECT_EQ(report["pageErrors"], json::array()) << report["pageErrors"].dump(2);

  // What the browser saw is what the engine did.
  ASSERT_OK_AND_ASSIGN(const std::string running,
                       DockerCli({"inspect", "-f", "{{.Image}}", container}));
  EXPECT_EQ(running.substr(0, running.find('\n')), ImageId(v2));
  EXPECT_FALSE(DockerCli({"image", "inspect", old_rollback}).has_value())
      << "the prune left " << old_rollback;
  EXPECT_NE(tags.find(std::string(docker::kRollbackRepositoryPrefix) + container),
            std::string::npos)
      << "the update's rollback image is kept: " << tags;
}

}  // namespace
}  // namespace galaos::daemon
