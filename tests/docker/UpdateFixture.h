// The fixture of the docker update tests (UpdateManagerTest, ZeroDowntimeTest): a temporary
// state directory and store, the test engine, images of the test registry in two versions, and
// managed busybox httpd containers; everything created is removed after the test.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/Clock.h"
#include "core/TempDir.h"
#include "docker/DockerTestSupport.h"
#include "docker/UpdateManager.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"
#include "support/TestServices.h"

namespace galaos::docker::testing {

using nlohmann::json;

// Serves /www on 8080; the health check fails (404) on an image without /www/index.html.
inline const std::vector<std::string> kHttpdCmd = {
    R"(CMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"])"};

// What a process needs to run updates on the shared state directory: its own store and engine.
struct Updater {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<EngineClient> engine;
  RegistryClient registry{RegistryOptions{}};
  std::unique_ptr<UpdateManager> manager;

  explicit Updater(const config::Config& config) {
    auto opened =
        store::OpenSqliteStore(config.state.dir / "state.db", core::SystemClock::Instance());
    EXPECT_TRUE(opened) << opened.error().message();
    store = std::move(*opened);
    auto connected = TestEngine();
    EXPECT_TRUE(connected) << connected.error().message();
    engine = std::move(*connected);
    manager = std::make_unique<UpdateManager>(config, *store, *engine, registry,
                                              RegistryCredentials(), core::SystemClock::Instance());
  }
};

class UpdateFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = UniquePrefix();
    ASSERT_OK_AND_ASSIGN(state_dir_, core::TempDir::Create("gdt-state-"));
    config_.state.dir = state_dir_->path();
    config_.docker.host = std::string(testing::kDockerHost);
    // Only this test's containers are managed: other tests share the engine.
    config_.docker.managed_label = "com.galaos.test=" + prefix_;
    config_.docker.healthy_timeout = std::chrono::seconds(60);
    updater_ = std::make_unique<Updater>(config_);
  }

  // Imports a busybox image as `name` (a reference on the test registry); with `index`, it
  // serves that as /www/index.html. Pushed unless `push` is false. Returns its id.
  std::string Image(const std::string& name, const std::string& index, bool push = true) {
    std::vector<std::pair<std::string, std::string>> files;
    if (!index.empty()) files.emplace_back("/www/index.html", index);
    std::vector<std::string> changes = kHttpdCmd;
    changes.push_back("WORKDIR /www");
    const Status imported =
        testing::ImportBusyboxImage({.name = name, .changes = changes, .files = files});
    EXPECT_TRUE(imported) << imported.error().message();
    if (push) {
      EXPECT_TRUE(DockerCli({"push", name}));
    }
    // Removed in reverse: the tags first, then the id with the digests a push or pull left.
    const std::string id = ImageId(name);
    resources_.Image(id);
    resources_.Image(name);
    return id;
  }

  std::string ImageId(const std::string& image) {
    auto id = DockerCli({"image", "inspect", "-f", "{{.Id}}", image});
    EXPECT_TRUE(id) << id.error().message();
    return id ? id->substr(0, id->find('\n')) : "";
  }

  // "<registry>/<prefix>-<repository>:1".
  std::string Reference(const std::string& repository) {
    return std::string(testing::kRegistry) + "/" + prefix_ + "-" + repository + ":1";
  }

  // Version 2 of `reference` goes to the registry; the engine keeps running (and tagging) v1,
  // as on a host where nobody pulled yet. Returns v2's id.
  std::string PushNewVersion(const std::string& reference, const std::string& index) {
    const std::string v1 = ImageId(reference);
    const std::string v2 = Image(reference, index);
    EXPECT_TRUE(DockerCli({"tag", v1, reference}));
    EXPECT_TRUE(DockerCli({"image", "rm", v2}));  // the pull must fetch it
    return v2;
  }

  // A managed container of `image` with configuration a recreate must keep: env, labels,
  // health check, a published port (unless !publish), a user network with the alias
  // "<service>-alias", a restart policy, init.
  std::string CreateWeb(const std::string& service, const std::string& image,
                        std::map<std::string, std::string> labels = {}, bool publish = true) {
    if (network_.empty()) {
      network_ = resources_.Network(prefix_ + "-net");
      EXPECT_TRUE(DockerCli({"network", "create", network_}));
    }
    const std::string name = resources_.Container(prefix_ + "-" + service);
    resources_.Container(RecoveryName(name));
    labels["com.galaos.test"] = prefix_;
    json body = {
        {"Image", image},
        {"Env", {"SERVICE=" + service}},
        {"Labels", labels},
        {"Healthcheck", testing::HttpdHealthcheck()},
        {"ExposedPorts", {{"8080/tcp", json::object()}}},
        {"HostConfig",
         {{"PortBindings",
           {{"8080/tcp",
             {{{"HostIp", "127.0.0.1"},
               {"HostPort", std::to_string(galaos::testing::FreePort())}}}}}},
          {"RestartPolicy", {{"Name", "unless-stopped"}}},
          {"Init", true},
          {"NetworkMode", network_}}},
        {"NetworkingConfig",
         {{"EndpointsConfig", {{network_, {{"Aliases", {service + "-alias"}}}}}}}},
    };
    if (!publish) body["HostConfig"].erase("PortBindings");
    auto id = updater_->engine->CreateContainer(name, body);
    EXPECT_TRUE(id) << id.error().message();
    EXPECT_TRUE(updater_->engine->StartContainer(name));
    const Status healthy =
        WaitHealthy(*updater_->engine, name, std::chrono::seconds(60), std::chrono::seconds(1));
    EXPECT_TRUE(healthy) << healthy.error().message();
    return name;
  }

  json Inspect(const std::string& container) {
    auto inspected = updater_->engine->InspectContainer(container);
    EXPECT_TRUE(inspected) << inspected.error().message();
    return inspected ? *inspected : json::object();
  }

  store::Transaction Journal(const std::string& id) {
    auto transaction = updater_->store->GetTransaction(id);
    EXPECT_TRUE(transaction) << transaction.error().message();
    return transaction ? *transaction : store::Transaction{};
  }

  static std::vector<std::string> StepNames(const store::Transaction& transaction) {
    std::vector<std::string> names;
    for (const store::Step& step : transaction.steps) names.push_back(step.name);
    return names;
  }

  void ExpectNoRecoveryContainer(const std::string& name) {
    EXPECT_ERROR_CODE(updater_->engine->InspectContainer(RecoveryName(name)), ErrorCode::kNotFound);
  }

  static DockerUpdateOptions Named(std::vector<std::string> containers) {
    return {.containers = std::move(containers), .trigger = "test"};
  }

  std::string prefix_;
  std::optional<core::TempDir> state_dir_;
  config::Config config_;
  std::unique_ptr<Updater> updater_;
  Resources resources_;
  std::string network_;
};

// Runs an update of `container` in a child process that dies (_exit(137), like SIGKILL)
// right after journaling a plan in `state` (a zero-downtime rollout if asked); returns the child's
// exit status.
inline int RunAndDieAt(const config::Config& config, const std::string& container,
                       RecreateState state, bool zero_downtime = false) {
  const pid_t child = ::fork();
  if (child == 0) {
    Updater updater(config);
    (void)updater.manager->Apply({.containers = {container},
                                  .trigger = "test",
                                  .zero_downtime = zero_downtime,
                                  .crash_after_recreate_state = state});
    ::_exit(0);  // reached only if the state never came
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace galaos::docker::testing
