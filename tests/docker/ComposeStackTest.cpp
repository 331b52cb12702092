// Compose stacks updated natively as one journaled transaction, against a stack the real
// docker-compose v1 started on the test engine: an operator changes image tags in the file,
// the updater pulls them and recreates the services in depends_on order; a broken service puts
// the whole stack back; a file outside the app directory or one that cannot be read changes
// nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/Clock.h"
#include "core/TempDir.h"
#include "docker/ComposeStack.h"
#include "docker/DockerTestSupport.h"
#include "docker/ManagedContainers.h"
#include "docker/Recreate.h"
#include "docker/UpdateManager.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"

namespace galaos::docker {
namespace {

using nlohmann::json;
using testing::ComparableInspect;
using testing::ComposeProject;
using testing::DockerCli;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Resources;
using testing::UniquePrefix;

class ComposeStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = UniquePrefix();
    ASSERT_OK_AND_ASSIGN(state_dir_, core::TempDir::Create("gdt-state-"));
    ASSERT_OK_AND_ASSIGN(app_dir_, core::TempDir::Create("gdt-app-"));
    config_.state.dir = state_dir_->path();
    config_.app.root = app_dir_->path();
    config_.docker.host = std::string(testing::kDockerHost);
    config_.docker.healthy_timeout = std::chrono::seconds(60);
    // The stack's directory names its project, as docker-compose does.
    stack_dir_ = app_dir_->path() / ("stack_" + prefix_);
    std::filesystem::create_directory(stack_dir_);
    file_ = stack_dir_ / "docker-compose.yml";
    ASSERT_OK_AND_ASSIGN(store_, store::OpenSqliteStore(config_.state.dir / "state.db",
                                                        core::SystemClock::Instance()));
    ASSERT_OK_AND_ASSIGN(engine_, testing::TestEngine());
    manager_ =
        std::make_unique<UpdateManager>(config_, *store_, *engine_, registry_,
                                        RegistryCredentials(), core::SystemClock::Instance());
  }

  // "<registry>/<prefix>-<repository>:<tag>" with an httpd serving `index`, pushed; the local
  // image is removed again unless `keep`, so an update has to pull it. Returns the reference.
  std::string Pushed(const std::string& repository, const std::string& tag,
                     const std::string& index, bool keep = false) {
    const std::string reference =
        std::string(testing::kRegistry) + "/" + prefix_ + "-" + repository + ":" + tag;
    const Status imported = testing::ImportBusyboxImage(testing::HttpdImage(reference, index));
    EXPECT_TRUE(imported) << imported.error().message();
    EXPECT_TRUE(DockerCli({"push", reference}));
    resources_.Image(reference);
    if (!keep) {
      EXPECT_TRUE(DockerCli({"rmi", reference}));
    }
    return reference;
  }

  // The stack: db, web (depends_on db) and cache, each with a health check, environment,
  // labels, init and a restart policy.
  void WriteFile(const std::string& db, const std::string& web, const std::string& cache) {
    std::ofstream out(file_);
    out << "version: \"2.4\"\nservices:\n";
    for (const auto& [service, image] : {std::pair{"web", web}, {"db", db}, {"cache", cache}}) {
      out << "  " << service << ":\n"
          << "    image: " << image << "\n"
          << "    environment: [SERVICE=" << service << "]\n"
          << "    labels: {com.galaos.test: \"" << prefix_ << "\"}\n"
          << "    init: true\n"
          << "    restart: unless-stopped\n"
          << "    healthcheck:\n"
          << "      test: [\"CMD\", \"/bin/busybox\", \"wget\", \"-q\", \"-O\", \"/dev/null\", "
             "\"http://127.0.0.1:8080/\"]\n"
          << "      interval: 1s\n      timeout: 3s\n      retries: 2\n";
      if (std::string_view(service) == "web") out << "    depends_on: [db]\n";
    }
  }

  // The stack on tag 1 of each image, up and healthy; returns each service's inspect.
  std::map<std::string, json> UpOnTag1() {
    db1_ = Pushed("db", "1", "db1\n", /*keep=*/true);
    web1_ = Pushed("web", "1", "web1\n", /*keep=*/true);
    cache1_ = Pushed("cache", "1", "cache1\n", /*keep=*/true);
    WriteFile(db1_, web1_, cache1_);
    Up();
    std::map<std::string, json> inspects;
    for (const char* service : {"db", "web", "cache"}) {
      inspects[service] = Inspect(Container(service));
    }
    return inspects;
  }

