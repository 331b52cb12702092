#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "GithubFixtureServer.h"
#include "ReleaseHistory.h"
#include "TestSupport.h"
#include "core/TempDir.h"
#include "release/GithubReleaseSource.h"
#include "store/SqliteStore.h"

namespace galaos::release {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using testing::GithubFixtureServer;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testing::Value;
using Mode = GithubFixtureServer::Mode;

constexpr char kToken[] = "ghp_0123456789abcdefSECRETtoken";
constexpr char kListRequest[] = "/repos/octokit-fixture-org/release-assets/releases?per_page=100";

std::vector<std::string> Tags(const std::vector<Release>& releases) {
  std::vector<std::string> tags;
  for (const Release& release : releases) tags.push_back(release.tag);
  return tags;
}

class GithubReleaseSourceTest : public ::testing::Test {
 protected:
  GithubSourceOptions Options() const {
    GithubSourceOptions options;
    options.api_url = server_.ApiUrl();
    options.repo = GithubFixtureServer::kRepo;
    return options;
  }

  Expected<std::vector<Release>> List(GithubSourceOptions options, ResponseCache* cache = nullptr) {
    auto source = Value(GithubReleaseSource::Create(std::move(options), cache, clock_));
    return source->List();
  }
  Expected<std::vector<Release>> List() { return List(Options()); }

  // A fresh store on the same file: what the next CLI run sees.
  std::unique_ptr<store::Store> OpenStore() {
    return Value(store::OpenSqliteStore(state_.path() / "state.db", clock_));
  }

  GithubFixtureServer server_;
  core::TestClock clock_{std::chrono::sys_seconds(std::chrono::seconds(1658205000))};
  core::TempDir state_ = Value(core::TempDir::Create("galaos-release-state-"));
};

TEST_F(GithubReleaseSourceTest, ListsReleasesFromRecordedGithubObjectsWithoutDrafts) {
  server_.SetPages({json::array({server_.Release("v3.0.0", "unfinished", false, /*draft=*/true),
                                 server_.Release("v2.0.0-beta.1", "beta", /*prerelease=*/true),
                                 server_.Release("nightly", "not a version"),
                                 server_.Release("v1.1.0", "## Added\n- search"),
                                 server_.Release("v1.0.0", "Initial release")})});
  const std::vector<Release> releases = Value(List());
  EXPECT_THAT(Tags(releases), ElementsAre("v2.0.0-beta.1", "v1.1.0", "v1.0.0"));
  const Release& release = releases[1];
  EXPECT_EQ(release.version.ToString(), "1.1.0");
  EXPECT_EQ(release.name, "Version v1.1.0");
  EXPECT_EQ(release.notes, "## Added\n- search");
  EXPECT_FALSE(release.prerelease);
  EXPECT_FALSE(release.draft);
  ASSERT_TRUE(release.published_at.has_value());
  EXPECT_EQ(release.published_at->time_since_epoch().count(), 1658205621);  // 2022-07-19T04:40:21Z
  EXPECT_THAT(release.html_url, StartsWith("https://github.com/"));
  EXPECT_THAT(release.html_url, HasSubstr("/releases/tag/v1.1.0"));
  EXPECT_TRUE(release.commit.empty());  // no repository given
  EXPECT_TRUE(releases[0].prerelease);
}

TEST_F(GithubReleaseSourceTest, ReleaseMarkedPrereleaseOnGithubIsAPrerelease) {
  server_.SetPages({json::array({server_.Release("v1.2.0", "", /*prerelease=*/true)})});
  const std::vector<Release> releases = Value(List());
  ASSERT_EQ(releases.size(), 1u);
  EXPECT_TRUE(releases[0].prerelease);
}

TEST_F(GithubReleaseSourceTest, SendsGithubsHeadersAndTheTokenAsBearer) {
  server_.SetPages({json::array({server_.Release("v1.0.0", "")})});
  GithubSourceOptions options = Options();
  options.token = kToken;
  Value(List(options));
  const auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, kListRequest);
  EXPECT_EQ(requests[0].headers.at("accept"), "application/vnd.github+json");
  EXPECT_EQ(requests[0].headers.at("x-github-api-version"), "2022-11-28");
  EXPECT_THAT(requests[0].headers.at("user-agent"), StartsWith("galaos-updater/"));
  EXPECT_EQ(requests[0].headers.at("authorization"), std::string("Bearer ") + kToken);
  EXPECT_FALSE(requests[0].headers.contains("if-none-match"));
}

