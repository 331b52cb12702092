// Safe recreation against the real engine: the proof that the configuration survives, and
// that a failing new image or a crash leaves the old container running under its name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "core/TempDir.h"
#include "docker/DockerTestSupport.h"
#include "docker/Recreate.h"
#include "support/Assertions.h"
#include "support/TestServices.h"

namespace galaos::docker {
namespace {

using nlohmann::json;
using testing::ComparableInspect;
using testing::DockerCli;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Resources;
using testing::TestEngine;
using testing::UniquePrefix;

const std::vector<std::string> kSleepCmd = {R"(CMD ["/bin/busybox", "sleep", "600"])"};

class RecreateOnEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = UniquePrefix();
    ASSERT_OK_AND_ASSIGN(engine_, TestEngine());
  }

  std::string Image(const std::string& tag, std::vector<std::string> changes,
                    std::vector<std::pair<std::string, std::string>> files = {}) {
    const std::string name = resources_.Image(prefix_ + "-img:" + tag);
    const Status imported = testing::ImportBusyboxImage(
        {.name = name, .changes = std::move(changes), .files = std::move(files)});
    EXPECT_TRUE(imported) << imported.error().message();
    return name;
  }

  // A container with everything a recreate could lose: env, entrypoint, cmd, workdir, user,
  // labels, healthcheck, stop signal and timeout, a read-only bind and a named volume, a port
  // published on 127.0.0.1, a restart policy, a memory limit, init, two user networks with
  // aliases, one static address. Runs v1 and is healthy.
  std::string CreateRichContainer(const std::string& image) {
    static int subnet = 0;
    const std::string net_prefix = "10.213." + std::to_string((::getpid() + ++subnet) % 250);
    const std::string net_a = resources_.Network(prefix_ + "-net-a");
    const std::string net_b = resources_.Network(prefix_ + "-net-b");
    const std::string volume = resources_.Volume(prefix_ + "-vol");
    EXPECT_TRUE(DockerCli({"network", "create", "--subnet", net_prefix + ".0/24", net_a}));
    EXPECT_TRUE(DockerCli({"network", "create", net_b}));
    EXPECT_TRUE(DockerCli({"volume", "create", volume}));
    auto bind_dir = core::TempDir::Create("gdt-bind-");
    EXPECT_TRUE(bind_dir);
    bind_dir_ = std::move(*bind_dir);
    port_ = galaos::testing::FreePort();

    const std::string name = resources_.Container(prefix_ + "-web");
    const json body = {
        {"Image", image},
        {"Entrypoint", {"/bin/busybox"}},
        {"Cmd", {"httpd", "-f", "-p", "8080", "-h", "/www"}},
        {"Env", {"GREETING=hello world", "MODE=test"}},
        {"WorkingDir", "/www"},
        {"User", "1000:1000"},
        {"Labels", {{"com.example.role", "web"}, {"com.galaos.managed", "true"}}},
        {"Healthcheck", testing::HttpdHealthcheck()},
        {"ExposedPorts", {{"8080/tcp", json::object()}}},
        {"StopSignal", "SIGINT"},
        {"StopTimeout", 5},
        {"HostConfig",
         {{"Binds", {bind_dir_->path().string() + ":/config:ro", volume + ":/cache"}},
          {"PortBindings",
           {{"8080/tcp", {{{"HostIp", "127.0.0.1"}, {"HostPort", std::to_string(port_)}}}}}},
          {"RestartPolicy", {{"Name", "on-failure"}, {"MaximumRetryCount", 2}}},
          {"Memory", 64 << 20},
          {"Init", true},
          {"NetworkMode", net_a}}},
        {"NetworkingConfig",
         {{"EndpointsConfig",
           {{net_a,
             {{"Aliases", {"web-a1", "web-a2"}},
              {"IPAMConfig", {{"IPv4Address", net_prefix + ".10"}}}}}}}}},
    };
    auto id = engine_->CreateContainer(name, body);
    EXPECT_TRUE(id) << id.error().message();
    EXPECT_TRUE(engine_->ConnectNetwork(net_b, *id, {{"Aliases", {"web-b"}}}));
    EXPECT_TRUE(engine_->StartContainer(*id));
    const Status healthy = WaitHealthy(*engine_, *id, std::chrono::seconds(30), {});
    EXPECT_TRUE(healthy) << healthy.error().message();
    return name;
  }

