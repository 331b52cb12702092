// Pruning rollback images on the real engine: the newest per container stays, an image that
// has another tag loses only its rollback tag, one a container uses keeps it, nothing else is
// touched. The engine is shared, so assertions look only at this test's tags.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "docker/DockerTestSupport.h"
#include "docker/Prune.h"
#include "docker/UpdateManager.h"
#include "support/Assertions.h"

namespace galaos::docker {
namespace {

using testing::DockerCli;

class PruneOnEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = testing::UniquePrefix();
    config_.managed_label = "com.galaos.test=" + prefix_;
    ASSERT_OK_AND_ASSIGN(engine_, testing::TestEngine());
  }

  // A distinct image tagged as the rollback image of `container` from `minutes` after epoch.
  std::pair<std::string, std::string> RollbackImage(const std::string& container, int minutes) {
    const std::string name = prefix_ + "-img:" + std::to_string(minutes);
    const Status imported = testing::ImportBusyboxImage(
        {.name = name, .files = {{"/version", std::to_string(minutes)}}});
    EXPECT_TRUE(imported) << imported.error().message();
    auto id = DockerCli({"image", "inspect", "-f", "{{.Id}}", name});
    EXPECT_TRUE(id);
    const std::string image_id = id->substr(0, id->find('\n'));
    const std::string tag = RollbackTag(
        container, std::chrono::system_clock::time_point(std::chrono::minutes(minutes)));
    EXPECT_TRUE(DockerCli({"tag", image_id, tag}));
    EXPECT_TRUE(DockerCli({"rmi", name}));
    // Removed in reverse: the tags first, then the images.
    resources_.Image(image_id);
    resources_.Image(tag);
    return {tag, image_id};
  }

  bool Exists(const std::string& image) {
    return DockerCli({"image", "inspect", image}).has_value();
  }

  std::vector<PrunedTag> Mine(const PrunePlan& plan) const {
    std::vector<PrunedTag> mine;
    for (const PrunedTag& tag : plan.tags) {
      if (tag.tag.starts_with(std::string(kRollbackRepositoryPrefix) + prefix_)) {
        mine.push_back(tag);
      }
    }
    return mine;
  }

  std::string prefix_;
  config::DockerConfig config_;  // manages nothing of this test's but by name
  std::unique_ptr<EngineClient> engine_;
  testing::Resources resources_;
};

TEST_F(PruneOnEngine, KeepsTheNewestPerContainerAndEveryImageStillInUse) {
  const std::string app = prefix_ + "-app";
  const auto [unused, unused_id] = RollbackImage(app, 1);
  const auto [tagged, tagged_id] = RollbackImage(app, 2);
  const auto [running, running_id] = RollbackImage(app, 3);
  const auto [newest, newest_id] = RollbackImage(app, 4);
  const auto [other, other_id] = RollbackImage(prefix_ + "-other", 1);
  // The second one is also an ordinary image; a container uses the third.
  const std::string ordinary = resources_.Image(prefix_ + "-ordinary:1");
  ASSERT_OK(DockerCli({"tag", tagged_id, ordinary}));
  const std::string container = resources_.Container(prefix_ + "-user");
  ASSERT_OK(DockerCli({"create", "--name", container, running_id, "/bin/busybox", "true"}));

  EXPECT_ERROR_CODE(PlanPrune(*engine_, 0, config_), ErrorCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(const PrunePlan plan, PlanPrune(*engine_, 1, config_));
  const std::vector<PrunedTag> mine = Mine(plan);
  ASSERT_EQ(mine.size(), 2u);  // not the image the container uses
  EXPECT_EQ(mine[0].tag, unused);
  EXPECT_TRUE(mine[0].deletes_image);
  EXPECT_GT(mine[0].size_bytes, 0);
  EXPECT_EQ(mine[1].tag, tagged);
  EXPECT_FALSE(mine[1].deletes_image);
  EXPECT_GE(plan.images_deleted, 1);
  EXPECT_GE(plan.bytes_freed, mine[0].size_bytes);
  EXPECT_TRUE(Exists(unused));  // planning changes nothing

  ASSERT_OK(ApplyPrune(*engine_, plan));
  EXPECT_FALSE(Exists(unused));
  EXPECT_FALSE(Exists(unused_id));
  EXPECT_FALSE(Exists(tagged));
  EXPECT_TRUE(Exists(ordinary));
  EXPECT_TRUE(Exists(running));
  EXPECT_TRUE(Exists(newest));
  EXPECT_TRUE(Exists(other));
}

// Two updaters on one engine: each prunes only its own containers' rollback images (and those
// of containers gone from the engine).
TEST_F(PruneOnEngine, AContainerThisUpdaterDoesNotManageKeepsItsRollbackImages) {
  const std::string theirs = resources_.Container(prefix_ + "-theirs");
  const auto [older, older_id] = RollbackImage(theirs, 1);
  const auto [newer, newer_id] = RollbackImage(theirs, 2);
  ASSERT_OK(DockerCli({"create", "--name", theirs, newer_id, "/bin/busybox", "true"}));

  ASSERT_OK_AND_ASSIGN(const PrunePlan plan, PlanPrune(*engine_, 1, config_));
  EXPECT_TRUE(Mine(plan).empty());
  config_.containers = {theirs};  // now it is this updater's
  ASSERT_OK_AND_ASSIGN(const PrunePlan managed, PlanPrune(*engine_, 1, config_));
  ASSERT_EQ(Mine(managed).size(), 1u);
  EXPECT_EQ(Mine(managed)[0].tag, older);
}

}  // namespace
}  // namespace galaos::docker