TEST_F(GithubReleaseSourceTest, NextRunSendsIfNoneMatchAndA304ReturnsTheCachedReleases) {
  server_.SetPages(
      {json::array({server_.Release("v1.1.0", "notes"), server_.Release("v1.0.0", "")})});
  std::vector<Release> first;
  {
    auto store = OpenStore();
    StoreResponseCache cache(*store);
    first = Value(List(Options(), &cache));
  }
  auto store = OpenStore();
  StoreResponseCache cache(*store);
  const std::vector<Release> second = Value(List(Options(), &cache));

  const auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].headers.at("if-none-match"), server_.RecordedEtag(0));
  EXPECT_EQ(server_.FullAnswers(), 1);
  EXPECT_EQ(server_.NotModifiedAnswers(), 1);
  EXPECT_THAT(Tags(second), ElementsAre("v1.1.0", "v1.0.0"));
  EXPECT_EQ(second[0].notes, first[0].notes);
}

TEST_F(GithubReleaseSourceTest, ChangedListReplacesTheCachedOne) {
  auto store = OpenStore();
  StoreResponseCache cache(*store);
  server_.SetPages({json::array({server_.Release("v1.0.0", "")})});
  Value(List(Options(), &cache));
  server_.SetPages({json::array({server_.Release("v1.1.0", ""), server_.Release("v1.0.0", "")})});
  EXPECT_THAT(Tags(Value(List(Options(), &cache))), ElementsAre("v1.1.0", "v1.0.0"));
  EXPECT_THAT(Tags(Value(List(Options(), &cache))), ElementsAre("v1.1.0", "v1.0.0"));
  EXPECT_EQ(server_.FullAnswers(), 2);
  EXPECT_EQ(server_.NotModifiedAnswers(), 1);
}

TEST_F(GithubReleaseSourceTest, FollowsTheLinkHeaderOverTwoPagesAndCachesEach) {
  server_.SetPages({json::array({server_.Release("v1.2.0", ""), server_.Release("v1.1.0", "")}),
                    json::array({server_.Release("v1.0.0", "")})});
  auto store = OpenStore();
  StoreResponseCache cache(*store);
  EXPECT_THAT(Tags(Value(List(Options(), &cache))), ElementsAre("v1.2.0", "v1.1.0", "v1.0.0"));
  auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].path, kListRequest);
  EXPECT_THAT(requests[1].path, StartsWith("/repositories/515435940/releases?"));
  EXPECT_THAT(requests[1].path, HasSubstr("page=2"));

  EXPECT_THAT(Tags(Value(List(Options(), &cache))), ElementsAre("v1.2.0", "v1.1.0", "v1.0.0"));
  EXPECT_EQ(server_.FullAnswers(), 2);
  EXPECT_EQ(server_.NotModifiedAnswers(), 2);
}

