// The real EngineClient against the real engine and registry of scripts/docker-engine.sh.
#include <gtest/gtest.h>

#include "docker/DockerTestSupport.h"
#include "docker/EngineClient.h"
#include "support/Assertions.h"

namespace galaos::docker {
namespace {

using nlohmann::json;
using testing::kRegistry;
using testing::Resources;
using testing::TestEngine;
using testing::UniquePrefix;

TEST(ApiVersion, ComparesNumbersNotText) {
  EXPECT_LT(CompareApiVersions("1.9", "1.41"), 0);
  EXPECT_GT(CompareApiVersions("1.41", "1.25"), 0);
  EXPECT_EQ(CompareApiVersions("1.41", "1.41"), 0);
  EXPECT_LT(CompareApiVersions("1", "1.1"), 0);
}

TEST(EngineClient, NegotiatesTheOlderOfTheEnginesAndOurNewestApiVersion) {
  ASSERT_OK_AND_ASSIGN(auto engine, TestEngine());
  ASSERT_OK_AND_ASSIGN(const EngineVersion version, engine->Version());
  EXPECT_FALSE(version.version.empty());
  const std::string expected = CompareApiVersions(version.api_version, kNewestApiVersion) < 0
                                   ? version.api_version
                                   : std::string(kNewestApiVersion);
  EXPECT_EQ(engine->api_version(), expected);
  ASSERT_OK_AND_ASSIGN(const json info, engine->Info());
  EXPECT_TRUE(info.contains("ServerVersion"));
}

TEST(EngineClient, AnUnreachableEngineIsUnavailableAndNamed) {
  const auto engine = EngineClient::Connect("unix:///nonexistent/docker.sock");
  EXPECT_ERROR_CODE(engine, ErrorCode::kUnavailable);
  if (!engine) {
    EXPECT_NE(engine.error().message().find("unix:///nonexistent/docker.sock"), std::string::npos);
  }
}

TEST(EngineClient, EngineErrorsKeepTheEnginesMessageAndMapTheStatus) {
  ASSERT_OK_AND_ASSIGN(auto engine, TestEngine());
  const std::string missing = UniquePrefix() + "-missing";
  const auto inspected = engine->InspectContainer(missing);
  EXPECT_ERROR_CODE(inspected, ErrorCode::kNotFound);
  if (!inspected) {
    EXPECT_NE(inspected.error().message().find("No such container: " + missing), std::string::npos)
        << inspected.error().message();
  }
  const auto bad_create = engine->CreateContainer(UniquePrefix(), json{{"Image", missing}});
  EXPECT_ERROR_CODE(bad_create, ErrorCode::kNotFound);
}

class EngineWithImage : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = UniquePrefix();
    image_ = resources_.Image(prefix_ + "-img:v1");
    ASSERT_OK(testing::ImportBusyboxImage(
        {.name = image_, .changes = {R"(CMD ["/bin/busybox", "sleep", "600"])"}}));
    ASSERT_OK_AND_ASSIGN(engine_, TestEngine());
  }

  Resources resources_;
  std::string prefix_;
  std::string image_;
  std::unique_ptr<EngineClient> engine_;
};