  // docker-compose up -d of the file as written, every service healthy.
  void Up() {
    compose_ = std::make_unique<ComposeProject>(file_, "");
    ASSERT_OK(compose_->Run({"up", "-d"}));
    for (const std::string& name : {Container("db"), Container("web"), Container("cache")}) {
      resources_.Container(RecoveryName(name));
      ASSERT_OK(WaitHealthy(*engine_, name, std::chrono::seconds(60), std::chrono::seconds(1)));
    }
  }

  std::string Container(const std::string& service) const {
    return "stack_" + prefix_ + "_" + service + "_1";
  }

  json Inspect(const std::string& container) {
    auto inspected = engine_->InspectContainer(container);
    EXPECT_TRUE(inspected) << inspected.error().message();
    return inspected ? *inspected : json::object();
  }

  std::string ImageId(const std::string& image) {
    auto inspected = engine_->InspectImage(image);
    EXPECT_TRUE(inspected) << inspected.error().message();
    return inspected ? inspected->value("Id", "") : "";
  }

  std::vector<std::string> StepNames(const std::string& transaction_id) {
    auto transaction = store_->GetTransaction(transaction_id);
    EXPECT_TRUE(transaction) << transaction.error().message();
    std::vector<std::string> names;
    if (transaction) {
      for (const store::Step& step : transaction->steps) names.push_back(step.name);
    }
    return names;
  }

  Expected<DockerUpdateResult> UpdateStack(const std::filesystem::path& file) {
    auto result = manager_->Apply({.compose_file = file, .trigger = "test"});
    if (result) {
      for (const ContainerUpdate& u : result->containers) {
        if (!u.rollback_tag.empty()) resources_.Image(u.rollback_tag);
      }
    }
    return result;
  }

  void ExpectNoTransaction() {
    ASSERT_OK_AND_ASSIGN(const auto transactions, store_->ListTransactions({}));
    EXPECT_TRUE(transactions.empty());
  }

  std::string prefix_;
  std::string db1_, web1_, cache1_;  // UpOnTag1's images
  std::optional<core::TempDir> state_dir_;
  std::optional<core::TempDir> app_dir_;
  std::filesystem::path stack_dir_;
  std::filesystem::path file_;
  config::Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<EngineClient> engine_;
  RegistryClient registry_{RegistryOptions{}};
  std::unique_ptr<UpdateManager> manager_;
  Resources resources_;  // destroyed after the stack went down
  std::unique_ptr<ComposeProject> compose_;
};

TEST_F(ComposeStackTest, NewTagsInTheFileAreRolledOutInDependencyOrderKeepingConfiguration) {
  std::map<std::string, json> before = UpOnTag1();
  const std::string db2 = Pushed("db", "2", "db2\n");
  const std::string web2 = Pushed("web", "2", "web2\n");

  // The operator moves db and web to tag 2; cache stays.
  WriteFile(db2, web2, cache1_);
  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult result, UpdateStack(file_));
  EXPECT_TRUE(result.success) << ToJson(result).dump(1);
  EXPECT_THAT(StepNames(result.transaction_id),
              ElementsAre("preflight", "pull", "tag", "recreate " + Container("db"),
                          "recreate " + Container("web"), "commit"));
  ASSERT_EQ(result.containers.size(), 3u);
  EXPECT_EQ(result.containers[0].container, Container("db"));
  EXPECT_EQ(result.containers[0].outcome, "updated");
  EXPECT_EQ(result.containers[1].container, Container("web"));
  EXPECT_EQ(result.containers[1].outcome, "updated");
  EXPECT_EQ(result.containers[2].container, Container("cache"));
  EXPECT_EQ(result.containers[2].outcome, "up to date");

  for (const auto& [service, image] : {std::pair{"db", db2}, {"web", web2}}) {
    const json after = Inspect(Container(service));
    EXPECT_NE(after["Id"], before[service]["Id"]) << service;
    EXPECT_EQ(after["Image"], ImageId(image)) << service;
    EXPECT_EQ(after["Config"]["Image"], image) << service;
    EXPECT_TRUE(after["State"]["Running"].get<bool>()) << service;
    EXPECT_EQ(ComparableInspect(after), ComparableInspect(before[service])) << service;
    EXPECT_ERROR_CODE(engine_->InspectContainer(RecoveryName(Container(service))),
                      ErrorCode::kNotFound);
  }
  // The service whose image did not change was left alone.
  EXPECT_EQ(Inspect(Container("cache"))["Id"], before["cache"]["Id"]);
  // db was started first: web came up after it.
  EXPECT_LT(Inspect(Container("db"))["State"]["StartedAt"].get<std::string>(),
            Inspect(Container("web"))["State"]["StartedAt"].get<std::string>());
}