TEST_F(GithubReleaseSourceTest, ExhaustedRateLimitIsUnavailableUntilTheResetTime) {
  server_.SetMode(Mode::kRateLimited);
  const long long reset = server_.RecordedRateLimitReset();  // 1658208999
  clock_.SetWallTime(std::chrono::system_clock::time_point(std::chrono::seconds(reset - 57 * 60)));
  const auto releases = List();
  ASSERT_FALSE(releases.has_value());
  EXPECT_EQ(releases.error().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(releases.error().message(),
              HasSubstr("GitHub API rate limit exhausted (HTTP 403: API rate limit exceeded"));
  EXPECT_THAT(releases.error().message(),
              HasSubstr("it resets at 2022-07-19T05:36:39Z (in 57 min)"));
  EXPECT_THAT(releases.error().message(), HasSubstr("github.token"));
}

TEST_F(GithubReleaseSourceTest, RetryAfterIsUnavailableNamingTheWait) {
  server_.SetMode(Mode::kRetryAfter);
  const auto releases = List();
  ASSERT_FALSE(releases.has_value());
  EXPECT_EQ(releases.error().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(releases.error().message(), HasSubstr("GitHub asks to retry after 1 min (HTTP 403: "
                                                    "You have exceeded a secondary rate limit"));
}

TEST_F(GithubReleaseSourceTest, ServerErrorIsAnErrorWithTheStatus) {
  server_.SetMode(Mode::kServerError);
  const auto releases = List();
  ASSERT_FALSE(releases.has_value());
  EXPECT_EQ(releases.error().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(releases.error().message(),
              HasSubstr("listing GitHub releases of octokit-fixture-org/release-assets: GET " +
                        server_.ApiUrl() + kListRequest + ": HTTP 500: Server Error"));
}

TEST_F(GithubReleaseSourceTest, NotFoundIsAnErrorWithTheStatusAndGithubsMessage) {
  server_.SetMode(Mode::kNotFound);
  const auto releases = List();
  ASSERT_FALSE(releases.has_value());
  EXPECT_EQ(releases.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(releases.error().message(),
              HasSubstr("HTTP 404: " + server_.Recorded404Message() + " (no such repository"));
}

TEST_F(GithubReleaseSourceTest, TheTokenAppearsInNoError) {
  GithubSourceOptions options = Options();
  options.token = kToken;
  options.timeout = std::chrono::milliseconds(300);
  for (const Mode mode :
       {Mode::kRateLimited, Mode::kRetryAfter, Mode::kServerError, Mode::kNotFound, Mode::kSlow}) {
    server_.SetMode(mode);
    const auto releases = List(options);
    ASSERT_FALSE(releases.has_value());
    EXPECT_THAT(releases.error().message(), Not(HasSubstr(kToken)));
    EXPECT_THAT(releases.error().message(), Not(HasSubstr("SECRET")));
  }
}

TEST_F(GithubReleaseSourceTest, UnreadableAnswerIsAnErrorAndIsNotCached) {
  auto store = OpenStore();
  StoreResponseCache cache(*store);
  server_.SetMode(Mode::kHtml);
  const auto releases = List(Options(), &cache);
  ASSERT_FALSE(releases.has_value());
  EXPECT_EQ(releases.error().code(), ErrorCode::kFailed);
  EXPECT_THAT(releases.error().message(), HasSubstr("the answer is not a JSON array of releases"));

  server_.SetMode(Mode::kNormal);
  server_.SetPages({json::array({server_.Release("v1.0.0", "")})});
  EXPECT_THAT(Tags(Value(List(Options(), &cache))), ElementsAre("v1.0.0"));
  EXPECT_FALSE(server_.Requests().back().headers.contains("if-none-match"));
}

TEST_F(GithubReleaseSourceTest, SlowServerTimesOut) {
  server_.SetMode(Mode::kSlow);
  GithubSourceOptions options = Options();
  options.timeout = std::chrono::milliseconds(300);
  const auto releases = List(options);
  ASSERT_FALSE(releases.has_value());
  EXPECT_EQ(releases.error().code(), ErrorCode::kTimeout);
}

TEST_F(GithubReleaseSourceTest, UnreachableServerIsUnavailable) {
  GithubSourceOptions options = Options();
  options.api_url = "http://127.0.0.1:1";
  const auto releases = List(options);
  ASSERT_FALSE(releases.has_value());
  EXPECT_EQ(releases.error().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(releases.error().message(), HasSubstr("GET http://127.0.0.1:1/repos/"));
}

TEST_F(GithubReleaseSourceTest, CommitsComeFromTheTagsOfTheGitRemote) {
  testing::ReleaseHistory history;
  const git::Repository app = Value(git::Repository::Open(history.git().app()));
  server_.SetPages({json::array({server_.Release("v1.2.0", "not pushed to git"),
                                 server_.Release("v1.1.0", ""), server_.Release("v1.0.0", "")})});
  GithubSourceOptions options = Options();
  options.repository = &app;
  options.remote = history.git().remote().string();
  const std::vector<Release> releases = Value(List(options));
  EXPECT_THAT(Tags(releases), ElementsAre("v1.2.0", "v1.1.0", "v1.0.0"));
  EXPECT_TRUE(releases[0].commit.empty());
  EXPECT_EQ(releases[1].commit, history.CommitOf("v1.1.0"));
  EXPECT_EQ(releases[2].commit, history.CommitOf("v1.0.0"));
}

TEST_F(GithubReleaseSourceTest, CreateRefusesMalformedRepositoriesAndApiUrls) {
  for (const char* repo : {"", "owner", "a/b/c", "../x", "owner/..", "own er/x", "o/x;id"}) {
    GithubSourceOptions options = Options();
    options.repo = repo;
    const auto source = GithubReleaseSource::Create(options, nullptr, clock_);
    ASSERT_FALSE(source.has_value()) << repo;
    EXPECT_EQ(source.error().code(), ErrorCode::kInvalidArgument);
  }
  GithubSourceOptions options = Options();
  options.api_url = "file:///etc";
  EXPECT_FALSE(GithubReleaseSource::Create(options, nullptr, clock_).has_value());
}

}  // namespace
}  // namespace galaos::release
