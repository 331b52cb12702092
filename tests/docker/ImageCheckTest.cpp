// Image update checks of running containers against the real engine and local registry.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "DockerTestSupport.h"
#include "RegistryFixture.h"
#include "docker/ImageCheck.h"
#include "support/Assertions.h"
#include "support/TestServices.h"

namespace galaos::docker::testing {
namespace {

class ImageCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(engine_, TestEngine());
    prefix_ = UniquePrefix();
  }

  // Creates (not starts: the image holds only a file) a container of `image`, pulled from the
  // registry, and returns it as managed.
  ManagedContainer Create(const std::string& image) {
    const std::string name = resources_.Container(prefix_ + "-" + std::to_string(++count_));
    EXPECT_TRUE(DockerCli({"pull", "-q", image}).has_value());
    resources_.Image(image);
    auto id = DockerCli({"create", "--name", name, image, "/version"});
    EXPECT_TRUE(id.has_value()) << id.error().message();
    auto containers = engine_->ListContainers();
    EXPECT_TRUE(containers.has_value());
    for (const ContainerSummary& container : *containers) {
      if (container.name == name) return {.container = container};
    }
    ADD_FAILURE() << "container " << name << " not listed";
    return {};
  }

  std::unique_ptr<EngineClient> engine_;
  std::string prefix_;
  Resources resources_;
  int count_ = 0;
  RegistryClient registry_{RegistryOptions{}};
};

TEST_F(ImageCheckTest, AContainersImageIsUpToDateUntilItsTagIsPushedAgain) {
  const std::string image = std::string(kRegistry) + "/" + prefix_ + "-web:1";
  ASSERT_OK_AND_ASSIGN(std::string first, PushImage(image, "v1"));
  const std::vector<ManagedContainer> managed = {Create(image)};

  std::vector<ContainerImageCheck> before =
      CheckImages(*engine_, registry_, managed, config::TagPolicy::kOff);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_FALSE(before[0].error) << before[0].error->message();
  EXPECT_FALSE(before[0].update_available);
  EXPECT_EQ(before[0].remote_digest, first);
  EXPECT_EQ(before[0].current_digest, first);

  ASSERT_OK_AND_ASSIGN(std::string second, PushImage(image, "v2"));
  ASSERT_NE(first, second);
  std::vector<ContainerImageCheck> after =
      CheckImages(*engine_, registry_, managed, config::TagPolicy::kOff);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_FALSE(after[0].error) << after[0].error->message();
  EXPECT_TRUE(after[0].update_available);
  EXPECT_EQ(after[0].remote_digest, second);
  EXPECT_EQ(after[0].current_digest, first);
  EXPECT_EQ(after[0].image, image);
}

TEST_F(ImageCheckTest, ANewerTagIsReportedUnderTheTagPolicy) {
  const std::string repository = std::string(kRegistry) + "/" + prefix_ + "-api";
  ASSERT_OK(PushImage(repository + ":1.4.2", "1.4.2"));
  ASSERT_OK(PushImage(repository + ":1.5.0", "1.5.0"));
  ASSERT_OK(PushImage(repository + ":2.0.0", "2.0.0"));
  const std::vector<ManagedContainer> managed = {Create(repository + ":1.4.2")};
  auto minor = CheckImages(*engine_, registry_, managed, config::TagPolicy::kMinor);
  ASSERT_EQ(minor.size(), 1u);
  EXPECT_EQ(minor[0].newer_tag, "1.5.0");
  EXPECT_FALSE(minor[0].update_available);
  auto major = CheckImages(*engine_, registry_, managed, config::TagPolicy::kMajor);
  EXPECT_EQ(major[0].newer_tag, "2.0.0");
}

TEST_F(ImageCheckTest, ARegistryThatIsDownIsAnErrorForItsContainersOnly) {
  const std::string image = std::string(kRegistry) + "/" + prefix_ + "-up:1";
  ASSERT_OK(PushImage(image, "up"));
  const ManagedContainer up = Create(image);
  // The same image under a registry nobody listens on.
  const std::string down =
      fmt::format("127.0.0.1:{}/{}-down:1", galaos::testing::FreePort(), prefix_);
  ASSERT_OK(DockerCli({"tag", image, down}));
  resources_.Image(down);
  const std::string name = resources_.Container(prefix_ + "-down");
  ASSERT_OK(DockerCli({"create", "--name", name, down, "/version"}));
  ASSERT_OK_AND_ASSIGN(auto containers, engine_->ListContainers());
  std::vector<ManagedContainer> managed = {up};
  for (const ContainerSummary& container : containers) {
    if (container.name == name) managed.push_back({.container = container});
  }
  ASSERT_EQ(managed.size(), 2u);
  auto checks = CheckImages(*engine_, registry_, managed, config::TagPolicy::kOff);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_FALSE(checks[0].error);
  ASSERT_TRUE(checks[1].error);
  EXPECT_EQ(checks[1].error->code(), ErrorCode::kUnavailable) << checks[1].error->message();
  EXPECT_FALSE(checks[1].update_available);
  EXPECT_TRUE(ToJson(checks[1])["error"].is_string());
}

}  // namespace
}  // namespace galaos::docker::testing
