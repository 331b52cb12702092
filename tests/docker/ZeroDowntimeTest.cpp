// Zero-downtime rollouts against the real engine: a client container asking for the service by
// its network alias in a loop sees no failed request across the update; an ineligible
// container falls back to recreating in place; a new container that is not healthy, or an
// updater killed at any step, leaves the old container serving under its name and aliases.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "docker/UpdateFixture.h"
#include "docker/ZeroDowntime.h"

namespace galaos::docker {
namespace {

using nlohmann::json;
using testing::ComparableInspect;
using testing::DockerCli;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Asks http://$TARGET:8080/ in a loop until /tmp/stop exists, counting the answers "v1", "v2"
// and everything else (failures, logged with wget's error to /tmp/failures) in /tmp/counts.
constexpr std::string_view kClientScript = R"j(#!/bin/sh
v1=0; v2=0; fail=0
while [ ! -e /tmp/stop ]; do
  body=$(timeout 20 wget -O - "http://$TARGET:8080/" 2>/tmp/error)
  case "$body" in
    v1) v1=$((v1+1)) ;;
    v2) v2=$((v2+1)) ;;
    *) fail=$((fail+1)); echo "$(date +%T) [$body] $(cat /tmp/error)" >>/tmp/failures ;;
  esac
  echo "$v1 $v2 $fail" >/tmp/counts.new && mv /tmp/counts.new /tmp/counts
done
)j";

struct Counts {
  int v1 = 0, v2 = 0, failed = 0;
  int Total() const { return v1 + v2 + failed; }
};

class ZeroDowntimeTest : public testing::UpdateFixture {
 protected:
  // The service: a managed httpd without a published port, reached as "svc-alias".
  std::string CreateService(const std::string& reference) {
    const std::string name = CreateWeb("svc", reference, {}, /*publish=*/false);
    resources_.Container(BesideName(name));
    return name;
  }

  // Starts the client on the service's network; returns its name.
  std::string StartClient() {
    const std::string image = prefix_ + "-client:1";
    const Status imported = testing::ImportBusyboxImage(
        {.name = image,
         .changes = {R"(CMD ["/bin/sh", "/client.sh"])"},
         .files = {{"/client.sh", std::string(kClientScript)}, {"/tmp/.keep", ""}}});
    EXPECT_TRUE(imported) << imported.error().message();
    resources_.Image(image);
    const std::string client = resources_.Container(prefix_ + "-client");
    EXPECT_TRUE(DockerCli({"run", "-d", "--init", "--name", client, "--network", network_, "-e",
                           "TARGET=svc-alias", image}));
    return client;
  }

  Counts ReadCounts(const std::string& client) {
    Counts counts;
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto text = DockerCli({"exec", client, "/bin/busybox", "cat", "/tmp/counts"});
      std::istringstream in(text ? *text : "");
      if (in >> counts.v1 >> counts.v2 >> counts.failed) return counts;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "no counts from " << client;
    return counts;
  }

