// The dashboard driven in real headless Chromium against a daemon on the real Docker engine and
// registry of scripts/docker-engine.sh: container updates applied from the Containers and Update
// screens (a docker-compose stack, a zero-downtime rollout on a user-defined network), a full
// update (code, then a container), each watched live to its end, the "nothing to apply" states,
// a prune previewed then done by keyboard, and a screenshot of every screen. Only this test's
// containers are managed (a label unique to it, or the compose file): the engine is shared.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

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

  // Containers of version 1, each pushed under an image of its own; then version 2 pushed
  // under the same tags, while the engine's tags stay on version 1: an update is available
  // for each. `web` is updated from the Containers screen, `svc` from the Update screen, `full`
  // by a full update (code, then containers), and `bad`, unhealthy on version 2, from the
  // Update screen again: rolled back. Each has images of its own (an image pushed to several
  // repositories could not be removed without force).
  auto expect_ok = [](const Expected<std::string>& done) {
    EXPECT_TRUE(done.has_value()) << done.error().message();
  };
  struct WithUpdate {
    std::string container, image, v1, v2;  // v1, v2: local image names
  };
  // The container <prefix>-<name> of image <registry>/<prefix>-<name>:1, run with `options`.
  auto with_update = [&](const std::string& name, std::vector<std::string> options = {}) {
    const WithUpdate made{
        .container = prefix + "-" + name,
        .image = fmt::format("{}/{}-{}:1", docker::testing::kRegistry, prefix, name),
        .v1 = fmt::format("{}-{}-img:v1", prefix, name),
        .v2 = fmt::format("{}-{}-img:v2", prefix, name)};
    ImportImage(resources, made.v1, "1");
    ImportImage(resources, made.v2, "2");
    expect_ok(DockerCli({"tag", made.v1, made.image}));
    resources.Image(made.image);
    expect_ok(DockerCli({"push", made.image}));
    resources.Container(made.container);
    resources.Container(made.container + "-galaos-old");
    resources.Container(made.container + "-galaos-new");
    std::vector<std::string> run = {"run",          "-d",      "--init", "--name",
                                    made.container, "--label", selector};
    run.insert(run.end(), options.begin(), options.end());
    run.push_back(made.image);
    expect_ok(DockerCli(run));
    expect_ok(DockerCli({"tag", made.v2, made.image}));
    expect_ok(DockerCli({"push", made.image}));
    expect_ok(DockerCli({"tag", made.v1, made.image}));
    return made;
  };
  const WithUpdate web = with_update("web");
  const WithUpdate service = with_update("svc");
  const WithUpdate full = with_update("full");
  // Reached only through a user-defined network (no published port): eligible for a
  // zero-downtime rollout.
  const std::string network = resources.Network(prefix + "-net");
  ASSERT_OK(DockerCli({"network", "create", network}));
  const WithUpdate beside =
      with_update("zd", {"--network", network, "--network-alias", prefix + "-zd-alias"});
  // Healthy on version 1 only: its update fails and is rolled back.
  const WithUpdate failing =
      with_update("bad", {"--health-cmd", "grep -qx 1 /version", "--health-interval", "1s",
                          "--health-retries", "1", "--health-timeout", "5s"});
  const std::string& container = web.container;
  ASSERT_FALSE(HasFailure());

  // A docker-compose stack inside app.root (ignored by the app's git, as an operator would),
  // started on tag 1 of two images; then the file names tag 2 of each, pushed: the update the
  // Update screen applies from the compose file. Its containers are chosen by the file, not by
  // the managed label.
  const std::string stack = "stack_" + prefix;
  {
    std::ofstream exclude(git_.app() / ".git" / "info" / "exclude", std::ios::app);
    exclude << "/stack_*/\n";
  }
  std::filesystem::create_directory(git_.app() / stack);
  const std::filesystem::path compose_file = git_.app() / stack / "docker-compose.yml";
  const auto stack_image = [&](const std::string& service, const std::string& tag) {
    const std::string reference =
        fmt::format("{}/{}-{}:{}", docker::testing::kRegistry, prefix, service, tag);
    ImportImage(resources, reference, tag);
    expect_ok(DockerCli({"push", reference}));
    return reference;
  };
  const auto write_compose = [&](const std::string& tag) {
    std::ofstream out(compose_file);
    out << "version: \"2.4\"\nservices:\n";
    for (const char* service : {"front", "back"}) {
      out << "  " << service << ":\n    image: " << docker::testing::kRegistry << "/" << prefix
          << "-" << service << ":" << tag << "\n    init: true\n";
    }
    out << "    depends_on: [front]\n";
  };
  std::vector<std::string> stack_containers;
  std::vector<std::string> stack_v2;
  for (const char* service : {"front", "back"}) {
    stack_image(service, "1");
    stack_v2.push_back(stack_image(service, "2"));
    stack_containers.push_back(fmt::format("{}_{}_1", stack, service));
    resources.Container(stack_containers.back());
    resources.Container(stack_containers.back() + "-galaos-old");
  }
  write_compose("1");
  docker::testing::ComposeProject compose(compose_file, "");
  ASSERT_OK(compose.Run({"up", "-d"}));
  write_compose("2");

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
  // A code release for the full update: 1.0.0 -> 1.1.0.
  git_.PublishV1_1();
  WriteConfig(port, UpdateTables());
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
                      {"image", web.image},
                      {"oldRollbackTag", old_rollback},
                      {"service", service.container},
                      {"serviceImage", service.image},
                      {"fullContainer", full.container},
                      {"failingContainer", failing.container},
                      {"besideContainer", beside.container},
                      {"withUpdates", 5},
                      {"composeFile", stack + "/docker-compose.yml"},
                      {"stackContainers", stack_containers},
                      {"fromVersion", "1.0.0"},
                      {"toVersion", "1.1.0"}};
  ASSERT_OK_AND_ASSIGN(json report,
                       playwright.Ask(GALAOS_SOURCE_DIR "/tests/daemon/e2e/dashboard.js", input));

  // The updates' own rollback tags (of version 1) are this test's to remove.
  for (const std::string& updated : stack_containers) {
    ASSERT_OK(docker::testing::AdoptRollbackTags(resources, updated));
  }
  for (const WithUpdate* updated : {&web, &service, &full, &failing, &beside}) {
    ASSERT_OK(docker::testing::AdoptRollbackTags(resources, updated->container));
  }

  ASSERT_GE(report["checks"].size(), 30u) << report.dump(2);
  for (const json& check : report["checks"]) {
    EXPECT_TRUE(check["ok"].get<bool>())
        << check["name"].get<std::string>() << ": " << check["detail"].get<std::string>();
  }
  EXPECT_EQ(report["pageErrors"], json::array()) << report["pageErrors"].dump(2);

  // What the browser saw is what the engine did: the updated containers run version 2, the
  // rolled back one version 1.
  auto running = [](const std::string& name) {
    auto image = DockerCli({"inspect", "-f", "{{.Image}}", name});
    EXPECT_TRUE(image) << image.error().message();
    return image ? image->substr(0, image->find('\n')) : "";
  };
  for (const WithUpdate* updated : {&web, &service, &full, &beside}) {
    EXPECT_EQ(running(updated->container), ImageId(updated->v2)) << updated->container;
  }
  for (std::size_t i = 0; i < stack_containers.size(); ++i) {
    EXPECT_EQ(running(stack_containers[i]), ImageId(stack_v2[i])) << "compose service";
  }
  // The rollout kept the container's network and alias.
  ASSERT_OK_AND_ASSIGN(
      const std::string aliases,
      DockerCli(
          {"inspect", "-f",
           fmt::format("{{{{json (index .NetworkSettings.Networks \"{}\").Aliases}}}}", network),
           beside.container}));
  EXPECT_NE(aliases.find(prefix + "-zd-alias"), std::string::npos) << aliases;
  EXPECT_EQ(running(failing.container), ImageId(failing.v1)) << "rolled back";
  std::ifstream package(git_.app() / "package.json");
  const std::string manifest{std::istreambuf_iterator<char>(package), {}};
  EXPECT_NE(manifest.find("\"1.1.0\""), std::string::npos)
      << "the full update's code part: " << manifest;
  EXPECT_FALSE(DockerCli({"image", "inspect", old_rollback}).has_value())
      << "the prune left " << old_rollback;
  ASSERT_OK_AND_ASSIGN(const std::string tags,
                       DockerCli({"images", "--format", "{{.Repository}}:{{.Tag}}",
                                  std::string(docker::kRollbackRepositoryPrefix) + container}));
  EXPECT_FALSE(tags.empty()) << "the update's rollback image is kept";
}

}  // namespace
}  // namespace galaos::daemon
