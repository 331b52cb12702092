#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "docker/DockerTestSupport.h"
#include "docker/FakeEngine.h"
#include "docker/ManagedContainers.h"
#include "support/Assertions.h"

namespace galaos::docker {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using testing::FakeEngine;
using testing::Resources;
using testing::TestEngine;
using testing::UniquePrefix;

ContainerSummary Container(std::string name, std::map<std::string, std::string> labels = {},
                           std::string network_mode = "bridge") {
  ContainerSummary summary;
  summary.id = "id-" + name + std::string(64, '0');
  summary.name = std::move(name);
  summary.labels = std::move(labels);
  summary.network_mode = std::move(network_mode);
  return summary;
}

std::vector<std::string> Names(const std::vector<ContainerSummary>& containers) {
  std::vector<std::string> names;
  for (const auto& c : containers) names.push_back(c.name);
  return names;
}

ContainerSummary ComposeService(std::string project, std::string service,
                                std::string depends_on = {}) {
  std::map<std::string, std::string> labels = {{std::string(kComposeProjectLabel), project},
                                               {std::string(kComposeServiceLabel), service}};
  if (!depends_on.empty()) labels[std::string(kComposeDependsOnLabel)] = depends_on;
  return Container(project + "-" + service + "-1", std::move(labels));
}

TEST(SelectManaged, LabelProjectAndConfiguredNamesSelectTheExcludeLabelRemoves) {
  config::DockerConfig config;
  config.compose_project = "shop";
  config.containers = {"by-name"};
  config.monitor_only = {"watched"};
  const std::vector<ContainerSummary> containers = {
      Container("labelled", {{"com.galaos.managed", "true"}}),
      Container("labelled-false", {{"com.galaos.managed", "false"}}),
      Container("excluded", {{"com.galaos.managed", "true"}, {"com.galaos.exclude", "true"}}),
      Container("project", {{"com.docker.compose.project", "shop"}}),
      Container("other-project", {{"com.docker.compose.project", "blog"}}),
      Container("by-name"),
      Container("watched"),
      Container("unrelated"),
  };
  const auto managed = SelectManaged(containers, config);
  std::vector<std::string> names;
  for (const auto& m : managed) names.push_back(m.container.name + (m.monitor_only ? "*" : ""));
  EXPECT_THAT(names, ElementsAre("labelled", "project", "by-name", "watched*"));
}

TEST(SelectManaged, TheProjectsOfConfiguredComposeFilesSelectTheirContainers) {
  config::DockerConfig config;
  const std::vector<std::string> projects = {"shop", "blog"};
  const std::vector<ContainerSummary> containers = {
      Container("shop-web-1", {{"com.docker.compose.project", "shop"}}),
      Container("blog-db-1",
                {{"com.docker.compose.project", "blog"}, {"com.galaos.exclude", "true"}}),
      Container("wiki-web-1", {{"com.docker.compose.project", "wiki"}}),
      Container("no-project"),
  };
  std::vector<std::string> names;
  for (const auto& m : SelectManaged(containers, config, projects)) {
    names.push_back(m.container.name);
  }
  EXPECT_THAT(names, ElementsAre("shop-web-1"));
  EXPECT_TRUE(SelectManaged(containers, config).empty());
}

TEST(SelectManaged, AKeyOnlyLabelSelectsAnyValue) {
  config::DockerConfig config;
  config.managed_label = "galaos";
  config.exclude_label = "";
  const std::vector<ContainerSummary> containers = {Container("a", {{"galaos", "anything"}}),
                                                    Container("b", {{"galaosx", "1"}})};
  const auto managed = SelectManaged(containers, config);
  ASSERT_EQ(managed.size(), 1u);
  EXPECT_EQ(managed[0].container.name, "a");
}

TEST(DependencyOrder, ComposeDependsOnPutsDependenciesFirst) {
  const std::vector<ContainerSummary> containers = {
      ComposeService("shop", "web", "api:service_started:false"),
      ComposeService("shop", "api", "db:service_healthy:true,cache:service_started"),
      ComposeService("shop", "db"),
      ComposeService("shop", "cache"),
      ComposeService("blog", "db"),  // same service name, other project: unrelated
  };
  ASSERT_OK_AND_ASSIGN(const auto ordered, DependencyOrder(containers));
  EXPECT_THAT(Names(ordered),
              ElementsAre("shop-db-1", "shop-cache-1", "shop-api-1", "shop-web-1", "blog-db-1"));
}

TEST(DependencyOrder, ContainerNetworkModeDependsOnThatContainerByNameOrId) {
  const ContainerSummary vpn = Container("vpn");
  const std::vector<ContainerSummary> containers = {
      Container("by-id", {}, "container:" + vpn.id.substr(0, 12)),
      Container("by-name", {}, "container:vpn"), vpn,
      Container("outside", {}, "container:not-listed"),  // not ours to order: ignored
  };
  ASSERT_OK_AND_ASSIGN(const auto ordered, DependencyOrder(containers));
  EXPECT_THAT(Names(ordered), ElementsAre("vpn", "by-id", "by-name", "outside"));
}

TEST(DependencyOrder, ACycleIsAnErrorNamingItsMembers) {
  const std::vector<ContainerSummary> containers = {
      ComposeService("p", "a", "b:service_started"),
      ComposeService("p", "b", "a:service_started"),
      ComposeService("p", "free"),
  };
  const auto ordered = DependencyOrder(containers);
  EXPECT_ERROR_CODE(ordered, ErrorCode::kInvalidArgument);
  if (!ordered) {
    EXPECT_EQ(ordered.error().message(),
              "containers depend on each other in a cycle: p-a-1, p-b-1");
  }
}

TEST(RestartInDependencyOrder, RestartsDependenciesFirstAndStopsAtAFailure) {
  FakeEngine engine;
  const std::vector<ContainerSummary> containers = {ComposeService("p", "web", "db:x"),
                                                    ComposeService("p", "db")};
  ASSERT_OK_AND_ASSIGN(const auto restarted,
                       RestartInDependencyOrder(engine, containers, std::chrono::seconds(1)));
  EXPECT_THAT(restarted, ElementsAre("p-db-1", "p-web-1"));
  EXPECT_THAT(engine.calls,
              ElementsAre("restart " + containers[1].id, "restart " + containers[0].id));

  engine.calls.clear();
  engine.fail_on = containers[1].id;
  const auto failed = RestartInDependencyOrder(engine, containers, std::chrono::seconds(1));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message(), "restart p-db-1: restart refused");
  EXPECT_TRUE(engine.calls.empty());  // web was not restarted before its database
}

