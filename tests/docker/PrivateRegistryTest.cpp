// Updates from a registry that requires a login (a docker-registry with htpasswd, serving the
// test registry's storage): the check and the pull use the credentials of
// ~/.docker/config.json — the engine gets them as X-Registry-Auth — and both fail clearly
// without them, changing nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/Clock.h"
#include "core/TempDir.h"
#include "docker/DockerTestSupport.h"
#include "docker/RegistryFixture.h"
#include "docker/UpdateManager.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"

namespace galaos::docker {
namespace {

using nlohmann::json;
using testing::DockerCli;
using ::testing::HasSubstr;
using testing::Resources;

class PrivateRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = testing::UniquePrefix();
    ASSERT_OK_AND_ASSIGN(dir_, core::TempDir::Create("gdt-private-"));
    ASSERT_OK_AND_ASSIGN(const std::string line, testing::HtpasswdLine("alice", "wonderland"));
    std::ofstream(dir_->path() / "htpasswd") << line << "\n";
    ASSERT_OK_AND_ASSIGN(
        registry_, testing::ExtraRegistry::Start("{htpasswd: {realm: gdt-private, path: " +
                                                     (dir_->path() / "htpasswd").string() + "}}",
                                                 *dir_));
    // `docker login 127.0.0.1:PORT -u alice -p wonderland` writes this ("alice:wonderland").
    home_ = dir_->path() / "home";
    std::filesystem::create_directories(home_ / ".docker");
    std::ofstream(home_ / ".docker/config.json") << R"({"auths": {")" << registry_->address()
                                                 << R"(": {"auth": "YWxpY2U6d29uZGVybGFuZA=="}}})";

    config_.state.dir = dir_->path();
    config_.docker.host = std::string(testing::kDockerHost);
    config_.docker.managed_label = "com.galaos.test=" + prefix_;
    config_.docker.healthy_timeout = std::chrono::seconds(60);
    ASSERT_OK_AND_ASSIGN(store_, store::OpenSqliteStore(config_.state.dir / "state.db",
                                                        core::SystemClock::Instance()));
    ASSERT_OK_AND_ASSIGN(engine_, testing::TestEngine());
  }

  // The same repository on the open test registry (for pushing) and on the login-only one.
  std::string OpenReference() const {
    return std::string(testing::kRegistry) + "/" + prefix_ + "-private:1";
  }
  std::string PrivateReference() const {
    return registry_->address() + "/" + prefix_ + "-private:1";
  }

  // Pushes an httpd image serving `index` under OpenReference; no local copy is left.
  void Push(const std::string& index) {
    const Status imported =
        testing::ImportBusyboxImage(testing::HttpdImage(OpenReference(), index));
    ASSERT_TRUE(imported) << imported.error().message();
    ASSERT_TRUE(DockerCli({"push", OpenReference()}));
    ASSERT_TRUE(DockerCli({"rmi", OpenReference()}));
  }

  // The credentials as the updater finds them: docker.registry_auth unset, so
  // $HOME/.docker/config.json.
  RegistryOptions Options(bool logged_in) {
    const config::Environment environment = config::FixedEnvironment(
        {{"HOME", logged_in ? home_.string() : (dir_->path() / "nobody").string()}});
    auto options = RegistryOptionsFrom(config_.docker, environment);
    EXPECT_TRUE(options) << options.error().message();
    return options.value_or(RegistryOptions{});
  }

  Expected<DockerUpdateResult> Update(bool logged_in, std::vector<std::string> containers = {}) {
    RegistryOptions options = Options(logged_in);
    RegistryCredentials credentials = options.credentials;
    RegistryClient registry(std::move(options));
    UpdateManager manager(config_, *store_, *engine_, registry, std::move(credentials),
                          core::SystemClock::Instance());
    auto result = manager.Apply({.containers = std::move(containers), .trigger = "test"});
    if (result) {
      for (const ContainerUpdate& u : result->containers) {
        if (!u.rollback_tag.empty()) resources_.Image(u.rollback_tag);
      }
    }
    return result;
  }

  // A managed, healthy container of PrivateReference.
  std::string StartContainer() {
    const std::string name = resources_.Container(prefix_ + "-private");
    resources_.Container(RecoveryName(name));
    const json body = {{"Image", PrivateReference()},
                       {"Labels", {{"com.galaos.test", prefix_}}},
                       {"Healthcheck", testing::HttpdHealthcheck()},
                       {"HostConfig", {{"Init", true}}}};
    EXPECT_TRUE(engine_->CreateContainer(name, body));
    EXPECT_TRUE(engine_->StartContainer(name));
    const Status healthy =
        WaitHealthy(*engine_, name, std::chrono::seconds(60), std::chrono::seconds(1));
    EXPECT_TRUE(healthy) << healthy.error().message();
    return name;
  }

  std::string ImageOf(const std::string& container) {
    auto inspected = engine_->InspectContainer(container);
    EXPECT_TRUE(inspected) << inspected.error().message();
    return inspected ? inspected->value("Image", "") : "";
  }

  std::string prefix_;
  std::optional<core::TempDir> dir_;
  std::unique_ptr<testing::ExtraRegistry> registry_;
  std::filesystem::path home_;
  config::Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<EngineClient> engine_;
  Resources resources_;
};

TEST_F(PrivateRegistryTest, TheCheckAndTheUpdateWorkWithTheLoginAndChangeNothingWithout) {
  Push("v1\n");
  resources_.Image(PrivateReference());
  const std::string v1_image = [&] {
    RegistryOptions options = Options(true);
    const Status pulled =
        engine_->PullImage(PrivateReference(), PullAuth(options.credentials, PrivateReference()),
                           [](const json&) { return true; });
    EXPECT_TRUE(pulled) << pulled.error().message();
    return pulled ? engine_->InspectImage(PrivateReference())->value("Id", "") : "";
  }();
  resources_.Image(v1_image);
  const std::string container = StartContainer();
  Push("v2\n");

  // Without the login the check cannot decide: refused before anything.
  const Expected<DockerUpdateResult> unchecked = Update(false);
  ASSERT_FALSE(unchecked);
  EXPECT_THAT(unchecked.error().message(), HasSubstr("no credentials for " + registry_->address()));
  // Named, so without a check: the engine's pull is refused, nothing changes.
  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult refused, Update(false, {container}));
  EXPECT_EQ(refused.final_state, "Failed") << ToJson(refused).dump(1);
  ASSERT_FALSE(refused.errors.empty());
  EXPECT_THAT(refused.errors[0], HasSubstr("pull " + PrivateReference()));
  EXPECT_THAT(refused.errors[0], HasSubstr("no basic auth credentials"));
  EXPECT_EQ(ImageOf(container), v1_image);

  // With it, the check finds the new image and the update pulls and runs it.
  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult updated, Update(true));
  EXPECT_TRUE(updated.success) << ToJson(updated).dump(1);
  ASSERT_EQ(updated.containers.size(), 1u);
  EXPECT_EQ(updated.containers[0].outcome, "updated");
  EXPECT_NE(ImageOf(container), v1_image);
  EXPECT_EQ(ImageOf(container), updated.containers[0].new_image_id);
}

}  // namespace
}  // namespace galaos::docker
