#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "GithubFixtureServer.h"
#include "ReleaseHistory.h"
#include "TestSupport.h"
#include "release/GitTagReleaseSource.h"
#include "release/GithubReleaseSource.h"
#include "release/MakeReleaseSource.h"
#include "release/UpdateChecker.h"

namespace galaos::release {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::ReleaseHistory;
using ::testing::StartsWith;
using testing::Value;
using namespace std::chrono_literals;

semver::Version V(std::string_view text) {
  return Value(semver::Version::Parse(text));
}

std::vector<std::string> SkippedTags(const UpdateCheck& check) {
  std::vector<std::string> tags;
  for (const SkippedRelease& skipped : check.skipped) tags.push_back(skipped.tag);
  return tags;
}

class UpdateCheckerTest : public ::testing::Test {
 protected:
  // The git tags of the remote as releases; app/ as the installed application.
  Expected<UpdateCheck> Check(const semver::Version& current, const CheckOptions& options,
                              const std::string& remote = "origin") {
    GitTagSourceOptions source_options;
    source_options.remote = remote;
    GitTagReleaseSource source(app_, source_options);
    UpdateChecker checker(app_, remote, source, clock_);
    return checker.Check(current, options);
  }

  static CheckOptions Policy(semver::Policy policy) {
    CheckOptions options;
    options.policy = policy;
    return options;
  }