TEST_F(ComposeStackTest, AServiceFailingItsHealthCheckPutsTheWholeStackBackOnItsOldImages) {
  const std::map<std::string, json> before = UpOnTag1();
  const std::string db2 = Pushed("db", "2", "db2\n");
  const std::string broken = Pushed("web", "broken", "");
  const std::string cache2 = Pushed("cache", "2", "cache2\n");

  WriteFile(db2, broken, cache2);
  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult result, UpdateStack(file_));
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.final_state, "RolledBack") << ToJson(result).dump(1);
  EXPECT_EQ(result.failed_container, Container("web"));
  // In file order web comes first, but it depends on db; cache has no dependency and follows.
  EXPECT_THAT(StepNames(result.transaction_id),
              ElementsAre("preflight", "pull", "tag", "recreate " + Container("db"),
                          "recreate " + Container("web"), "rollback " + Container("db")));
  for (const char* service : {"db", "web", "cache"}) {
    const json after = Inspect(Container(service));
    EXPECT_EQ(after["Id"], before.at(service)["Id"]) << service;
    EXPECT_EQ(after["Image"], before.at(service)["Image"]) << service;
    EXPECT_TRUE(after["State"]["Running"].get<bool>()) << service;
    EXPECT_ERROR_CODE(engine_->InspectContainer(RecoveryName(Container(service))),
                      ErrorCode::kNotFound);
  }
}

// docker.compose_files: the services of a configured file are managed containers (listed,
// checked and updated like labelled ones), whatever labels they carry.
TEST_F(ComposeStackTest, TheServicesOfAConfiguredComposeFileAreManaged) {
  UpOnTag1();
  auto names = [&]() -> std::vector<std::string> {
    auto managed = ListManaged(*engine_, config_.docker);
    EXPECT_TRUE(managed.has_value()) << managed.error().message();
    std::vector<std::string> out;
    for (const ManagedContainer& m : managed.value_or(std::vector<ManagedContainer>{})) {
      out.push_back(m.container.name);
    }
    std::ranges::sort(out);
    return out;
  };
  config_.docker.managed_label = "com.galaos.test=" + prefix_ + "-none";
  EXPECT_TRUE(names().empty());
  config_.docker.compose_files = {file_};
  EXPECT_EQ(names(),
            (std::vector<std::string>{Container("cache"), Container("db"), Container("web")}));

  config_.docker.compose_files = {stack_dir_ / "missing.yml"};
  auto missing = ListManaged(*engine_, config_.docker);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("docker.compose_files"), std::string::npos)
      << missing.error().message();
}

TEST_F(ComposeStackTest, AFileOutsideTheAppDirectoryIsRefusedAndNothingChanges) {
  ASSERT_OK_AND_ASSIGN(const core::TempDir outside, core::TempDir::Create("gdt-outside-"));
  const std::filesystem::path file = outside.path() / "docker-compose.yml";
  std::ofstream(file) << "services:\n  web:\n    image: busybox:1\n";
  // Directly, through "..", and through a symlink inside the app directory.
  const std::filesystem::path link = app_dir_->path() / "linked.yml";
  std::filesystem::create_symlink(file, link);
  for (const std::filesystem::path& given :
       {file, app_dir_->path() / ".." / outside.path().filename() / "docker-compose.yml", link}) {
    const Expected<DockerUpdateResult> result = UpdateStack(given);
    ASSERT_FALSE(result) << given;
    EXPECT_EQ(result.error().code(), ErrorCode::kForbidden) << result.error().message();
    EXPECT_THAT(result.error().message(), HasSubstr("outside the app directory")) << given;
  }
  ExpectNoTransaction();
}

TEST_F(ComposeStackTest, AMissingInvalidOrNotStartedStackIsAnErrorBeforeAnything) {
  EXPECT_ERROR_CODE(UpdateStack(stack_dir_ / "missing.yml"), ErrorCode::kNotFound);

  std::ofstream(file_) << "services:\n  web:\n    image: [not, a, string\n";
  const Expected<DockerUpdateResult> invalid = UpdateStack(file_);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(invalid.error().message(), HasSubstr(file_.string() + ":"));

  // Valid, but never started: its services have no containers.
  WriteFile("busybox:1", "busybox:1", "busybox:1");
  const Expected<DockerUpdateResult> not_started =
      UpdateStack("stack_" + prefix_ + "/docker-compose.yml");
  ASSERT_FALSE(not_started);
  EXPECT_EQ(not_started.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(not_started.error().message(), HasSubstr("has no container"));

  // Containers named and a compose file at once.
  EXPECT_ERROR_CODE(manager_->Apply({.containers = {"web"}, .compose_file = file_}),
                    ErrorCode::kInvalidArgument);
  ExpectNoTransaction();
}

}  // namespace
}  // namespace galaos::docker
