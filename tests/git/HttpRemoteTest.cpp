// Remote operations over HTTP with credentials, against the real `git http-backend` behind
// basic authentication (tests/support/GitHttpServer.h): the URL's user info, the configured
// token, bounded retries, and no secret in any error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "git/Repository.h"
#include "support/Assertions.h"
#include "support/GitFixture.h"
#include "support/GitHttpServer.h"

namespace galaos::git {
namespace {

using testing::GitFixture;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kUser = "deploy";
constexpr const char* kToken = "tok-s3cret-123";

class HttpRemoteTest : public ::testing::Test {
 protected:
  Expected<std::vector<RemoteTag>> ListTags(const std::string& url, const RemoteAuth& auth) {
    Repository repository = TRY(Repository::Open(fixture_.app(), auth));
    return repository.ListRemoteTags(url);
  }

  GitFixture fixture_;
  galaos::testing::GitHttpServer server_{fixture_.root(), kUser, kToken};
};

TEST_F(HttpRemoteTest, CredentialsInTheUrlListTagsAndFetch) {
  fixture_.PublishV1_1();
  const std::string url = server_.Url("remote.git", std::string(kUser) + ":" + kToken + "@");
  ASSERT_OK_AND_ASSIGN(std::vector<RemoteTag> tags, ListTags(url, {}));
  EXPECT_EQ(tags.size(), 2u);
  ASSERT_OK_AND_ASSIGN(Repository repository, Repository::Open(fixture_.app()));
  ASSERT_OK_AND_ASSIGN(FetchResult fetched, repository.Fetch(url, {.branch = "main"}));
  EXPECT_EQ(fetched.branch_commit, fixture_.Git(fixture_.author(), {"rev-parse", "main"}));
}

TEST_F(HttpRemoteTest, TheConfiguredTokenIsSentWithTheConfiguredUser) {
  ASSERT_OK_AND_ASSIGN(std::vector<RemoteTag> tags,
                       ListTags(server_.Url("remote.git"), {.username = kUser, .token = kToken}));
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].name, "v1.0.0");
}

TEST_F(HttpRemoteTest, RefusedCredentialsAreTriedOnceEachAndNeverShown) {
  const std::string url = server_.Url("remote.git", std::string(kUser) + ":wrong-secret@");
  const auto tags = ListTags(url, {.username = kUser, .token = "other-secret"});
  EXPECT_ERROR_CODE(tags, ErrorCode::kUnauthorized);
  EXPECT_THAT(tags.error().message(),
              HasSubstr("authentication failed for " + server_.Url("remote.git", "deploy:***@") +
                        " (tried: credentials in the URL, token)"));
  EXPECT_THAT(tags.error().message(), Not(HasSubstr("wrong-secret")));
  EXPECT_THAT(tags.error().message(), Not(HasSubstr("other-secret")));
  // The first request, one per method (libgit2 may send the URL's own pair once more).
  EXPECT_LE(server_.refused(), 4);
}

TEST_F(HttpRemoteTest, WithoutCredentialsTheErrorSaysNoneAreConfigured) {
  const auto tags = ListTags(server_.Url("remote.git"), {});
  EXPECT_ERROR_CODE(tags, ErrorCode::kUnauthorized);
  EXPECT_THAT(tags.error().message(), HasSubstr("(tried: no credentials configured)"));
}

}  // namespace
}  // namespace galaos::git
