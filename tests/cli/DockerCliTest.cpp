// `galaos-updater docker list|info|restart|check|update` against the real engine and registry.
// Every run selects only this test's containers (a managed label unique to it): the engine is
// shared.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ranges>

#include "core/Process.h"
#include "core/TempDir.h"
#include "docker/DockerTestSupport.h"
#include "support/Assertions.h"

namespace galaos::cli {
namespace {

using docker::testing::Resources;
using nlohmann::json;

struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};

class DockerCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = docker::testing::UniquePrefix();
    image_ = prefix_ + "-img:v1";
    ASSERT_OK(docker::testing::ImportBusyboxImage(
        {.name = image_, .changes = {R"(CMD ["/bin/busybox", "sleep", "600"])"}}));
    // Removed in reverse: every tag first, then the image with the digests pushes left.
    ASSERT_OK_AND_ASSIGN(const std::string id,
                         docker::testing::DockerCli({"image", "inspect", "-f", "{{.Id}}", image_}));
    resources_.Image(id.substr(0, id.find('\n')));
    resources_.Image(image_);
    db_ = Create("db", {});
    web_ = Create("web", "db:service_started:false");
    ignored_ = resources_.Container(prefix_ + "-ignored");
    ASSERT_OK(docker::testing::DockerCli({"create", "--name", ignored_, image_}));
  }

  std::string Create(const std::string& service, const std::string& depends_on) {
    const std::string name = resources_.Container(prefix_ + "-" + service);
    std::vector<std::string> args = {"run",
                                     "-d",
                                     "--init",
                                     "--name",
                                     name,
                                     "--label",
                                     Selector(),
                                     "--label",
                                     "com.docker.compose.project=" + prefix_,
                                     "--label",
                                     "com.docker.compose.service=" + service};
    if (!depends_on.empty()) {
      args.insert(args.end(), {"--label", "com.docker.compose.depends_on=" + depends_on});
    }
    args.push_back(image_);
    EXPECT_TRUE(docker::testing::DockerCli(args));
    return name;
  }

  std::string Selector() const { return "gdt.test=" + prefix_; }

  CliRun Run(std::vector<std::string> args) {
    core::ProcessOptions options;
    options.argv = {GALAOS_CLI_PATH,
                    "--state-dir",
                    (dir_.path() / "state").string(),
                    "--app-root",
                    dir_.path().string(),
                    "--set",
                    "docker.host=" + std::string(docker::testing::kDockerHost),
                    "--set",
                    "docker.managed_label=" + Selector()};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.unset_environment = {"GALAOS_UPDATER_CONFIG", "DOCKER_HOST"};
    options.environment["GALAOS_UPDATER_CONFIG"] = "";
    options.timeout = std::chrono::seconds(60);
    auto result = core::RunProcess(options);
    EXPECT_TRUE(result.has_value()) << result.error().message();
    return {result->exit_code, result->stdout_tail, result->stderr_tail};
  }

  // A container (labelled `selector`) of an image pushed to the test registry; returns the
  // container's name and the image reference.
  std::pair<std::string, std::string> PushedContainer(const std::string& selector) {
    const std::string image = std::string(docker::testing::kRegistry) + "/" + prefix_ + "-app:1";
    EXPECT_TRUE(docker::testing::DockerCli({"tag", image_, image}));
    resources_.Image(image);
    EXPECT_TRUE(docker::testing::DockerCli({"push", image}));
    const std::string name = resources_.Container(prefix_ + "-checked");
    EXPECT_TRUE(docker::testing::DockerCli({"create", "--name", name, "--label", selector, image}));
    return {name, image};
  }

  // A different image under the same tag: the registry's digest changes, the container's not.
  void PushNewImageAs(const std::string& image) {
    const std::string next = resources_.Image(prefix_ + "-img:v2");
    ASSERT_OK(
        docker::testing::ImportBusyboxImage({.name = next,
                                             .changes = {R"(CMD ["/bin/busybox", "sleep", "600"])"},
                                             .files = {{"/version", "2"}}}));
    ASSERT_OK(docker::testing::DockerCli({"tag", next, image}));
    ASSERT_OK(docker::testing::DockerCli({"push", image}));
  }

  Resources resources_;
  core::TempDir dir_ = std::move(*core::TempDir::Create("gdt-cli-"));
  std::string prefix_, image_, db_, web_, ignored_;
};