  // Polls until the client has made at least `total` requests (generous: a loaded machine).
  Counts WaitForRequests(const std::string& client, int total) {
    Counts counts;
    for (int i = 0; i < 1200 && counts.Total() < total && !HasFailure(); ++i) {
      counts = ReadCounts(client);
      if (counts.Total() < total) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_GE(counts.Total(), total);
    return counts;
  }

  std::string Failures(const std::string& client) {
    auto text = DockerCli({"exec", client, "/bin/sh", "-c", "cat /tmp/failures 2>/dev/null; true"});
    return text ? *text : text.error().message();
  }

  static DockerUpdateOptions ZeroDowntime(std::vector<std::string> containers) {
    return {.containers = std::move(containers), .trigger = "test", .zero_downtime = true};
  }

  void ExpectNoBesideContainer(const std::string& name) {
    EXPECT_ERROR_CODE(updater_->engine->InspectContainer(BesideName(name)), ErrorCode::kNotFound);
  }

  // The old container serves again under its name: same id, running, its networks and aliases.
  void ExpectOldServing(const std::string& name, const json& before) {
    const json after = Inspect(name);
    EXPECT_EQ(after["Id"], before["Id"]);
    EXPECT_TRUE(after["State"]["Running"].get<bool>());
    EXPECT_EQ(ComparableInspect(after), ComparableInspect(before))
        << json::diff(ComparableInspect(before), ComparableInspect(after)).dump(1);
    ExpectNoRecoveryContainer(name);
    ExpectNoBesideContainer(name);
  }
};

TEST_F(ZeroDowntimeTest, EveryRequestByAliasIsAnsweredThroughoutTheUpdate) {
  config_.docker.drain_period = std::chrono::seconds(4);
  const std::string reference = Reference("svc");
  Image(reference, "v1\n");
  const std::string svc = CreateService(reference);
  const std::string v2 = PushNewVersion(reference, "v2\n");
  const json before = Inspect(svc);
  const std::string client = StartClient();
  const Counts start = WaitForRequests(client, 300);

  std::vector<std::string> output;
  ASSERT_OK_AND_ASSIGN(
      const DockerUpdateResult result,
      updater_->manager->Apply(ZeroDowntime({svc}), [&](const core::ProgressEvent& event) {
        if (event.kind == core::ProgressEvent::Kind::kOutput) {
          output.push_back(event.text);
        }
      }));
  const Counts during = ReadCounts(client);
  const Counts end = WaitForRequests(client, std::max(1000, during.Total() + 300));
  const std::string failures = end.failed == 0 ? "" : Failures(client);
  ASSERT_TRUE(DockerCli({"exec", client, "/bin/busybox", "touch", "/tmp/stop"}));
  ASSERT_EQ(result.containers.size(), 1u);
  resources_.Image(result.containers[0].rollback_tag);
  EXPECT_TRUE(result.success) << ToJson(result).dump(1);
  EXPECT_EQ(result.containers[0].strategy, "zero-downtime");
  EXPECT_EQ(ToJson(result)["containers"][0]["strategy"], "zero-downtime");
  EXPECT_THAT(output, ::testing::Contains(HasSubstr("drains for 4000 ms")));  // docker.drain_period

  // The proof: at least 1,000 requests, none failed; both versions answered, and the requests
  // went on during the update.
  EXPECT_GE(end.Total(), 1000);
  EXPECT_EQ(end.failed, 0) << failures;
  EXPECT_GT(start.v1, 0);
  EXPECT_GE(during.Total() - start.Total(), 100);
  EXPECT_GT(end.v2, during.v2);
  EXPECT_EQ(end.v1, during.v1) << "the old container still answered after the update";

  // The steps a rollout walks, each journaled; the new container has the name and the whole
  // configuration, aliases included.
  EXPECT_THAT(output, ::testing::IsSupersetOf({"beside_created", "beside_started", "beside_healthy",
                                               "old_drained", "old_retired", "new_healthy"}));
  const json after = Inspect(svc);
  EXPECT_NE(after["Id"], before["Id"]);
  EXPECT_EQ(after["Image"], v2);
  EXPECT_TRUE(after["State"]["Running"].get<bool>());
  EXPECT_EQ(ComparableInspect(after), ComparableInspect(before))
      << json::diff(ComparableInspect(before), ComparableInspect(after)).dump(1);
  ExpectNoRecoveryContainer(svc);
  ExpectNoBesideContainer(svc);
  EXPECT_EQ(Journal(result.transaction_id).status, store::TransactionStatus::kSucceeded);
}

TEST_F(ZeroDowntimeTest, AContainerPublishingAHostPortIsRecreatedInPlaceAndSaysWhy) {
  const std::string reference = Reference("web");
  Image(reference, "v1\n");
  const std::string web = CreateWeb("web", reference);  // publishes 8080 on a host port
  const std::string v2 = PushNewVersion(reference, "v2\n");

  std::vector<std::string> output;
  ASSERT_OK_AND_ASSIGN(
      const DockerUpdateResult result,
      updater_->manager->Apply(ZeroDowntime({web}), [&](const core::ProgressEvent& event) {
        if (event.kind == core::ProgressEvent::Kind::kOutput) {
          output.push_back(event.text);
        }
      }));
  ASSERT_EQ(result.containers.size(), 1u);
  resources_.Image(result.containers[0].rollback_tag);
  EXPECT_TRUE(result.success) << ToJson(result).dump(1);
  EXPECT_EQ(result.containers[0].strategy, "recreate");
  EXPECT_THAT(result.containers[0].strategy_reason, HasSubstr("publishes host port 8080/tcp"));
  EXPECT_THAT(output, ::testing::Contains(HasSubstr("publishes host port 8080/tcp")));
  EXPECT_THAT(output, ::testing::Contains("old_stopped"));
  EXPECT_EQ(Inspect(web)["Image"], v2);
  ExpectNoBesideContainer(web);
}

// The plan an operator confirms says how each container would be updated, and why not
// beside itself; nothing is pulled or changed.
TEST_F(ZeroDowntimeTest, ADryRunTellsEachContainersStrategyAndChangesNothing) {
  const std::string svc_reference = Reference("svc");
  Image(svc_reference, "v1\n");
  const std::string svc = CreateService(svc_reference);
  PushNewVersion(svc_reference, "v2\n");
  const std::string web_reference = Reference("web");
  Image(web_reference, "v1\n");
  const std::string web = CreateWeb("web", web_reference);
  PushNewVersion(web_reference, "v2\n");
  const json svc_before = Inspect(svc);
  const json web_before = Inspect(web);

  DockerUpdateOptions options = ZeroDowntime({svc, web});
  options.dry_run = true;
  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult plan, updater_->manager->Apply(options));
  EXPECT_TRUE(plan.dry_run);
  EXPECT_TRUE(plan.transaction_id.empty());
  ASSERT_EQ(plan.containers.size(), 2u) << ToJson(plan).dump(1);
  for (const ContainerUpdate& u : plan.containers) {
    EXPECT_EQ(u.outcome, "planned") << u.container;
    if (u.container == svc) {
      EXPECT_EQ(u.strategy, "zero-downtime");
      EXPECT_EQ(u.strategy_reason, "");
    } else {
      EXPECT_EQ(u.strategy, "recreate");
      EXPECT_THAT(u.strategy_reason, HasSubstr("publishes host port 8080/tcp"));
    }
  }
  EXPECT_EQ(ToJson(plan)["containers"][1]["strategyReason"], plan.containers[1].strategy_reason);
  // Without a word in the options, docker.zero_downtime decides; a word overrides it.
  options.zero_downtime = std::nullopt;
  auto strategy_of_svc = [&]() -> std::string {
    auto planned = updater_->manager->Apply(options);
    EXPECT_TRUE(planned.has_value()) << planned.error().message();
    return planned ? planned->containers.at(0).strategy : "";
  };
  config_.docker.zero_downtime = true;
  EXPECT_EQ(strategy_of_svc(), "zero-downtime");
  config_.docker.zero_downtime = false;
  EXPECT_EQ(strategy_of_svc(), "recreate");
  config_.docker.zero_downtime = true;
  options.zero_downtime = false;
  EXPECT_EQ(strategy_of_svc(), "recreate");
  EXPECT_EQ(ComparableInspect(Inspect(svc)), ComparableInspect(svc_before));
  EXPECT_EQ(ComparableInspect(Inspect(web)), ComparableInspect(web_before));
  EXPECT_EQ(Inspect(svc)["Image"], svc_before["Image"]);
}

