// Remote operations over ssh against a real sshd (tests/support/SshServer.h) serving the
// fixture's bare repository: key files, ssh-agent, known_hosts checking, bounded retries.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "core/Process.h"
#include "git/Repository.h"
#include "support/Assertions.h"
#include "support/GitFixture.h"
#include "support/SshServer.h"

namespace galaos::git {
namespace {

namespace fs = std::filesystem;
using testing::GitFixture;
using ::testing::HasSubstr;
using testing::ReadText;
using testing::WriteText;

class SshRemoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("SSH_AUTH_SOCK");  // only the agent a test starts itself
    auto server = galaos::testing::SshServer::Start();
    ASSERT_TRUE(server.has_value()) << server.error().message();
    server_ = std::move(*server);
    url_ = server_->Url(fixture_.remote());
  }

  RemoteAuth AuthorizedKey() const {
    return {.use_agent = false,
            .ssh_keys = {server_->authorized_key()},
            .known_hosts = server_->known_hosts()};
  }

  Expected<std::vector<RemoteTag>> ListTags(const RemoteAuth& auth) {
    Repository repository = TRY(Repository::Open(fixture_.app(), auth));
    return repository.ListRemoteTags(url_);
  }

  GitFixture fixture_;
  std::unique_ptr<galaos::testing::SshServer> server_;
  std::string url_;
};

TEST_F(SshRemoteTest, ListsTagsAndFetchesWithTheAuthorizedKey) {
  fixture_.PublishV1_1();
  ASSERT_OK_AND_ASSIGN(std::vector<RemoteTag> tags, ListTags(AuthorizedKey()));
  std::vector<std::string> names;
  for (const RemoteTag& tag : tags) names.push_back(tag.name);
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("v1.0.0", "v1.1.0"));

  ASSERT_OK_AND_ASSIGN(Repository repository, Repository::Open(fixture_.app(), AuthorizedKey()));
  ASSERT_OK_AND_ASSIGN(FetchResult fetched, repository.Fetch(url_, {.branch = "main"}));
  ASSERT_TRUE(fetched.branch_commit.has_value());
  EXPECT_EQ(*fetched.branch_commit, fixture_.Git(fixture_.author(), {"rev-parse", "main"}));
  ASSERT_OK_AND_ASSIGN(std::string v11, repository.ResolveCommit("v1.1.0"));
  EXPECT_EQ(v11, fixture_.Git(fixture_.author(), {"rev-parse", "v1.1.0^{commit}"}));
}

TEST_F(SshRemoteTest, AWrongKeyFailsOnceWithAnErrorNamingTheUrlAndWhatWasTried) {
  ASSERT_OK_AND_ASSIGN(fs::path wrong, server_->GenerateUnauthorizedKey("wrong_ed25519"));
  RemoteAuth auth = AuthorizedKey();
  auth.ssh_keys = {wrong};
  const auto tags = ListTags(auth);
  EXPECT_ERROR_CODE(tags, ErrorCode::kUnauthorized);
  EXPECT_THAT(tags.error().message(), HasSubstr("authentication failed for " + url_ +
                                                " (tried: key file " + wrong.string() + ")"));

  ASSERT_OK_AND_ASSIGN(Repository repository, Repository::Open(fixture_.app(), auth));
  const auto fetched = repository.Fetch(url_, {.branch = "main"});
  EXPECT_ERROR_CODE(fetched, ErrorCode::kUnauthorized);
  EXPECT_THAT(fetched.error().message(), HasSubstr("authentication failed for " + url_));
}

TEST_F(SshRemoteTest, AnUnknownHostIsRefusedWithItsFingerprint) {
  RemoteAuth auth = AuthorizedKey();
  auth.known_hosts = fixture_.root() / "empty_known_hosts";
  WriteText(auth.known_hosts, "");
  const auto tags = ListTags(auth);
  EXPECT_ERROR_CODE(tags, ErrorCode::kUnavailable);
  EXPECT_THAT(tags.error().message(),
              HasSubstr("unknown ssh host [127.0.0.1]:" + std::to_string(server_->port()) +
                        " (ssh-ed25519 SHA256:"));
  EXPECT_EQ(ReadText(auth.known_hosts), "");  // nothing was trusted
}

TEST_F(SshRemoteTest, AChangedHostKeyIsRefusedEvenWhenNewKeysAreAccepted) {
  ASSERT_OK_AND_ASSIGN(fs::path other, server_->GenerateUnauthorizedKey("other_host"));
  RemoteAuth auth = AuthorizedKey();
  auth.accept_new_host_keys = true;
  auth.known_hosts = fixture_.root() / "stale_known_hosts";
  WriteText(auth.known_hosts, "[127.0.0.1]:" + std::to_string(server_->port()) + " " +
                                  ReadText(other.string() + ".pub"));
  const auto tags = ListTags(auth);
  EXPECT_ERROR_CODE(tags, ErrorCode::kUnavailable);
  EXPECT_THAT(tags.error().message(), HasSubstr("has changed"));
}

TEST_F(SshRemoteTest, AcceptingNewHostKeysRecordsTheKeyOnFirstUse) {
  RemoteAuth auth = AuthorizedKey();
  auth.accept_new_host_keys = true;
  auth.known_hosts = fixture_.root() / "ssh" / "known_hosts";  // neither file nor directory yet
  ASSERT_OK(ListTags(auth));
  // "[127.0.0.1]:<port> ssh-ed25519 <key>\n": the server's line without its comment.
  const std::string recorded = ReadText(auth.known_hosts);
  ASSERT_TRUE(recorded.ends_with('\n')) << recorded;
  EXPECT_TRUE(
      server_->known_hosts_line().starts_with(recorded.substr(0, recorded.size() - 1) + " "))
      << recorded << " vs " << server_->known_hosts_line();

  auth.accept_new_host_keys = false;  // now known: strict checking passes
  ASSERT_OK(ListTags(auth));
}

TEST_F(SshRemoteTest, TheAgentIsTriedBeforeKeyFiles) {
  const fs::path socket = fixture_.root() / "agent.sock";
  core::ProcessOptions agent_options;
  agent_options.argv = {"ssh-agent", "-D", "-a", socket.string()};
  ASSERT_OK_AND_ASSIGN(
      auto agent, galaos::testing::ServerProcess::Start(std::move(agent_options), "SSH_AUTH_SOCK"));
  core::ProcessOptions add;
  add.argv = {"ssh-add", server_->authorized_key().string()};
  add.environment["SSH_AUTH_SOCK"] = socket.string();
  ASSERT_OK_AND_ASSIGN(core::ProcessResult added, core::RunProcess(std::move(add)));
  ASSERT_TRUE(added.Succeeded()) << added.stderr_tail;
  ASSERT_OK_AND_ASSIGN(fs::path wrong, server_->GenerateUnauthorizedKey("wrong_ed25519"));
  ::setenv("SSH_AUTH_SOCK", socket.c_str(), 1);

  RemoteAuth auth = AuthorizedKey();
  auth.use_agent = true;
  auth.ssh_keys = {wrong};
  ASSERT_OK(ListTags(auth));

  auth.use_agent = false;  // the wrong key alone fails
  EXPECT_ERROR_CODE(ListTags(auth), ErrorCode::kUnauthorized);
  ::unsetenv("SSH_AUTH_SOCK");
}

}  // namespace
}  // namespace galaos::git