  std::string CreateSimpleContainer(const std::string& image) {
    const std::string name = resources_.Container(prefix_ + "-simple");
    auto id = engine_->CreateContainer(
        name, {{"Image", image},
               {"HostConfig", {{"Init", true}, {"RestartPolicy", {{"Name", "always"}}}}}});
    EXPECT_TRUE(id) << id.error().message();
    EXPECT_TRUE(engine_->StartContainer(name));
    return name;
  }

  // Recreates, recording every journaled state.
  Status Recreate(const std::string& name, const std::string& image,
                  std::vector<std::string>& journal) {
    resources_.Container(RecoveryName(name));
    RecreatePlan plan = TRY(PlanRecreate(*engine_, name, image));
    journal.emplace_back(RecreateStateName(plan.state));
    const RecreateOptions options{.healthy_timeout = std::chrono::seconds(30),
                                  .stable_period = std::chrono::seconds(2)};
    TRY(RunRecreate(*engine_, plan, options, [&](const RecreatePlan& step) -> Status {
      journal.emplace_back(RecreateStateName(step.state));
      return {};
    }));
    TRY(RemoveOld(*engine_, plan));
    journal.emplace_back(RecreateStateName(plan.state));
    return {};
  }

  Resources resources_;
  std::string prefix_;
  std::unique_ptr<EngineClient> engine_;
  std::optional<core::TempDir> bind_dir_;
  int port_ = 0;
};