TEST_F(ZeroDowntimeTest, AnUnhealthyNewContainerIsRemovedWhileTheOldOneKeepsServing) {
  const std::string reference = Reference("svc");
  Image(reference, "v1\n");
  const std::string svc = CreateService(reference);
  PushNewVersion(reference, "");  // no index.html: the health check gets 404
  const json before = Inspect(svc);

  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult result,
                       updater_->manager->Apply(ZeroDowntime({svc})));
  ASSERT_EQ(result.containers.size(), 1u);
  resources_.Image(result.containers[0].rollback_tag);
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.final_state, "RolledBack");
  EXPECT_EQ(result.containers[0].outcome, "failed");
  EXPECT_THAT(result.containers[0].error, HasSubstr("not healthy"));
  ExpectOldServing(svc, before);
  // Never stopped: the old container was not touched while the new one failed beside it.
  EXPECT_EQ(Inspect(svc)["State"]["StartedAt"], before["State"]["StartedAt"]);
}

TEST(ZeroDowntimeObstacleTest, OnlyContainersReachedThroughUserNetworksAreEligible) {
  const auto spec = [](json host, json endpoint = json::object()) {
    return ContainerSpec{
        .create_body = {{"HostConfig", host},
                        {"NetworkingConfig", {{"EndpointsConfig", {{"app", endpoint}}}}}}};
  };
  EXPECT_EQ(ZeroDowntimeObstacle(spec({{"NetworkMode", "app"}})), std::nullopt);
  EXPECT_EQ(ZeroDowntimeObstacle(spec({{"NetworkMode", "app"}, {"PortBindings", json::object()}})),
            std::nullopt);
  EXPECT_THAT(ZeroDowntimeObstacle(
                  spec({{"NetworkMode", "app"},
                        {"PortBindings", {{"80/tcp", {{{"HostIp", ""}, {"HostPort", "8080"}}}}}}})),
              ::testing::Optional(HasSubstr("publishes host port 80/tcp")));
  EXPECT_THAT(ZeroDowntimeObstacle(spec({{"NetworkMode", "app"}, {"PublishAllPorts", true}})),
              ::testing::Optional(HasSubstr("PublishAllPorts")));
  for (const char* mode : {"default", "bridge", "host", "none", "container:abc"}) {
    EXPECT_THAT(ZeroDowntimeObstacle(spec({{"NetworkMode", mode}})),
                ::testing::Optional(HasSubstr("network mode")))
        << mode;
  }
  EXPECT_THAT(ZeroDowntimeObstacle(
                  spec({{"NetworkMode", "app"}}, {{"IPAMConfig", {{"IPv4Address", "10.1.0.5"}}}})),
              ::testing::Optional(HasSubstr("static address on network app")));
}