TEST_F(EngineWithImage, ContainerLifecycleAndNameConflict) {
  const std::string name = resources_.Container(prefix_ + "-life");
  const json body = {{"Image", image_}, {"HostConfig", {{"Init", true}}}};
  ASSERT_OK_AND_ASSIGN(const std::string id, engine_->CreateContainer(name, body));
  EXPECT_ERROR_CODE(engine_->CreateContainer(name, body), ErrorCode::kConflict);

  ASSERT_OK(engine_->StartContainer(id));
  ASSERT_OK(engine_->StartContainer(id));  // already running: still fine
  ASSERT_OK_AND_ASSIGN(json inspected, engine_->InspectContainer(name));
  EXPECT_EQ(inspected["Id"], id);
  EXPECT_TRUE(inspected["State"]["Running"].get<bool>());

  ASSERT_OK_AND_ASSIGN(const auto containers, engine_->ListContainers());
  const auto listed = std::ranges::find(containers, name, &ContainerSummary::name);
  ASSERT_NE(listed, containers.end());
  EXPECT_EQ(listed->id, id);
  EXPECT_EQ(listed->state, "running");

  const std::string renamed = resources_.Container(prefix_ + "-renamed");
  ASSERT_OK(engine_->RenameContainer(id, renamed));
  EXPECT_ERROR_CODE(engine_->InspectContainer(name), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(engine_->RemoveContainer(id, /*force=*/false), ErrorCode::kConflict);
  ASSERT_OK(engine_->StopContainer(id, std::chrono::seconds(5)));
  ASSERT_OK(engine_->StopContainer(id, std::chrono::seconds(5)));  // already stopped
  ASSERT_OK(engine_->RemoveContainer(id, /*force=*/false));
  EXPECT_ERROR_CODE(engine_->InspectContainer(id), ErrorCode::kNotFound);
}

TEST_F(EngineWithImage, PullStreamsProgressLinesFromTheRegistry) {
  const std::string remote = std::string(kRegistry) + "/" + prefix_ + "-pull:v1";
  resources_.Image(remote);
  ASSERT_OK(testing::DockerCli({"tag", image_, remote}));
  ASSERT_OK(testing::DockerCli({"push", remote}));
  ASSERT_OK(testing::DockerCli({"rmi", remote}));

  std::vector<std::string> statuses;
  ASSERT_OK(engine_->PullImage(remote, "", [&](const json& line) {
    statuses.push_back(line.value("status", ""));
    return true;
  }));
  ASSERT_FALSE(statuses.empty());
  EXPECT_NE(statuses.back().find("Downloaded newer image"), std::string::npos) << statuses.back();
  ASSERT_OK_AND_ASSIGN(const json image, engine_->InspectImage(remote));
  EXPECT_FALSE(image["RepoDigests"].empty());

  // A callback that stops reading ends the pull early without an error.
  int seen = 0;
  ASSERT_OK(engine_->PullImage(remote, "", [&](const json&) { return ++seen < 1; }));
  EXPECT_EQ(seen, 1);
}

TEST_F(EngineWithImage, APullOfAMissingImageFailsWithTheRegistrysMessage) {
  const std::string missing = std::string(kRegistry) + "/" + prefix_ + "-absent:v9";
  const auto pulled = engine_->PullImage(missing, "", nullptr);
  ASSERT_FALSE(pulled);
  EXPECT_NE(pulled.error().message().find(prefix_ + "-absent"), std::string::npos)
      << pulled.error().message();
}

TEST_F(EngineWithImage, EventsAreReplayedFromSinceAndEndAtUntil) {
  const std::string name = resources_.Container(prefix_ + "-events");
  const auto since = std::chrono::system_clock::now() - std::chrono::seconds(1);
  ASSERT_OK_AND_ASSIGN(
      const std::string id,
      engine_->CreateContainer(
          name, json{{"Image", image_}, {"Cmd", {"/bin/busybox", "sh", "-c", "exit 3"}}}));
  ASSERT_OK(engine_->StartContainer(id));
  std::vector<ContainerEvent> events;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_OK(engine_->WatchContainerEvents(
      id, since, std::chrono::system_clock::now() + std::chrono::seconds(3),
      [&](const ContainerEvent& event) {
        events.push_back(event);
        return event.action != "die";
      }));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().action, "create");
  EXPECT_EQ(events.back().action, "die");
  EXPECT_EQ(events.back().attributes.at("exitCode"), "3");
  EXPECT_EQ(events.back().id, id);

  // Nothing more happens to it: the watch returns at `until`.
  const auto quiet_start = std::chrono::steady_clock::now();
  int later = 0;
  ASSERT_OK(engine_->WatchContainerEvents(
      id, std::chrono::system_clock::now(),
      std::chrono::system_clock::now() + std::chrono::milliseconds(800),
      [&](const ContainerEvent&) { return ++later > 0; }));
  EXPECT_EQ(later, 0);
  EXPECT_GE(std::chrono::steady_clock::now() - quiet_start, std::chrono::milliseconds(700));
}

}  // namespace
}  // namespace galaos::docker