// Against the real engine.
class ManagedOnEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = UniquePrefix();
    image_ = resources_.Image(prefix_ + "-img:v1");
    ASSERT_OK(testing::ImportBusyboxImage(
        {.name = image_, .changes = {R"(CMD ["/bin/busybox", "sleep", "600"])"}}));
    ASSERT_OK_AND_ASSIGN(engine_, TestEngine());
  }

  std::string Create(const std::string& suffix, json labels, std::string network_mode = {}) {
    const std::string name = resources_.Container(prefix_ + suffix);
    json body = {{"Image", image_}, {"Labels", labels}, {"HostConfig", {{"Init", true}}}};
    if (!network_mode.empty()) body["HostConfig"]["NetworkMode"] = network_mode;
    auto id = engine_->CreateContainer(name, body);
    EXPECT_TRUE(id) << id.error().message();
    return name;
  }

  Resources resources_;
  std::string prefix_;
  std::string image_;
  std::unique_ptr<EngineClient> engine_;
};

TEST_F(ManagedOnEngine, ListsTheContainersTheConfigSelects) {
  Create("-labelled", {{"com.galaos.managed", "true"}});
  Create("-excluded", {{"com.galaos.managed", "true"}, {"com.galaos.exclude", "true"}});
  Create("-project", {{"com.docker.compose.project", prefix_}});
  Create("-named", json::object());
  Create("-unrelated", json::object());
  config::DockerConfig config;
  config.compose_project = prefix_;
  config.containers = {prefix_ + "-named"};
  ASSERT_OK_AND_ASSIGN(const auto managed, ListManaged(*engine_, config));
  std::set<std::string> ours;  // other users of this engine may manage containers too
  for (const auto& m : managed) {
    if (m.container.name.starts_with(prefix_ + "-")) ours.insert(m.container.name);
  }
  EXPECT_EQ(ours, (std::set<std::string>{prefix_ + "-labelled", prefix_ + "-project",
                                         prefix_ + "-named"}));
}

TEST_F(ManagedOnEngine, EngineInfoSummarisesVersionAndInfo) {
  ASSERT_OK_AND_ASSIGN(const EngineInfo info, GetEngineInfo(*engine_));
  EXPECT_FALSE(info.server_version.empty());
  EXPECT_FALSE(info.api_version.empty());
  EXPECT_GT(info.cpus, 0);
  EXPECT_GT(info.memory_bytes, 0);
  EXPECT_GE(info.images, 1);
  EXPECT_EQ(ToJson(info)["serverVersion"], info.server_version);
}

TEST_F(ManagedOnEngine, RestartsASharedNetworkNamespaceOwnerFirst) {
  const std::string owner = Create("-owner", json::object());
  const std::string sidecar = Create("-sidecar", json::object(), "container:" + owner);
  ASSERT_OK(engine_->StartContainer(owner));
  ASSERT_OK(engine_->StartContainer(sidecar));
  ASSERT_OK_AND_ASSIGN(auto all, engine_->ListContainers());
  std::vector<ContainerSummary> ours;
  for (const auto& c : all) {
    if (c.name == sidecar || c.name == owner) ours.push_back(c);
  }
  ASSERT_EQ(ours.size(), 2u);
  ASSERT_OK_AND_ASSIGN(const auto restarted,
                       RestartInDependencyOrder(*engine_, ours, std::chrono::seconds(2)));
  EXPECT_THAT(restarted, ElementsAre(owner, sidecar));
  ASSERT_OK_AND_ASSIGN(const json owner_state, engine_->InspectContainer(owner));
  ASSERT_OK_AND_ASSIGN(const json sidecar_state, engine_->InspectContainer(sidecar));
  EXPECT_TRUE(owner_state["State"]["Running"].get<bool>());
  EXPECT_TRUE(sidecar_state["State"]["Running"].get<bool>());
  EXPECT_LE(owner_state["State"]["StartedAt"].get<std::string>(),
            sidecar_state["State"]["StartedAt"].get<std::string>());
}

}  // namespace
}  // namespace galaos::docker