class KilledRolloutTest : public ZeroDowntimeTest,
                          public ::testing::WithParamInterface<RecreateState> {};

TEST_P(KilledRolloutTest, RecoverPutsTheOldContainerBackOnItsNetworks) {
  const std::string reference = Reference("svc");
  Image(reference, "v1\n");
  const std::string svc = CreateService(reference);
  PushNewVersion(reference, "v2\n");
  const json before = Inspect(svc);

  ASSERT_EQ(testing::RunAndDieAt(config_, svc, GetParam(), /*zero_downtime=*/true), 137);
  ASSERT_OK_AND_ASSIGN(const auto unfinished, updater_->store->ListUnfinishedTransactions());
  ASSERT_EQ(unfinished.size(), 1u);
  const json journal = json::parse(unfinished[0].state_json);
  resources_.Image(journal["containers"][0]["rollbackTag"]);
  EXPECT_EQ(journal["containers"][0]["plan"]["state"], RecreateStateName(GetParam()));
  EXPECT_EQ(journal["containers"][0]["plan"]["besideName"], BesideName(svc));

  ASSERT_OK_AND_ASSIGN(const std::vector<DockerUpdateResult> recovered,
                       updater_->manager->Recover());
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].final_state, "RolledBack") << ToJson(recovered[0]).dump(1);
  ExpectOldServing(svc, before);

  // Recovered, the rollout goes through.
  bool healthy = false;
  for (int i = 0; i < 600 && !healthy; ++i) {
    healthy = Inspect(svc)["State"]["Health"]["Status"] == "healthy";
    if (!healthy) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(healthy);
  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult retried,
                       updater_->manager->Apply(ZeroDowntime({svc})));
  EXPECT_TRUE(retried.success) << ToJson(retried).dump(1);
  resources_.Image(retried.containers[0].rollback_tag);
  EXPECT_EQ(retried.containers[0].strategy, "zero-downtime");
}

INSTANTIATE_TEST_SUITE_P(States, KilledRolloutTest,
                         ::testing::Values(RecreateState::kBesideCreated,
                                           RecreateState::kBesideHealthy,
                                           RecreateState::kOldDrained, RecreateState::kOldRetired,
                                           RecreateState::kNewHealthy),
                         [](const auto& info) {
                           return std::string(RecreateStateName(info.param));
                         });

}  // namespace
}  // namespace galaos::docker
