#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "TestSupport.h"
#include "core/TempDir.h"
#include "release/CurrentVersion.h"
#include "support/GitFixture.h"

namespace galaos::release {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Value;

class PackageJsonVersionTest : public ::testing::Test {
 protected:
  Expected<semver::Version> Read(const std::string& content) {
    git::testing::WriteText(dir_.path() / "package.json", content);
    return CurrentVersion(dir_.path(), config::VersionSource::kPackageJson);
  }

  core::TempDir dir_ = Value(core::TempDir::Create("galaos-release-test-"));
};

TEST_F(PackageJsonVersionTest, ReadsTheVersionField) {
  EXPECT_EQ(Value(Read(R"({"name": "app", "version": "1.4.2-beta.1"})")).ToString(),
            "1.4.2-beta.1");
}

TEST_F(PackageJsonVersionTest, MalformedJsonNamesTheFileLineAndColumn) {
  const auto version = Read("{\n  \"name\": \"app\",\n  \"version\": 1.0.0\n}\n");
  ASSERT_FALSE(version.has_value());
  EXPECT_EQ(version.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(version.error().message(), HasSubstr((dir_.path() / "package.json").string()));
  EXPECT_THAT(version.error().message(),
              HasSubstr("malformed JSON: parse error at line 3, column"));
  EXPECT_THAT(version.error().message(), Not(HasSubstr("[json.exception")));
}

TEST_F(PackageJsonVersionTest, MissingOrNonSemverVersionIsInvalid) {
  const auto missing = Read(R"({"name": "app"})");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(missing.error().message(), HasSubstr("no \"version\" string"));

  const auto latest = Read(R"({"version": "latest"})");
  ASSERT_FALSE(latest.has_value());
  EXPECT_EQ(latest.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(latest.error().message(), HasSubstr("package.json: \"version\""));
}

TEST_F(PackageJsonVersionTest, MissingFileIsNotFound) {
  const auto version = CurrentVersion(dir_.path(), config::VersionSource::kPackageJson);
  ASSERT_FALSE(version.has_value());
  EXPECT_EQ(version.error().code(), ErrorCode::kNotFound);
}

class GitDescribeVersionTest : public ::testing::Test {
 protected:
  Expected<semver::Version> Describe() {
    return CurrentVersion(fixture_.app(), config::VersionSource::kGitDescribe);
  }

  git::testing::GitFixture fixture_;  // app/ at v1.0.0
};

TEST_F(GitDescribeVersionTest, ReadsTheTagAtHead) {
  EXPECT_EQ(Value(Describe()).ToString(), "1.0.0");
}

TEST_F(GitDescribeVersionTest, AddsDistanceAndCommitAsBuildMetadataPastTheTag) {
  fixture_.Git(fixture_.app(), {"commit", "--quiet", "--allow-empty", "-m", "local change"});
  const std::string abbreviated = fixture_.Git(fixture_.app(), {"rev-parse", "--short", "HEAD"});
  const semver::Version version = Value(Describe());
  EXPECT_EQ(version.ToString(), "1.0.0+1.g" + abbreviated);
  EXPECT_EQ(version, Value(semver::Version::Parse("1.0.0")));  // same precedence as the tag
}

TEST_F(GitDescribeVersionTest, NearestTagThatIsNoVersionIsInvalid) {
  fixture_.Git(fixture_.app(), {"commit", "--quiet", "--allow-empty", "-m", "deploy"});
  fixture_.Git(fixture_.app(), {"tag", "deployed"});
  const auto version = Describe();
  ASSERT_FALSE(version.has_value());
  EXPECT_EQ(version.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(version.error().message(), HasSubstr("\"deployed\" is not a version"));
}

}  // namespace
}  // namespace galaos::release
