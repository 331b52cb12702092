#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ReleaseHistory.h"
#include "TestSupport.h"
#include "release/GitTagReleaseSource.h"

namespace galaos::release {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ReleaseHistory;
using testing::Value;

std::vector<std::string> Tags(const std::vector<Release>& releases) {
  std::vector<std::string> tags;
  for (const Release& release : releases) tags.push_back(release.tag);
  return tags;
}

class GitTagReleaseSourceTest : public ::testing::Test {
 protected:
  Expected<std::vector<Release>> List(const std::string& remote, bool fetch_tags = true) {
    GitTagSourceOptions options;
    options.remote = remote;
    options.fetch_tags = fetch_tags;
    GitTagReleaseSource source(app_, options);
    return source.List();
  }

  ReleaseHistory history_;
  git::Repository app_ = Value(git::Repository::Open(history_.git().app()));
};

TEST_F(GitTagReleaseSourceTest, ListsVersionTagsHighestFirstAndIgnoresOtherTags) {
  const std::vector<Release> releases = Value(List("origin"));
  EXPECT_THAT(Tags(releases), ElementsAre("v2.1.0-rc.1", "v2.0.0", "v1.1.0", "v1.0.0"));
  EXPECT_TRUE(releases[0].prerelease);
  EXPECT_FALSE(releases[1].prerelease);
  EXPECT_EQ(releases[1].version.ToString(), "2.0.0");
  EXPECT_EQ(releases[1].name, "v2.0.0");
  EXPECT_FALSE(releases[1].draft);
}

TEST_F(GitTagReleaseSourceTest, CommitsAreTheCommitsTheTagsPeelTo) {
  const std::vector<Release> releases = Value(List("origin"));
  EXPECT_EQ(releases[3].commit, history_.CommitOf("v1.0.0"));  // annotated
  EXPECT_EQ(releases[2].commit, history_.CommitOf("v1.1.0"));  // annotated
  EXPECT_EQ(releases[1].commit, history_.CommitOf("v2.0.0"));  // lightweight
}

TEST_F(GitTagReleaseSourceTest, DatesAreTheTaggedCommitsTimesExceptForTheLowestVersion) {
  const std::vector<Release> releases = Value(List("origin"));
  ASSERT_TRUE(releases[0].published_at.has_value());
  EXPECT_EQ(*releases[0].published_at, history_.TimeOf("v2.1.0-rc.1"));
  ASSERT_TRUE(releases[2].published_at.has_value());
  EXPECT_EQ(*releases[2].published_at, history_.TimeOf("v1.1.0"));
  EXPECT_FALSE(releases[3].published_at.has_value());
}

TEST_F(GitTagReleaseSourceTest, WithoutFetchingDatesOfCommitsNotInTheRepositoryAreUnknown) {
  const std::vector<Release> releases = Value(List("origin", /*fetch_tags=*/false));
  EXPECT_THAT(Tags(releases), ElementsAre("v2.1.0-rc.1", "v2.0.0", "v1.1.0", "v1.0.0"));
  EXPECT_FALSE(releases[2].published_at.has_value());  // v1.1.0's commit is not in app/ yet
}

TEST_F(GitTagReleaseSourceTest, WorksWithAPathAndAFileUrl) {
  const std::string path = history_.git().remote().string();
  EXPECT_THAT(Tags(Value(List(path))), ElementsAre("v2.1.0-rc.1", "v2.0.0", "v1.1.0", "v1.0.0"));
  EXPECT_THAT(Tags(Value(List("file://" + path))),
              ElementsAre("v2.1.0-rc.1", "v2.0.0", "v1.1.0", "v1.0.0"));
}

TEST_F(GitTagReleaseSourceTest, UnreachableRemoteIsAnErrorNotAnEmptyList) {
  const auto releases = List((history_.git().root() / "missing.git").string());
  ASSERT_FALSE(releases.has_value());
  EXPECT_THAT(releases.error().message(), HasSubstr("listing tags of "));
}

TEST_F(GitTagReleaseSourceTest, OfTwoTagsOfOneVersionTheFirstByNameIsKept) {
  history_.git().TagAndPush("1.1.0");  // the same version as v1.1.0, at a later commit
  const std::vector<Release> releases = Value(List("origin"));
  EXPECT_THAT(Tags(releases), ElementsAre("v2.1.0-rc.1", "v2.0.0", "1.1.0", "v1.0.0"));
}

TEST_F(GitTagReleaseSourceTest, DescribeRedactsCredentialsInTheRemoteUrl) {
  GitTagSourceOptions options;
  options.remote = "https://deploy:s3cret@git.example.org/app.git";
  const GitTagReleaseSource source(app_, options);
  EXPECT_EQ(source.Describe(), "tags of https://deploy:***@git.example.org/app.git");
}

}  // namespace
}  // namespace galaos::release
