#include <gtest/gtest.h>

#include "docker/ContainerSpec.h"
#include "docker/FakeEngine.h"
#include "docker/Recreate.h"
#include "support/Assertions.h"

namespace galaos::docker {
namespace {

using nlohmann::json;

const std::string kId = "0123456789ab" + std::string(52, 'f');

json Inspect() {
  return {
      {"Id", kId},
      {"Image", "sha256:old"},
      {"Config",
       {{"Hostname", kId.substr(0, 12)},
        {"Image", "app:1"},
        {"Env", {"PATH=/usr/bin", "MODE=prod"}},
        {"Cmd", {"serve"}},
        {"Entrypoint", nullptr},
        {"WorkingDir", "/app"},
        {"Labels", {{"from.image", "x"}, {"mine", "y"}}},
        {"ExposedPorts", {{"80/tcp", json::object()}, {"9000/tcp", json::object()}}}}},
      {"HostConfig", {{"NetworkMode", "front"}, {"Binds", {"data:/data"}}}},
      {"Mounts",
       {{{"Type", "volume"}, {"Name", "data"}, {"Destination", "/data"}, {"RW", true}},
        {{"Type", "volume"}, {"Name", "anon123"}, {"Destination", "/cache"}, {"RW", true}}}},
      {"NetworkSettings",
       {{"Networks",
         {{"front",
           {{"Aliases", {"web", kId.substr(0, 12)}},
            {"IPAMConfig", {{"IPv4Address", "10.9.0.5"}}},
            {"IPAddress", "10.9.0.5"}}},
          {"back", {{"Aliases", {"api"}}, {"IPAMConfig", nullptr}}}}}}},
  };
}

json OldImage() {
  return {{"Config",
           {{"Env", {"PATH=/usr/bin"}},
            {"Cmd", {"serve"}},
            {"WorkingDir", "/app"},
            {"Labels", {{"from.image", "x"}}},
            {"ExposedPorts", {{"80/tcp", json::object()}}}}}};
}

TEST(SpecFromInspect, KeepsWhatWasConfiguredAndLeavesImageDefaultsToTheNewImage) {
  ASSERT_OK_AND_ASSIGN(ContainerSpec spec, SpecFromInspect(Inspect(), OldImage(), "app:2"));
  json body = spec.create_body;  // a copy: a missing key reads as null, not an assertion
  EXPECT_EQ(body["Image"], "app:2");
  EXPECT_FALSE(body.contains("Hostname"));  // derived from the old id
  EXPECT_EQ(body["Env"], json({"MODE=prod"}));
  EXPECT_EQ(body["Labels"], json({{"mine", "y"}}));
  EXPECT_EQ(body["ExposedPorts"], json({{"9000/tcp", json::object()}}));
  EXPECT_FALSE(body.contains("Cmd"));
  EXPECT_FALSE(body.contains("WorkingDir"));
  EXPECT_EQ(body["HostConfig"]["NetworkMode"], "front");
  EXPECT_EQ(body["HostConfig"]["Binds"], json({"data:/data"}));
  // The anonymous volume comes along; the named one is already a bind.
  EXPECT_EQ(
      body["HostConfig"]["Mounts"],
      json::parse(R"([{"Type":"volume","Source":"anon123","Target":"/cache","ReadOnly":false}])"));
  EXPECT_EQ(body["NetworkingConfig"]["EndpointsConfig"]["front"],
            json::parse(R"({"Aliases":["web"],"IPAMConfig":{"IPv4Address":"10.9.0.5"}})"));
  ASSERT_EQ(spec.extra_networks.size(), 1u);
  EXPECT_EQ(spec.extra_networks[0].network, "back");
  EXPECT_EQ(spec.extra_networks[0].endpoint, json::parse(R"({"Aliases":["api"]})"));
}

TEST(SpecFromInspect, AnExplicitEntrypointKeepsItsCmd) {
  json inspect = Inspect();
  inspect["Config"]["Entrypoint"] = {"/bin/tini", "--"};
  ASSERT_OK_AND_ASSIGN(ContainerSpec spec, SpecFromInspect(inspect, OldImage(), "app:2"));
  EXPECT_EQ(spec.create_body["Entrypoint"], json({"/bin/tini", "--"}));
  EXPECT_EQ(spec.create_body["Cmd"], json({"serve"}));
}

TEST(SpecFromInspect, ASharedNetworkStackHasNoNetworksOfItsOwn) {
  json inspect = Inspect();
  inspect["HostConfig"]["NetworkMode"] = "container:" + kId;
  inspect["Config"]["Hostname"] = "owner-host";  // the other container's
  inspect["Config"]["Domainname"] = "example.org";
  ASSERT_OK_AND_ASSIGN(ContainerSpec spec, SpecFromInspect(inspect, OldImage(), "app:2"));
  EXPECT_EQ(spec.create_body["HostConfig"]["NetworkMode"], "container:" + kId);
  EXPECT_FALSE(spec.create_body.contains("Hostname"));
  EXPECT_FALSE(spec.create_body.contains("Domainname"));
  EXPECT_FALSE(spec.create_body.contains("NetworkingConfig"));
  EXPECT_TRUE(spec.extra_networks.empty());
}

TEST(SpecFromInspect, AnInspectWithoutConfigIsCorrupt) {
  EXPECT_ERROR_CODE(SpecFromInspect(json{{"Id", kId}}, OldImage(), "x"), ErrorCode::kCorrupt);
}

TEST(ContainerName, ShellMetacharactersAndInvalidDockerNamesAreRejectedBeforeAnyEngineCall) {
  testing::FakeEngine engine;  // every call it did not set up fails with "not faked"
  for (const char* name : {"web;rm -rf /", "$(reboot)", "`id`", "a b", "web|cat", "web&", "-rm",
                           "../etc", "a/b", "x", "", "_x", ".x", "name\n", "web>out", "é"}) {
    EXPECT_ERROR_CODE(PlanRecreate(engine, name, "img:2"), ErrorCode::kInvalidArgument);
    EXPECT_ERROR_CODE(RestoreOld(engine, name, "ok-name", true, nullptr),
                      ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(engine.calls.empty());
  EXPECT_ERROR_CODE(ValidateContainerName(std::string(201, 'a')), ErrorCode::kInvalidArgument);
  for (const char* name : {"web", "my_app.web-1", "A9"}) {
    EXPECT_TRUE(ValidateContainerName(name).has_value()) << name;
  }
}

TEST(RecreatePlan, RoundTripsThroughItsJournalJson) {
  RecreatePlan plan{.name = "web",
                    .recovery_name = RecoveryName("web"),
                    .old_id = kId,
                    .old_was_running = true,
                    .image = "app:2",
                    .new_id = "abc",
                    .state = RecreateState::kNewStarted};
  ASSERT_OK_AND_ASSIGN(plan.spec, SpecFromInspect(Inspect(), OldImage(), "app:2"));
  ASSERT_OK_AND_ASSIGN(const RecreatePlan loaded, RecreatePlanFromJson(ToJson(plan)));
  EXPECT_EQ(loaded, plan);
  json bad = ToJson(plan);
  bad["state"] = "halfway";
  EXPECT_ERROR_CODE(RecreatePlanFromJson(bad), ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace galaos::docker