TEST_F(RecreateOnEngine, RecreateKeepsTheWholeConfigurationOnTheNewImage) {
  const std::string v1 = Image("v1", kSleepCmd, {{"/www/index.html", "v1\n"}});
  const std::string v2 = Image("v2", kSleepCmd, {{"/www/index.html", "v2\n"}});
  const std::string name = CreateRichContainer(v1);
  ASSERT_OK_AND_ASSIGN(const json before, engine_->InspectContainer(name));

  std::vector<std::string> journal;
  ASSERT_OK(Recreate(name, v2, journal));
  EXPECT_THAT(journal, ElementsAre("planned", "old_renamed", "old_stopped", "new_created",
                                   "new_started", "new_healthy", "old_removed"));

  ASSERT_OK_AND_ASSIGN(const json after, engine_->InspectContainer(name));
  EXPECT_NE(after["Id"], before["Id"]);
  EXPECT_NE(after["Image"], before["Image"]);
  EXPECT_EQ(after["Config"]["Image"], v2);
  EXPECT_EQ(after["State"]["Health"]["Status"], "healthy");
  const json expected = ComparableInspect(before);
  const json actual = ComparableInspect(after);
  EXPECT_EQ(actual, expected) << "differences: " << json::diff(expected, actual).dump(1);
  EXPECT_EQ(after["NetworkSettings"]["Networks"].size(), 2u);
  EXPECT_ERROR_CODE(engine_->InspectContainer(before["Id"].get<std::string>()),
                    ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(engine_->InspectContainer(RecoveryName(name)), ErrorCode::kNotFound);
}

TEST_F(RecreateOnEngine, AnUnhealthyNewImageBringsTheOldContainerBackUnchanged) {
  const std::string v1 = Image("v1", kSleepCmd, {{"/www/index.html", "v1\n"}});
  const std::string broken = Image("broken", kSleepCmd);  // no index.html: the check gets 404
  const std::string name = CreateRichContainer(v1);
  ASSERT_OK_AND_ASSIGN(const json before, engine_->InspectContainer(name));

  std::vector<std::string> journal;
  const Status recreated = Recreate(name, broken, journal);
  ASSERT_FALSE(recreated);
  EXPECT_THAT(recreated.error().message(), HasSubstr("not healthy"));
  EXPECT_THAT(recreated.error().message(), HasSubstr("404"));
  EXPECT_THAT(recreated.error().message(), HasSubstr("the old container is back"));
  EXPECT_THAT(journal, ElementsAre("planned", "old_renamed", "old_stopped", "new_created",
                                   "new_started", "rolled_back"));

  ASSERT_OK_AND_ASSIGN(const json after, engine_->InspectContainer(name));
  EXPECT_EQ(after["Id"], before["Id"]);
  EXPECT_TRUE(after["State"]["Running"].get<bool>());
  EXPECT_EQ(ComparableInspect(after), ComparableInspect(before));
  EXPECT_ERROR_CODE(engine_->InspectContainer(RecoveryName(name)), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(const auto containers, engine_->ListContainers());
  for (const auto& c : containers) {
    if (c.name.starts_with(prefix_)) {
      EXPECT_EQ(c.name, name);  // the new one is gone
    }
  }
  // Back on its static address and published port, it becomes healthy again.
  ASSERT_OK(WaitHealthy(*engine_, name, std::chrono::seconds(30), {}));
}

TEST_F(RecreateOnEngine, WithoutAHealthcheckANewContainerThatExitsIsReportedWithItsExitCode) {
  const std::string sleeper = Image("sleeper", kSleepCmd);
  const std::string crasher = Image("crasher", {R"(CMD ["/bin/busybox", "sh", "-c", "exit 3"])"});
  const std::string name = CreateSimpleContainer(sleeper);
  ASSERT_OK_AND_ASSIGN(const json before, engine_->InspectContainer(name));

  std::vector<std::string> journal;
  const Status recreated = Recreate(name, crasher, journal);
  ASSERT_FALSE(recreated);
  EXPECT_THAT(recreated.error().message(), HasSubstr("exited with code 3"));
  ASSERT_OK_AND_ASSIGN(const json after, engine_->InspectContainer(name));
  EXPECT_EQ(after["Id"], before["Id"]);
  EXPECT_TRUE(after["State"]["Running"].get<bool>());

  // The image's CMD was a default, not configuration: the sleeper image's own CMD runs again
  // after a successful recreate onto a second sleeper image.
  const std::string sleeper2 = Image("sleeper2", kSleepCmd);
  journal.clear();
  ASSERT_OK(Recreate(name, sleeper2, journal));
  ASSERT_OK_AND_ASSIGN(const json updated, engine_->InspectContainer(name));
  EXPECT_EQ(updated["Config"]["Image"], sleeper2);
  EXPECT_TRUE(updated["State"]["Running"].get<bool>());
}

TEST_F(RecreateOnEngine, ASidecarKeepsSharingItsOwnersNetworkStack) {
  const std::string sleeper = Image("sleeper", kSleepCmd);
  const std::string sleeper2 = Image("sleeper2", kSleepCmd);
  const std::string owner = CreateSimpleContainer(sleeper);
  const std::string sidecar = resources_.Container(prefix_ + "-sidecar");
  ASSERT_OK(engine_->CreateContainer(
      sidecar, {{"Image", sleeper},
                {"HostConfig", {{"Init", true}, {"NetworkMode", "container:" + owner}}}}));
  ASSERT_OK(engine_->StartContainer(sidecar));
  ASSERT_OK_AND_ASSIGN(const json before, engine_->InspectContainer(sidecar));

  std::vector<std::string> journal;
  ASSERT_OK(Recreate(sidecar, sleeper2, journal));
  ASSERT_OK_AND_ASSIGN(const json after, engine_->InspectContainer(sidecar));
  EXPECT_NE(after["Id"], before["Id"]);
  EXPECT_TRUE(after["State"]["Running"].get<bool>());
  EXPECT_EQ(after["HostConfig"]["NetworkMode"], before["HostConfig"]["NetworkMode"]);
  EXPECT_EQ(ComparableInspect(after), ComparableInspect(before));
}

TEST_F(RecreateOnEngine, AnAnonymousVolumeMovesToTheNewContainerWithItsData) {
  // VOLUME in both images: without care the new container would get a fresh, empty volume.
  const std::vector<std::string> changes = {"VOLUME /state", kSleepCmd.front()};
  const std::string v1 = Image("vol1", changes);
  const std::string v2 = Image("vol2", changes);
  const std::string name = resources_.Container(prefix_ + "-stateful");
  ASSERT_OK(DockerCli({"run", "-d", "--init", "--name", name, v1}));
  ASSERT_OK(DockerCli({"exec", name, "/bin/busybox", "sh", "-c", "echo kept > /state/data"}));
  ASSERT_OK_AND_ASSIGN(const json before, engine_->InspectContainer(name));
  ASSERT_EQ(before["Mounts"].size(), 1u);
  const std::string volume = before["Mounts"][0]["Name"];
  resources_.Volume(volume);

  std::vector<std::string> journal;
  ASSERT_OK(Recreate(name, v2, journal));
  ASSERT_OK_AND_ASSIGN(const json after, engine_->InspectContainer(name));
  ASSERT_EQ(after["Mounts"].size(), 1u) << after["Mounts"].dump();
  EXPECT_EQ(after["Mounts"][0]["Name"], volume);
  EXPECT_EQ(after["Mounts"][0]["Destination"], "/state");
  ASSERT_OK_AND_ASSIGN(const std::string data,
                       DockerCli({"exec", name, "/bin/busybox", "cat", "/state/data"}));
  EXPECT_EQ(data, "kept\n");
}

TEST_F(RecreateOnEngine, AfterACrashMidRecreateTheOldContainerIsRestoredFromItsNamesAlone) {
  const std::string sleeper = Image("sleeper", kSleepCmd);
  const std::string sleeper2 = Image("sleeper2", kSleepCmd);
  const std::string name = CreateSimpleContainer(sleeper);
  resources_.Container(RecoveryName(name));
  ASSERT_OK_AND_ASSIGN(const json before, engine_->InspectContainer(name));
  json journal;
  {
    ASSERT_OK_AND_ASSIGN(RecreatePlan plan, PlanRecreate(*engine_, name, sleeper2));
    const RecreateOptions options;
    while (plan.state != RecreateState::kNewStarted) {
      ASSERT_OK(AdvanceRecreate(*engine_, plan, options));
      journal = ToJson(plan);
    }
    // The process dies here: the new container runs under the name, the old one is stopped.
  }
  ASSERT_OK_AND_ASSIGN(const json interrupted, engine_->InspectContainer(name));
  ASSERT_NE(interrupted["Id"], before["Id"]);
  ASSERT_OK_AND_ASSIGN(const json waiting, engine_->InspectContainer(RecoveryName(name)));
  EXPECT_EQ(waiting["HostConfig"]["RestartPolicy"]["Name"], "no");  // stays down on restarts

  // The journal holds the plan; its restart policy is the only thing RestoreOld needs besides
  // the names.
  ASSERT_OK_AND_ASSIGN(const RecreatePlan journaled, RecreatePlanFromJson(journal));
  const json policy = journaled.spec.create_body["HostConfig"]["RestartPolicy"];
  ASSERT_OK(RestoreOld(*engine_, name, RecoveryName(name), /*start=*/true, policy));
  ASSERT_OK(RestoreOld(*engine_, name, RecoveryName(name), /*start=*/true, policy));  // again
  ASSERT_OK_AND_ASSIGN(const json after, engine_->InspectContainer(name));
  EXPECT_EQ(after["Id"], before["Id"]);
  EXPECT_TRUE(after["State"]["Running"].get<bool>());
  EXPECT_EQ(after["HostConfig"]["RestartPolicy"], before["HostConfig"]["RestartPolicy"]);
  EXPECT_ERROR_CODE(engine_->InspectContainer(interrupted["Id"].get<std::string>()),
                    ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(engine_->InspectContainer(RecoveryName(name)), ErrorCode::kNotFound);
}

TEST_F(RecreateOnEngine, PlanningRefusesAMissingImageAndALeftoverRecoveryContainer) {
  const std::string sleeper = Image("sleeper", kSleepCmd);
  const std::string name = CreateSimpleContainer(sleeper);
  EXPECT_ERROR_CODE(PlanRecreate(*engine_, name, prefix_ + "-img:never-pulled"),
                    ErrorCode::kNotFound);
  resources_.Container(RecoveryName(name));
  ASSERT_OK(engine_->CreateContainer(RecoveryName(name), {{"Image", sleeper}}));
  EXPECT_ERROR_CODE(PlanRecreate(*engine_, name, sleeper), ErrorCode::kConflict);
}

}  // namespace
}  // namespace galaos::docker
