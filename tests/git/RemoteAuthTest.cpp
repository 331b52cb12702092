#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "core/TempDir.h"
#include "git/RemoteAuth.h"
#include "support/Assertions.h"

namespace galaos::git {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseUserInfoTest, SplitsUserAndPasswordAndDecodesPercentEscapes) {
  EXPECT_EQ(ParseUserInfo("https://alice:p%40ss%3Aword@git.example.com/app.git"),
            (UserInfo{.user = "alice", .password = "p@ss:word"}));
}

TEST(ParseUserInfoTest, ATokenAloneIsAUserWithoutPassword) {
  EXPECT_EQ(ParseUserInfo("https://ghp_abc123@github.com/o/r.git"),
            (UserInfo{.user = "ghp_abc123", .password = std::nullopt}));
}

TEST(ParseUserInfoTest, NoUserInfoAndAtSignsInThePathAreNotUserInfo) {
  EXPECT_EQ(ParseUserInfo("https://git.example.com/app.git"), std::nullopt);
  EXPECT_EQ(ParseUserInfo("https://git.example.com/team@x/app.git"), std::nullopt);
  EXPECT_EQ(ParseUserInfo("/srv/app.git"), std::nullopt);
}

TEST(ParseSshEndpointTest, ReadsHostAndPortOfSshUrls) {
  EXPECT_EQ(*ParseSshEndpoint("ssh://root@127.0.0.1:2222/srv/app.git"),
            (SshEndpoint{.host = "127.0.0.1", .port = 2222}));
  EXPECT_EQ(*ParseSshEndpoint("ssh://git.example.com/app.git"),
            (SshEndpoint{.host = "git.example.com", .port = 22}));
  EXPECT_EQ(*ParseSshEndpoint("ssh://git@[::1]:2200/app.git"),
            (SshEndpoint{.host = "::1", .port = 2200}));
  EXPECT_EQ(*ParseSshEndpoint("git@github.com:owner/app.git"),
            (SshEndpoint{.host = "github.com", .port = 22}));
}

TEST(ParseSshEndpointTest, RefusesOtherUrlsAndBadPorts) {
  EXPECT_ERROR_CODE(ParseSshEndpoint("https://github.com/o/r.git"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(ParseSshEndpoint("/srv/app.git"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(ParseSshEndpoint("ssh://host:99999/app.git"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(ParseSshEndpoint("ssh://host:22x/app.git"), ErrorCode::kInvalidArgument);
}

TEST(CredentialPlanTest, HttpsOffersUrlCredentialsThenTokenOnceEachAndNeverShowsThem) {
  CredentialPlan plan("https://alice:hunter2@git.example.com/app.git",
                      {.username = "deploy", .token = "tok-secret"});
  auto first = plan.NextUserPassword();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->user, "alice");
  EXPECT_EQ(first->password, "hunter2");
  auto second = plan.NextUserPassword();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->user, "deploy");
  EXPECT_EQ(second->password, "tok-secret");
  EXPECT_FALSE(plan.NextUserPassword().has_value());
  const Error error = plan.Exhausted();
  EXPECT_EQ(error.code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(error.message(),
            "authentication failed for https://alice:***@git.example.com/app.git (tried: "
            "credentials in the URL, token)");
  EXPECT_THAT(error.message(), Not(HasSubstr("hunter2")));
  EXPECT_THAT(error.message(), Not(HasSubstr("tok-secret")));
}

TEST(CredentialPlanTest, ATokenWithoutUsernameGoesAsXAccessToken) {
  CredentialPlan plan("https://git.example.com/app.git", {.token = "tok"});
  auto offered = plan.NextUserPassword();
  ASSERT_TRUE(offered.has_value());
  EXPECT_EQ(offered->user, "x-access-token");
  EXPECT_EQ(offered->password, "tok");
}

TEST(CredentialPlanTest, WithNothingConfiguredTheErrorSaysSo) {
  CredentialPlan plan("https://git.example.com/app.git", {});
  EXPECT_FALSE(plan.NextUserPassword().has_value());
  EXPECT_EQ(plan.Exhausted().message(),
            "authentication failed for https://git.example.com/app.git (tried: no credentials "
            "configured)");
}

TEST(CredentialPlanTest, SshOffersAgentThenEachExistingKeyOnce) {
  ASSERT_OK_AND_ASSIGN(core::TempDir dir, core::TempDir::Create("galaos-auth-"));
  const fs::path key = dir.path() / "id_deploy";
  std::ofstream(key) << "not read by the plan";
  const fs::path missing = dir.path() / "id_missing";
  ::setenv("SSH_AUTH_SOCK", (dir.path() / "agent.sock").c_str(), 1);
  CredentialPlan plan("ssh://git@host/app.git", {.ssh_keys = {missing, key}});
  EXPECT_TRUE(plan.NextAgent().has_value());
  EXPECT_FALSE(plan.NextAgent().has_value());
  auto offered = plan.NextKeyFile();
  ASSERT_TRUE(offered.has_value());
  EXPECT_EQ(offered->private_key, key);
  EXPECT_FALSE(plan.NextKeyFile().has_value());
  EXPECT_EQ(plan.Exhausted().message(),
            "authentication failed for ssh://git@host/app.git (tried: agent, key file " +
                missing.string() + " (missing), key file " + key.string() + ")");
  ::unsetenv("SSH_AUTH_SOCK");
}

TEST(CredentialPlanTest, NoAgentWithoutSocketOrWhenDisabled) {
  ::unsetenv("SSH_AUTH_SOCK");
  CredentialPlan without_socket("ssh://host/app.git", {});
  EXPECT_FALSE(without_socket.NextAgent().has_value());
  ::setenv("SSH_AUTH_SOCK", "/nonexistent/agent.sock", 1);
  CredentialPlan disabled("ssh://host/app.git", {.use_agent = false});
  EXPECT_FALSE(disabled.NextAgent().has_value());
  ::unsetenv("SSH_AUTH_SOCK");
}

TEST(CredentialPlanTest, SshUserComesFromTheUrlThenConfigThenGit) {
  EXPECT_EQ(CredentialPlan("ssh://h/a.git", {}).SshUser("deploy"), "deploy");
  EXPECT_EQ(CredentialPlan("ssh://h/a.git", {.username = "ops"}).SshUser(""), "ops");
  EXPECT_EQ(CredentialPlan("ssh://h/a.git", {}).SshUser(""), "git");
}

}  // namespace
}  // namespace galaos::git