TEST_F(DockerCliTest, ListShowsTheManagedContainersAndFlagsMonitorOnly) {
  const CliRun run =
      Run({"docker", "list", "--json", "--set", "docker.monitor_only=[\"" + web_ + "\"]"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json list = json::parse(run.out);
  ASSERT_EQ(list.size(), 2u) << run.out;
  std::map<std::string, bool> monitor_only;
  for (const json& c : list) {
    monitor_only[c["name"]] = c["monitorOnly"];
    EXPECT_EQ(c["state"], "running");
    EXPECT_EQ(c["image"], image_);
    EXPECT_EQ(c["id"].get<std::string>().size(), 64u);
  }
  EXPECT_EQ(monitor_only, (std::map<std::string, bool>{{db_, false}, {web_, true}}));

  const CliRun table = Run({"docker", "list"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find(db_), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find(ignored_), std::string::npos) << table.out;
}

TEST_F(DockerCliTest, InfoReportsTheEngineAndTheNegotiatedVersion) {
  const CliRun run = Run({"docker", "info", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json info = json::parse(run.out);
  EXPECT_FALSE(info["serverVersion"].get<std::string>().empty());
  EXPECT_EQ(info["negotiatedApiVersion"], "1.41");
  EXPECT_EQ(info["host"], docker::testing::kDockerHost);
}

TEST_F(DockerCliTest, RestartGoesInDependencyOrderAndIsAudited) {
  const CliRun run = Run({"docker", "restart", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(json::parse(run.out)["restarted"], json({db_, web_}));
  const CliRun audit = Run({"audit", "verify"});
  EXPECT_EQ(audit.exit_code, 0) << audit.err;
}

TEST_F(DockerCliTest, RestartRefusesHostileAndUnmanagedNames) {
  const CliRun hostile = Run({"docker", "restart", "web;rm -rf /"});
  EXPECT_EQ(hostile.exit_code, 2) << hostile.err;
  EXPECT_NE(hostile.err.find("invalid container name"), std::string::npos) << hostile.err;
  const CliRun unmanaged = Run({"docker", "restart", ignored_});
  EXPECT_EQ(unmanaged.exit_code, 4) << unmanaged.err;
  EXPECT_NE(unmanaged.err.find("no managed container named " + ignored_), std::string::npos);
}

TEST_F(DockerCliTest, AnUnreachableOrDisabledEngineIsAClearError) {
  const CliRun down =
      Run({"--set", "docker.host=unix:///nonexistent/docker.sock", "docker", "info"});
  EXPECT_EQ(down.exit_code, 1) << down.err;
  EXPECT_NE(down.err.find("unix:///nonexistent/docker.sock"), std::string::npos) << down.err;
  const CliRun off = Run({"--set", "docker.enabled=false", "docker", "list"});
  EXPECT_EQ(off.exit_code, 2) << off.err;
  EXPECT_NE(off.err.find("docker.enabled = false"), std::string::npos) << off.err;
}

TEST_F(DockerCliTest, CheckReportsANewerImageOnceTheTagIsPushedAgain) {
  // Its own selector: the fixture's containers run images no registry here has.
  const std::string selector = "gdt.check=" + prefix_;
  const auto [name, image] = PushedContainer(selector);

  const CliRun before =
      Run({"--set", "docker.managed_label=" + selector, "docker", "check", "--json"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  json checks = json::parse(before.out);
  ASSERT_EQ(checks.size(), 1u) << before.out;
  EXPECT_EQ(checks[0]["container"], name);
  EXPECT_EQ(checks[0]["updateAvailable"], false) << before.out;
  EXPECT_EQ(checks[0]["currentDigest"], checks[0]["remoteDigest"]);

  PushNewImageAs(image);
  const CliRun after =
      Run({"--set", "docker.managed_label=" + selector, "docker", "check", "--json"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  checks = json::parse(after.out);
  EXPECT_EQ(checks[0]["updateAvailable"], true) << after.out;
  EXPECT_NE(checks[0]["currentDigest"], checks[0]["remoteDigest"]);
}

// Until docker's update manager is wired into the runner, an applying docker run announces the
// update and says honestly that it could not apply it.
TEST_F(DockerCliTest, ScheduleTriggerDockerAnnouncesWhenCheckingAndUpdatesWhenApplying) {
  const std::string selector = "gdt.check=" + prefix_;
  const auto [name, image] = PushedContainer(selector);
  const CliRun current = Run({"--set", "docker.managed_label=" + selector, "schedule", "trigger",
                              "docker", "--check-only"});
  EXPECT_EQ(current.exit_code, 0) << current.err;
  EXPECT_EQ(current.out, "docker: 1 container(s) up to date\n");

  PushNewImageAs(image);
  const CliRun announced = Run({"--set", "docker.managed_label=" + selector, "schedule", "trigger",
                                "docker", "--check-only"});
  EXPECT_EQ(announced.exit_code, 0) << announced.err;
  EXPECT_EQ(announced.out, "docker: update available for [" + name + "]\n");
  const json rows = json::parse(Run({"notify", "outbox", "--json"}).out);
  ASSERT_EQ(rows.size(), 1u) << rows.dump();
  EXPECT_EQ(rows[0]["event"], "update_available");

  const CliRun applied =
      Run({"--set", "docker.managed_label=" + selector, "schedule", "trigger", "docker"});
  EXPECT_EQ(applied.exit_code, 0) << applied.err << applied.out;
  EXPECT_EQ(applied.out, "docker: updated [" + name + "]\n");
  const CliRun after = Run({"--set", "docker.managed_label=" + selector, "schedule", "trigger",
                            "docker", "--check-only"});
  EXPECT_EQ(after.out, "docker: 1 container(s) up to date\n") << after.err;
  // The update tagged the previous image for rollback: removed with the rest.
  ASSERT_OK_AND_ASSIGN(const std::string tags,
                       docker::testing::DockerCli({"images", "--format", "{{.Repository}}:{{.Tag}}",
                                                   "galaos-rollback/" + name}));
  for (const auto tag : std::views::split(tags, '\n')) {
    if (!tag.empty()) resources_.Image(std::string(tag.begin(), tag.end()));
  }
}

TEST_F(DockerCliTest, CheckOfAContainerWhoseRegistryIsDownFailsWithItsError) {
  const std::string selector = "gdt.check=" + prefix_;
  const std::string image = "127.0.0.1:1/" + prefix_ + "-down:1";
  ASSERT_OK(docker::testing::DockerCli({"tag", image_, image}));
  resources_.Image(image);
  const std::string name = resources_.Container(prefix_ + "-down");
  ASSERT_OK(docker::testing::DockerCli({"create", "--name", name, "--label", selector, image}));
  const CliRun run =
      Run({"--set", "docker.managed_label=" + selector, "docker", "check", "--json"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  json checks = json::parse(run.out);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0]["updateAvailable"], false);
  EXPECT_TRUE(checks[0]["error"].is_string()) << run.out;
  EXPECT_NE(run.err.find("1 of 1 container(s) could not be checked"), std::string::npos) << run.err;
}

TEST_F(DockerCliTest, UpdateComposeTakesTheStacksContainersAndOnlyFilesInsideTheAppRoot) {
  // The fixture's db and web carry the compose labels of project prefix_; the file's directory
  // names that project.
  const std::filesystem::path stack = dir_.path() / prefix_;
  std::filesystem::create_directory(stack);
  std::ofstream(stack / "docker-compose.yml")
      << "services:\n  web:\n    image: " << image_ << "\n    depends_on: [db]\n"
      << "  db:\n    image: " << image_ << "\n";
  const CliRun dry = Run({"docker", "update", "--compose", (stack / "docker-compose.yml").string(),
                          "--dry-run", "--json"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  const json planned = json::parse(dry.out);
  ASSERT_EQ(planned["containers"].size(), 2u) << dry.out;
  EXPECT_EQ(planned["containers"][0]["container"], db_);
  EXPECT_EQ(planned["containers"][1]["container"], web_);
  EXPECT_EQ(planned["containers"][1]["image"], image_);

  const core::TempDir outside = std::move(*core::TempDir::Create("gdt-cli-outside-"));
  std::ofstream(outside.path() / "docker-compose.yml") << "services: {}\n";
  const CliRun refused =
      Run({"docker", "update", "--compose", (outside.path() / "docker-compose.yml").string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("outside the app directory"), std::string::npos) << refused.err;

  const CliRun both = Run({"docker", "update", "--compose", "x.yml", "--container", web_});
  EXPECT_EQ(both.exit_code, 2) << both.err;
}

TEST_F(DockerCliTest, UpdateRecreatesAContainerOnTheImagePushedUnderItsTag) {
  const std::string selector = "gdt.update=" + prefix_;
  const std::string image = std::string(docker::testing::kRegistry) + "/" + prefix_ + "-upd:1";
  ASSERT_OK(docker::testing::DockerCli({"tag", image_, image}));
  resources_.Image(image);
  ASSERT_OK(docker::testing::DockerCli({"push", image}));
  const std::string name = resources_.Container(prefix_ + "-updated");
  resources_.Container(name + "-galaos-old");
  ASSERT_OK(docker::testing::DockerCli(
      {"run", "-d", "--init", "--name", name, "--label", selector, image}));
  ASSERT_OK_AND_ASSIGN(const std::string old_id,
                       docker::testing::DockerCli({"inspect", "-f", "{{.Id}}", name}));
  // A new version in the registry; the engine still tags the old one.
  const std::string next = prefix_ + "-img:v2";
  ASSERT_OK(
      docker::testing::ImportBusyboxImage({.name = next,
                                           .changes = {R"(CMD ["/bin/busybox", "sleep", "600"])"},
                                           .files = {{"/version", "2"}}}));
  ASSERT_OK_AND_ASSIGN(const std::string next_id,
                       docker::testing::DockerCli({"image", "inspect", "-f", "{{.Id}}", next}));
  resources_.Image(next_id.substr(0, next_id.find('\n')));
  resources_.Image(next);
  ASSERT_OK(docker::testing::DockerCli({"tag", next, image}));
  ASSERT_OK(docker::testing::DockerCli({"push", image}));
  ASSERT_OK(docker::testing::DockerCli({"tag", image_, image}));
  const std::vector<std::string> update = {"--set", "docker.managed_label=" + selector, "docker",
                                           "update"};
  const auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = update;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };

  const CliRun dry = Run(with({"--dry-run", "--json"}));
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  json planned = json::parse(dry.out);
  EXPECT_EQ(planned["dryRun"], true);
  ASSERT_EQ(planned["containers"].size(), 1u) << dry.out;
  EXPECT_EQ(planned["containers"][0]["outcome"], "planned");

  // On the default bridge the container cannot be rolled out beside itself: asked for a
  // zero-downtime update, it is recreated in place.
  const CliRun run = Run(with({"--zero-downtime", "--json"}));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  json result = json::parse(run.out);
  EXPECT_EQ(result["updated"], json::array({name})) << run.out;
  EXPECT_EQ(result["state"], "Succeeded");
  EXPECT_EQ(result["containers"][0]["strategy"], "recreate");
  resources_.Image(result["containers"][0]["rollbackTag"]);
  ASSERT_OK_AND_ASSIGN(const std::string new_id,
                       docker::testing::DockerCli({"inspect", "-f", "{{.Id}}", name}));
  EXPECT_NE(new_id, old_id);
  ASSERT_OK_AND_ASSIGN(const std::string running,
                       docker::testing::DockerCli({"inspect", "-f", "{{.Image}}", name}));
  ASSERT_OK_AND_ASSIGN(const std::string pushed,
                       docker::testing::DockerCli({"image", "inspect", "-f", "{{.Id}}", next}));
  EXPECT_EQ(running, pushed);

  const CliRun history = Run({"history", "--json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_NE(history.out.find(result["transactionId"].get<std::string>()), std::string::npos);

  // The only rollback image of this container is its newest: a prune keeps it.
  const CliRun prune = Run({"docker", "prune", "--dry-run", "--json"});
  ASSERT_EQ(prune.exit_code, 0) << prune.err;
  const json pruned = json::parse(prune.out);
  EXPECT_EQ(pruned["dryRun"], true);
  EXPECT_TRUE(pruned["spaceReclaimed"].is_number());
  for (const json& tag : pruned["tags"])
    EXPECT_NE(tag["tag"], result["containers"][0]["rollbackTag"]);
  EXPECT_EQ(Run({"docker", "prune", "--keep", "0"}).exit_code, 2);

  const CliRun unknown = Run(with({"--container", prefix_ + "-nothing"}));
  EXPECT_EQ(unknown.exit_code, 4) << unknown.err;
  const CliRun hostile = Run(with({"--container", "x;reboot"}));
  EXPECT_EQ(hostile.exit_code, 2) << hostile.err;
}

}  // namespace
}  // namespace galaos::cli