  ReleaseHistory history_;
  git::Repository app_ = Value(git::Repository::Open(history_.git().app()));
  core::TestClock clock_{std::chrono::system_clock::now()};
};

TEST_F(UpdateCheckerTest, MinorPolicyPicksTheNewestMinorAndSaysWhyTheMajorsAreSkipped) {
  const UpdateCheck check = Value(Check(V("1.0.0"), Policy(semver::Policy::kMinor)));
  EXPECT_TRUE(check.available);
  EXPECT_EQ(check.current_version, V("1.0.0"));
  EXPECT_EQ(check.current_commit, history_.CommitOf("v1.0.0"));
  EXPECT_EQ(check.latest_version, V("1.1.0"));
  EXPECT_EQ(check.target_tag, "v1.1.0");
  EXPECT_EQ(check.target_commit, history_.CommitOf("v1.1.0"));  // the annotated tag, peeled
  EXPECT_EQ(Value(app_.ResolveCommit(check.target_commit)), check.target_commit);  // installable
  EXPECT_EQ(check.release_date, history_.TimeOf("v1.1.0"));
  EXPECT_FALSE(check.breaking);
  EXPECT_THAT(SkippedTags(check), ElementsAre("v2.1.0-rc.1", "v2.0.0"));
  EXPECT_EQ(check.skipped[1].reason, "major update; policy \"minor\" stays on 1.x");
}

TEST_F(UpdateCheckerTest, ChangelogHasTheChangelogSectionAndTheCommitSubjects) {
  const UpdateCheck check = Value(Check(V("1.0.0"), Policy(semver::Policy::kMinor)));
  EXPECT_THAT(check.changelog, HasSubstr("## CHANGELOG.md\n\n### [1.1.0] - 2023-11-14\n\n"
                                         "#### Added\n\n- Search across all notes.\n- A dark "
                                         "theme."));
  EXPECT_THAT(check.changelog,
              HasSubstr("## Commits\n\n- feat(ui): dark mode (" +
                        history_.CommitOf("v1.1.0").substr(0, 7) + ")\n- feat: add search ("));
  EXPECT_THAT(check.changelog, Not(HasSubstr("Work in progress")));   // [Unreleased]
  EXPECT_THAT(check.changelog, Not(HasSubstr("already installed")));  // [1.0.0]
  EXPECT_THAT(check.changelog, Not(HasSubstr("https://example.org")));
}

TEST_F(UpdateCheckerTest, MajorPolicyPicksV2AndReportsWhyItIsBreaking) {
  const UpdateCheck check = Value(Check(V("1.0.0"), Policy(semver::Policy::kMajor)));
  EXPECT_EQ(check.target_tag, "v2.0.0");
  EXPECT_EQ(check.target_commit, history_.CommitOf("v2.0.0"));
  EXPECT_TRUE(check.breaking);
  EXPECT_THAT(check.breaking_reasons,
              ElementsAre("1.0.0 -> 2.0.0 is a breaking version change",
                          "commit " + history_.CommitOf("v2.0.0~1").substr(0, 7) +
                              " marks a breaking change: feat!: remove the v1 API"));
  EXPECT_THAT(SkippedTags(check), ElementsAre("v2.1.0-rc.1"));
  EXPECT_THAT(check.skipped[0].reason, StartsWith("prerelease; prereleases are not included"));
  EXPECT_THAT(check.changelog, HasSubstr("### [2.0.0] - 2023-11-20"));
  EXPECT_THAT(check.changelog, HasSubstr("### [1.1.0] - 2023-11-14"));
  EXPECT_THAT(check.changelog, HasSubstr("- feat!: remove the v1 API"));
}

TEST_F(UpdateCheckerTest, IncludingPrereleasesPicksTheReleaseCandidate) {
  CheckOptions options = Policy(semver::Policy::kMajor);
  options.include_prereleases = true;
  const UpdateCheck check = Value(Check(V("1.0.0"), options));
  EXPECT_EQ(check.target_tag, "v2.1.0-rc.1");
  EXPECT_EQ(check.latest_version, V("2.1.0-rc.1"));
  EXPECT_THAT(check.skipped, IsEmpty());
}

TEST_F(UpdateCheckerTest, NothingAvailableAtTheNewestAllowedVersion) {
  history_.CheckOutApp("v1.1.0");
  const UpdateCheck check = Value(Check(V("1.1.0"), Policy(semver::Policy::kMinor)));
  EXPECT_FALSE(check.available);
  EXPECT_EQ(check.latest_version, V("1.1.0"));
  EXPECT_TRUE(check.target_commit.empty());
  EXPECT_TRUE(check.changelog.empty());
  EXPECT_THAT(SkippedTags(check), ElementsAre("v2.1.0-rc.1", "v2.0.0"));
}

TEST_F(UpdateCheckerTest, PinnedOlderReleaseIsRefusedUnlessDowngradesAreAllowed) {
  history_.CheckOutApp("v1.1.0");
  CheckOptions options = Policy(semver::Policy::kMinor);
  options.target = "v1.0.0";
  const auto refused = Check(V("1.1.0"), options);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(refused.error().message(),
              HasSubstr("v1.0.0 (1.0.0) is older than the current version 1.1.0; a downgrade "
                        "needs allow_downgrade"));

  options.allow_downgrade = true;
  const UpdateCheck allowed = Value(Check(V("1.1.0"), options));
  EXPECT_TRUE(allowed.available);
  EXPECT_EQ(allowed.target_commit, history_.CommitOf("v1.0.0"));
}

TEST_F(UpdateCheckerTest, PinnedReleaseBeyondThePolicyIsRefused) {
  CheckOptions options = Policy(semver::Policy::kMinor);
  options.target = "2.0.0";  // a version works as well as a tag
  const auto refused = Check(V("1.0.0"), options);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(refused.error().message(),
              HasSubstr("v2.0.0 (2.0.0) is a major update; policy \"minor\" stays on 1.x"));
}

TEST_F(UpdateCheckerTest, PinnedUnknownReleaseIsNotFound) {
  CheckOptions options;
  options.target = "v9.9.9";
  const auto missing = Check(V("1.0.0"), options);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(UpdateCheckerTest, MinimumReleaseAgeHoldsBackYoungReleases) {
  CheckOptions options = Policy(semver::Policy::kMinor);
  options.min_release_age = 1h;
  clock_.SetWallTime(history_.TimeOf("v1.1.0") + 10min);
  const UpdateCheck young = Value(Check(V("1.0.0"), options));
  EXPECT_FALSE(young.available);
  EXPECT_THAT(SkippedTags(young), ElementsAre("v2.1.0-rc.1", "v2.0.0", "v1.1.0"));
  EXPECT_EQ(young.skipped[2].reason, "published 10 min ago; the minimum release age is 1 h");

  clock_.SetWallTime(history_.TimeOf("v1.1.0") + 2h);
  const UpdateCheck old_enough = Value(Check(V("1.0.0"), options));
  EXPECT_TRUE(old_enough.available);
  EXPECT_EQ(old_enough.target_tag, "v1.1.0");
}

TEST_F(UpdateCheckerTest, FailingSourceIsAnErrorNeverNoUpdate) {
  const auto check =
      Check(V("1.0.0"), CheckOptions{}, (history_.git().root() / "gone.git").string());
  ASSERT_FALSE(check.has_value());
  EXPECT_THAT(check.error().message(), StartsWith("checking for updates: listing tags of "));
}

TEST_F(UpdateCheckerTest, BranchModeTargetsTheRemoteBranchHead) {
  history_.git().CommitAndPush({{"hotfix.txt", "fixed\n"}}, "fix: hotfix on main");
  CheckOptions options;
  options.follow = config::FollowMode::kBranch;
  options.branch = "main";
  const UpdateCheck check = Value(Check(V("1.0.0"), options));
  EXPECT_TRUE(check.available);
  EXPECT_EQ(check.target_commit, history_.CommitOf("main"));
  EXPECT_TRUE(check.target_tag.empty());
  EXPECT_EQ(check.latest_version, V("2.0.0"));  // package.json at the branch head
  EXPECT_EQ(check.release_date, history_.TimeOf("main"));
  EXPECT_THAT(check.changelog, StartsWith("## Commits\n\n- fix: hotfix on main ("));
  EXPECT_THAT(check.changelog, HasSubstr("- feat!: remove the v1 API ("));
  EXPECT_THAT(check.changelog, HasSubstr("- feat: add search ("));
  EXPECT_TRUE(check.breaking);
}

TEST_F(UpdateCheckerTest, BranchModeHasNothingWhenHeadIsTheBranchHead) {
  history_.git().Git(history_.git().app(), {"pull", "--quiet", "--ff-only", "origin", "main"});
  CheckOptions options;
  options.follow = config::FollowMode::kBranch;
  const UpdateCheck check = Value(Check(V("2.0.0"), options));
  EXPECT_FALSE(check.available);
  EXPECT_TRUE(check.target_commit.empty());
}

TEST_F(UpdateCheckerTest, ToJsonHasTheCheckForUpdatesShape) {
  const nlohmann::json json = ToJson(Value(Check(V("1.0.0"), Policy(semver::Policy::kMinor))));
  EXPECT_EQ(json["available"], true);
  EXPECT_EQ(json["currentVersion"], "1.0.0");
  EXPECT_EQ(json["latestVersion"], "1.1.0");
  EXPECT_TRUE(json["changelog"].is_string());
  EXPECT_THAT(json["changelog"].get<std::string>(), HasSubstr("Search across all notes."));
  EXPECT_EQ(json["breaking"], false);
  std::string date = history_.git().Git(
      history_.git().author(), {"log", "-1", "--format=%ad", "--date=iso-strict", "v1.1.0"});
  ASSERT_TRUE(date.ends_with("+00:00")) << date;
  date.replace(date.size() - 6, 6, "Z");
  EXPECT_EQ(json["releaseDate"], date);
  EXPECT_EQ(json["targetTag"], "v1.1.0");
  EXPECT_EQ(json["targetCommit"], history_.CommitOf("v1.1.0"));
  EXPECT_EQ(json["skipped"][1],
            (nlohmann::json{{"tag", "v2.0.0"},
                            {"version", "2.0.0"},
                            {"reason", "major update; policy \"minor\" stays on 1.x"}}));

  history_.CheckOutApp("v1.1.0");
  const nlohmann::json none = ToJson(Value(Check(V("1.1.0"), Policy(semver::Policy::kMinor))));
  EXPECT_EQ(none["available"], false);
  EXPECT_EQ(none["latestVersion"], "1.1.0");
  EXPECT_TRUE(none["targetCommit"].is_null());
  EXPECT_TRUE(none["targetTag"].is_null());
  EXPECT_TRUE(none["releaseDate"].is_null());
}

TEST_F(UpdateCheckerTest, CheckOptionsFollowTheConfiguration) {
  config::Config config;
  config.update.follow = config::FollowMode::kBranch;
  config.update.policy = config::UpdatePolicy::kPatch;
  config.update.allow_downgrade = true;
  config.update.include_prereleases = true;
  config.update.min_release_age = 3600s;
  config.git.branch = "stable";
  const CheckOptions options = CheckOptionsFrom(config);
  EXPECT_EQ(options.follow, config::FollowMode::kBranch);
  EXPECT_EQ(options.branch, "stable");
  EXPECT_EQ(options.policy, semver::Policy::kPatch);
  EXPECT_TRUE(options.allow_downgrade);
  EXPECT_TRUE(options.include_prereleases);
  EXPECT_EQ(options.min_release_age, 3600s);
  EXPECT_FALSE(options.target.has_value());
}

// GitHub's releases through the recorded-data server, the app's git remote for the commits.
class GithubUpdateCheckerTest : public UpdateCheckerTest {
 protected:
  Expected<UpdateCheck> CheckGithub(const semver::Version& current, const CheckOptions& options) {
    GithubSourceOptions source_options;
    source_options.api_url = server_.ApiUrl();
    source_options.repo = testing::GithubFixtureServer::kRepo;
    source_options.repository = &app_;
    source_options.remote = "origin";
    auto source = Value(GithubReleaseSource::Create(source_options, nullptr, clock_));
    UpdateChecker checker(app_, "origin", *source, clock_);
    return checker.Check(current, options);
  }

  testing::GithubFixtureServer server_;
};

TEST_F(GithubUpdateCheckerTest, ChangelogJoinsReleaseNotesChangelogAndCommits) {
  server_.SetPages({nlohmann::json::array(
      {server_.Release("v2.0.0", "Removes the v1 API."),
       server_.Release("v1.1.0", "## Highlights\n\nSearch and a dark theme."),
       server_.Release("v1.0.0", "Initial release")})});
  const UpdateCheck check = Value(CheckGithub(V("1.0.0"), Policy(semver::Policy::kMinor)));
  EXPECT_EQ(check.target_tag, "v1.1.0");
  EXPECT_EQ(check.target_commit, history_.CommitOf("v1.1.0"));
  EXPECT_EQ(check.release_date->time_since_epoch().count(), 1658205621);  // GitHub's published_at
  EXPECT_THAT(check.changelog,
              StartsWith("## Release notes\n\n### v1.1.0: Version v1.1.0 (2022-07-19)\n\n"
                         "#### Highlights\n\nSearch and a dark theme.\n\n## CHANGELOG.md\n\n"
                         "### [1.1.0] - 2023-11-14\n"));
  EXPECT_THAT(check.changelog, HasSubstr("## Commits\n\n- feat(ui): dark mode ("));
  EXPECT_THAT(check.changelog, Not(HasSubstr("Initial release")));
  EXPECT_THAT(check.changelog, Not(HasSubstr("Removes the v1 API.")));
}

TEST_F(GithubUpdateCheckerTest, ReleaseWhoseTagIsNotOnTheGitRemoteIsNotFound) {
  server_.SetPages({nlohmann::json::array(
      {server_.Release("v1.2.0", "announced, never pushed"), server_.Release("v1.1.0", "")})});
  const auto check = CheckGithub(V("1.0.0"), Policy(semver::Policy::kMinor));
  ASSERT_FALSE(check.has_value());
  EXPECT_EQ(check.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(check.error().message(),
              HasSubstr("release v1.2.0: its tag is not on origin, so the commit to install is "
                        "unknown"));
}

TEST(MakeReleaseSourceTest, AutoUsesGithubWhenARepositoryIsConfiguredElseGitTags) {
  git::testing::GitFixture fixture;
  git::Repository app = Value(git::Repository::Open(fixture.app()));
  core::TestClock clock{std::chrono::system_clock::now()};
  config::Config config;
  config.git.remote = "upstream";
  EXPECT_EQ(Value(MakeReleaseSource(config, app, nullptr, clock))->Describe(), "tags of upstream");
  config.github.repo = "galaos/galaos";
  EXPECT_EQ(Value(MakeReleaseSource(config, app, nullptr, clock))->Describe(),
            "GitHub releases of galaos/galaos");
  config.update.source = config::ReleaseSource::kGit;
  EXPECT_EQ(Value(MakeReleaseSource(config, app, nullptr, clock))->Describe(), "tags of upstream");
  config.update.source = config::ReleaseSource::kGithub;
  config.github.repo.clear();
  const auto missing = MakeReleaseSource(config, app, nullptr, clock);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace galaos::release
