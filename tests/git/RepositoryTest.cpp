#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "git/Repository.h"
#include "support/GitFixture.h"

namespace galaos::git {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using testing::GitFixture;
using ::testing::HasSubstr;
using testing::ReadText;
using ::testing::StartsWith;
using testing::WriteText;

template <class T>
T Value(Expected<T> result) {
  if (!result) throw std::runtime_error(result.error().message());
  return std::move(*result);
}

void Ok(const Status& status) {
  if (!status) throw std::runtime_error(status.error().message());
}

std::string FileUrl(const fs::path& path) {
  return "file://" + path.string();
}

class RepositoryTest : public ::testing::Test {
 protected:
  // The commit a tag peels to, according to the real git.
  std::string CommitOf(const std::string& rev) {
    return fixture_.Git(fixture_.author(), {"rev-parse", rev + "^{commit}"});
  }
  std::string GitStatus() { return fixture_.Git(fixture_.app(), {"status", "--porcelain"}); }
  Repository OpenApp() { return Value(Repository::Open(fixture_.app())); }

  GitFixture fixture_;
};

TEST_F(RepositoryTest, OpenOfMissingDirectoryIsNotFound) {
  const auto missing = Repository::Open(fixture_.root() / "nowhere");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(missing.error().message(),
              StartsWith("open repository " + (fixture_.root() / "nowhere").string() + ": "));
}

TEST_F(RepositoryTest, OpenOfPlainDirectoryInsideARepositoryIsNotFound) {
  fs::create_directories(fixture_.app() / "sub");
  const auto sub = Repository::Open(fixture_.app() / "sub");  // parents are not searched
  ASSERT_FALSE(sub.has_value());
  EXPECT_EQ(sub.error().code(), ErrorCode::kNotFound);
}

TEST_F(RepositoryTest, HeadCommitAndCurrentBranchOfAClone) {
  Repository repo = OpenApp();
  EXPECT_EQ(repo.workdir(), fixture_.app());
  EXPECT_EQ(Value(repo.HeadCommit()), CommitOf("v1.0.0"));
  EXPECT_EQ(Value(repo.CurrentBranch()), std::optional<std::string>("main"));
  const HeadState head = Value(repo.Head());
  EXPECT_EQ(head.commit, CommitOf("v1.0.0"));
  EXPECT_EQ(head.branch, std::optional<std::string>("main"));
}

TEST_F(RepositoryTest, ResolveCommitPeelsTagsAndAcceptsIdsAndBranches) {
  fixture_.PublishV1_1();
  fixture_.Git(fixture_.app(), {"fetch", "--quiet", "--tags", "origin"});
  Repository repo = OpenApp();
  const std::string v1 = CommitOf("v1.0.0");
  const std::string v11 = CommitOf("v1.1.0");
  ASSERT_NE(fixture_.Git(fixture_.author(), {"rev-parse", "v1.0.0"}), v1);  // annotated
  EXPECT_EQ(Value(repo.ResolveCommit("v1.0.0")), v1);
  EXPECT_EQ(Value(repo.ResolveCommit("refs/tags/v1.0.0")), v1);
  EXPECT_EQ(Value(repo.ResolveCommit("v1.1.0")), v11);  // lightweight
  EXPECT_EQ(Value(repo.ResolveCommit("origin/main")), v11);
  EXPECT_EQ(Value(repo.ResolveCommit("main")), v1);
  EXPECT_EQ(Value(repo.ResolveCommit("HEAD")), v1);
  EXPECT_EQ(Value(repo.ResolveCommit(v11)), v11);
  EXPECT_EQ(Value(repo.ResolveCommit(v11.substr(0, 12))), v11);
}

TEST_F(RepositoryTest, ResolveCommitOfUnknownNameIsNotFoundAndRevisionSyntaxIsRefused) {
  Repository repo = OpenApp();
  const auto unknown = repo.ResolveCommit("v9.9.9");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(unknown.error().message(), HasSubstr("v9.9.9"));
  const auto missing_id = repo.ResolveCommit(std::string(40, 'a'));
  ASSERT_FALSE(missing_id.has_value());
  EXPECT_EQ(missing_id.error().code(), ErrorCode::kNotFound);
  for (const char* revision : {"HEAD~1", "HEAD^", "v1.0.0^{tree}", "main@{1}"}) {
    const auto refused = repo.ResolveCommit(revision);
    ASSERT_FALSE(refused.has_value()) << revision;
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument) << revision;
  }
}

TEST_F(RepositoryTest, ListRemoteTagsGivesPeeledCommitsOfAnnotatedAndLightweightTags) {
  fixture_.PublishV1_1();
  Repository repo = OpenApp();
  const std::vector<RemoteTag> tags = Value(repo.ListRemoteTags("origin"));
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0].name, "v1.0.0");
  EXPECT_EQ(tags[0].commit, CommitOf("v1.0.0"));
  EXPECT_EQ(tags[1].name, "v1.1.0");
  EXPECT_EQ(tags[1].commit, CommitOf("v1.1.0"));
}

TEST_F(RepositoryTest, ListRemoteTagsWorksWithPlainPathAndFileUrl) {
  fixture_.TagAndPush("v1.0.1", "annotated");
  Repository repo = OpenApp();
  for (const std::string& remote : {fixture_.remote().string(), FileUrl(fixture_.remote())}) {
    SCOPED_TRACE(remote);
    const std::vector<RemoteTag> tags = Value(repo.ListRemoteTags(remote));
    ASSERT_EQ(tags.size(), 2u);
    EXPECT_EQ(tags[1].name, "v1.0.1");
    EXPECT_EQ(tags[1].commit, CommitOf("v1.0.0"));
  }
}

TEST_F(RepositoryTest, RelativeLocalRemotesAreRelativeToTheWorkingTree) {
  fixture_.Git(fixture_.app(), {"remote", "add", "relative", "../remote.git"});
  ASSERT_NE(fs::current_path(), fixture_.app());
  Repository repo = OpenApp();
  EXPECT_EQ(Value(repo.ListRemoteTags("relative")).size(), 1u);
  EXPECT_EQ(Value(repo.ListRemoteTags("../remote.git")).size(), 1u);
  EXPECT_EQ(Value(repo.Fetch("relative", {.branch = "main"})).branch_commit,
            std::optional<std::string>(CommitOf("v1.0.0")));
}

TEST_F(RepositoryTest, UnknownRemoteNameIsNotFound) {
  Repository repo = OpenApp();
  const auto tags = repo.ListRemoteTags("upstream");
  ASSERT_FALSE(tags.has_value());
  EXPECT_EQ(tags.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(tags.error().message(),
              StartsWith("list tags of upstream: no remote named 'upstream' is configured"));
}

TEST_F(RepositoryTest, MissingRemoteRepositoryIsAClearError) {
  Repository repo = OpenApp();
  const std::string missing = (fixture_.root() / "missing.git").string();
  for (const std::string& remote : {missing, FileUrl(missing)}) {
    SCOPED_TRACE(remote);
    const auto tags = repo.ListRemoteTags(remote);
    ASSERT_FALSE(tags.has_value());
    EXPECT_EQ(tags.error().code(), ErrorCode::kNotFound);
    EXPECT_EQ(tags.error().message(), "list tags of " + remote + ": no repository at " + missing);
    const auto fetched = repo.Fetch(remote, {});
    ASSERT_FALSE(fetched.has_value());
    EXPECT_THAT(fetched.error().message(), StartsWith("fetch " + remote + ": "));
  }
}

TEST_F(RepositoryTest, UnreachableRemoteIsUnavailableWithLibgit2Reason) {
  Repository repo = OpenApp();
  const auto fetched = repo.Fetch("http://127.0.0.1:1/app.git", {});
  ASSERT_FALSE(fetched.has_value());
  EXPECT_EQ(fetched.error().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(fetched.error().message(), StartsWith("fetch http://127.0.0.1:1/app.git: "));
}

TEST_F(RepositoryTest, CredentialsInRemoteUrlsAreNotRepeatedInErrors) {
  Repository repo = OpenApp();
  const auto fetched = repo.Fetch("http://user:s3cret@127.0.0.1:1/app.git", {});
  ASSERT_FALSE(fetched.has_value());
  EXPECT_THAT(fetched.error().message(), StartsWith("fetch http://user:***@127.0.0.1:1/app.git: "));
  EXPECT_THAT(fetched.error().message(), ::testing::Not(HasSubstr("s3cret")));
}

TEST_F(RepositoryTest, RemoteBranchHeadIsTheRemotesCommit) {
  fixture_.PublishV1_1();
  Repository repo = OpenApp();
  EXPECT_EQ(Value(repo.RemoteBranchHead("origin", "main")), CommitOf("v1.1.0"));
  const auto missing = repo.RemoteBranchHead("origin", "develop");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(missing.error().message(), HasSubstr("develop"));
}

TEST_F(RepositoryTest, FetchBringsNewTagsAndTheBranchAndReportsProgress) {
  fixture_.PublishV1_1();
  Repository repo = OpenApp();
  ASSERT_FALSE(repo.ResolveCommit("v1.1.0").has_value());
  std::vector<FetchProgress> progress;
  const FetchResult result =
      Value(repo.Fetch("origin", {.branch = "main", .tags = true},
                       [&](const FetchProgress& p) { progress.push_back(p); }));
  EXPECT_EQ(result.branch_commit, std::optional<std::string>(CommitOf("v1.1.0")));
  EXPECT_EQ(Value(repo.ResolveCommit("v1.1.0")), CommitOf("v1.1.0"));
  EXPECT_EQ(Value(repo.ResolveCommit("refs/remotes/origin/main")), CommitOf("v1.1.0"));
  EXPECT_EQ(Value(repo.HeadCommit()), CommitOf("v1.0.0"));  // fetch never moves HEAD
  ASSERT_FALSE(progress.empty());
  EXPECT_GT(progress.back().total_objects, 0u);
  EXPECT_EQ(progress.back().received_objects, progress.back().total_objects);
  EXPECT_EQ(result.stats.received_objects, result.stats.total_objects);
  EXPECT_EQ(fixture_.Git(fixture_.app(), {"rev-parse", "origin/main"}), CommitOf("v1.1.0"));
}

TEST_F(RepositoryTest, FetchMovesLocalTagsWhereTheRemoteMovedThem) {
  fixture_.PublishV1_1();
  Repository repo = OpenApp();
  Value(repo.Fetch("origin", {}));
  fixture_.Git(fixture_.author(), {"tag", "--force", "v1.1.0", "v1.0.0^{commit}"});
  fixture_.Git(fixture_.author(), {"push", "--quiet", "--force", "origin", "refs/tags/v1.1.0"});
  Value(repo.Fetch("origin", {}));
  EXPECT_EQ(Value(repo.ResolveCommit("v1.1.0")), CommitOf("v1.0.0"));
}

TEST_F(RepositoryTest, FetchFromFileUrlAndPathBringsObjectsAndTags) {
  const fs::path second_app = fixture_.root() / "app2";
  fixture_.Git(fixture_.root(), {"clone", "--quiet", fixture_.remote().string(), second_app});
  fixture_.PublishV1_1();
  const std::vector<std::pair<fs::path, std::string>> cases = {
      {fixture_.app(), FileUrl(fixture_.remote())}, {second_app, fixture_.remote().string()}};
  for (const auto& [workdir, remote] : cases) {
    SCOPED_TRACE(remote);
    Repository repo = Value(Repository::Open(workdir));
    ASSERT_FALSE(repo.ResolveCommit(CommitOf("v1.1.0")).has_value());
    const FetchResult result = Value(repo.Fetch(remote, {.branch = "main", .tags = true}));
    ASSERT_EQ(result.branch_commit, std::optional<std::string>(CommitOf("v1.1.0")));
    EXPECT_EQ(Value(repo.ResolveCommit(*result.branch_commit)), CommitOf("v1.1.0"));
    EXPECT_EQ(Value(repo.ResolveCommit("v1.1.0")), CommitOf("v1.1.0"));
  }
}

TEST_F(RepositoryTest, FetchOfMissingBranchIsNotFound) {
  Repository repo = OpenApp();
  const auto fetched = repo.Fetch("origin", {.branch = "develop", .tags = false});
  ASSERT_FALSE(fetched.has_value());
  EXPECT_EQ(fetched.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(fetched.error().message(), "fetch origin: the remote has no branch 'develop'");
}

TEST_F(RepositoryTest, HostileNamesAreRefusedAndCreateNothing) {
  const fs::path marker = fixture_.root() / "pwned";
  const std::string touch = "touch " + marker.string();
  // Control: the real git CLI does run this option, so the marker check below can fail.
  fixture_.GitSucceeds(fixture_.app(),
                       {"ls-remote", "--upload-pack=" + touch, fixture_.remote().string()});
  ASSERT_TRUE(fs::exists(marker));
  fs::remove(marker);

  Repository repo = OpenApp();
  const std::string refs_before = fixture_.Git(fixture_.app(), {"for-each-ref"});
  const std::string head = Value(repo.HeadCommit());
  for (const std::string& hostile :
       {"--upload-pack=" + touch, ";" + touch, "$(" + touch + ")", "`" + touch + "`",
        "-c core.sshCommand=" + touch, "ext::sh -c " + touch}) {
    SCOPED_TRACE(hostile);
    const auto expect_refused = [](const auto& result) {
      ASSERT_FALSE(result.has_value());
      EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
    };
    expect_refused(repo.ListRemoteTags(hostile));
    expect_refused(repo.RemoteBranchHead(hostile, "main"));
    expect_refused(repo.RemoteBranchHead("origin", hostile));
    expect_refused(repo.Fetch(hostile, {.branch = "main"}));
    expect_refused(repo.Fetch("origin", {.branch = hostile}));
    expect_refused(repo.ResolveCommit(hostile));
    expect_refused(repo.CheckoutDetached(hostile));
    expect_refused(repo.CheckoutBranch(hostile, head));
    expect_refused(repo.ResetHard({.commit = head, .branch = hostile}));
    expect_refused(repo.LogBetween(hostile, head));
    expect_refused(repo.DescribeTags(hostile));
    expect_refused(repo.ReadFileAtCommit(hostile, "README.md"));
  }
  EXPECT_FALSE(fs::exists(marker));
  EXPECT_EQ(fixture_.Git(fixture_.app(), {"for-each-ref"}), refs_before);
  EXPECT_EQ(Value(repo.HeadCommit()), head);
}

TEST_F(RepositoryTest, WorktreeChangesListsModifiedStagedAndUntrackedButNotIgnored) {
  Repository repo = OpenApp();
  EXPECT_TRUE(Value(repo.WorktreeChanges()).empty());
  WriteText(fixture_.app() / "node_modules/dep/index.js", "ignored\n");
  WriteText(fixture_.app() / "debug.log", "ignored\n");
  EXPECT_TRUE(Value(repo.WorktreeChanges()).empty());

  WriteText(fixture_.app() / "app.js", "console.log('patched');\n");
  WriteText(fixture_.app() / "scratch/notes.txt", "untracked\n");
  WriteText(fixture_.app() / "staged.txt", "staged\n");
  fixture_.Git(fixture_.app(), {"add", "staged.txt"});
  fs::remove(fixture_.app() / "old.txt");
  std::vector<std::string> seen;
  for (const WorktreeChange& change : Value(repo.WorktreeChanges())) {
    seen.push_back(change.path + " " + std::string(ChangeKindName(change.kind)));
  }
  EXPECT_THAT(seen, ElementsAre("app.js modified", "old.txt deleted", "scratch/ untracked",
                                "staged.txt added"));
}

TEST_F(RepositoryTest, CheckoutDetachedInstallsExactlyTheTagCommit) {
  fixture_.PublishV1_1();
  Repository repo = OpenApp();
  WriteText(fixture_.app() / "node_modules/dep/index.js", "kept\n");
  Value(repo.Fetch("origin", {.branch = "main"}));
  const std::vector<RemoteTag> tags = Value(repo.ListRemoteTags("origin"));
  const auto v11 = std::ranges::find(tags, std::string("v1.1.0"), &RemoteTag::name);
  ASSERT_NE(v11, tags.end());

  Ok(repo.CheckoutDetached(v11->commit));
  EXPECT_EQ(Value(repo.HeadCommit()), CommitOf("v1.1.0"));
  EXPECT_EQ(Value(repo.CurrentBranch()), std::nullopt);
  EXPECT_FALSE(fs::exists(fixture_.app() / "old.txt"));
  EXPECT_EQ(ReadText(fixture_.app() / "new.txt"), "added in v1.1.0\n");
  EXPECT_EQ(ReadText(fixture_.app() / "app.js"), "console.log('v2');\n");
  EXPECT_EQ(ReadText(fixture_.app() / "node_modules/dep/index.js"), "kept\n");
  EXPECT_TRUE(Value(repo.WorktreeChanges()).empty());
  EXPECT_EQ(GitStatus(), "");
  EXPECT_EQ(fixture_.Git(fixture_.app(), {"rev-parse", "HEAD"}), CommitOf("v1.1.0"));
  EXPECT_EQ(fixture_.Git(fixture_.app(), {"rev-parse", "main"}), CommitOf("v1.0.0"));
}

TEST_F(RepositoryTest, ResetHardRestoresSnapshotAndRemovesFilesOfTheNewerCommit) {
  fixture_.PublishV1_1();
  Repository repo = OpenApp();
  WriteText(fixture_.app() / "node_modules/dep/index.js", "kept\n");
  const HeadState snapshot = Value(repo.Head());
  Value(repo.Fetch("origin", {.branch = "main"}));
  Ok(repo.CheckoutDetached(Value(repo.ResolveCommit("v1.1.0"))));
  // What an update leaves behind: a build output, a rewritten tracked file, a staged file.
  WriteText(fixture_.app() / "dist/bundle.js", "built\n");
  WriteText(fixture_.app() / "package.json", "rewritten by npm\n");
  WriteText(fixture_.app() / "staged.txt", "staged\n");
  WriteText(fixture_.app() / "install.log", "ignored, but staged by force\n");
  fixture_.Git(fixture_.app(), {"add", "staged.txt"});
  fixture_.Git(fixture_.app(), {"add", "--force", "install.log"});

  Ok(repo.ResetHard(snapshot));
  EXPECT_EQ(Value(repo.Head()).commit, snapshot.commit);
  EXPECT_EQ(Value(repo.CurrentBranch()), std::optional<std::string>("main"));
  EXPECT_EQ(ReadText(fixture_.app() / "old.txt"), "only in v1.0.0\n");
  EXPECT_EQ(ReadText(fixture_.app() / "app.js"), "console.log('v1');\n");
  EXPECT_EQ(ReadText(fixture_.app() / "package.json"), R"({"name":"sample","version":"1.0.0"})"
                                                       "\n");
  EXPECT_FALSE(fs::exists(fixture_.app() / "new.txt"));
  EXPECT_FALSE(fs::exists(fixture_.app() / "dist"));
  EXPECT_FALSE(fs::exists(fixture_.app() / "staged.txt"));
  EXPECT_EQ(ReadText(fixture_.app() / "node_modules/dep/index.js"), "kept\n");
  EXPECT_TRUE(Value(repo.WorktreeChanges()).empty());
  EXPECT_EQ(GitStatus(), "");
  EXPECT_EQ(fixture_.Git(fixture_.app(), {"symbolic-ref", "HEAD"}), "refs/heads/main");
}

TEST_F(RepositoryTest, ResetHardAfterInterruptedCheckoutRemovesStrayNewFiles) {
  // A crash between writing the new tree and moving HEAD: HEAD is still the snapshot, but
  // the working tree holds files of the newer commit that git sees as untracked.
  fixture_.PublishV1_1();
  Repository repo = OpenApp();
  const HeadState snapshot = Value(repo.Head());
  WriteText(fixture_.app() / "new.txt", "added in v1.1.0\n");
  fs::remove(fixture_.app() / "old.txt");
  Ok(repo.ResetHard(snapshot));
  EXPECT_FALSE(fs::exists(fixture_.app() / "new.txt"));
  EXPECT_TRUE(fs::exists(fixture_.app() / "old.txt"));
  EXPECT_EQ(GitStatus(), "");
}

TEST_F(RepositoryTest, ResetHardWithoutBranchDetachesAtTheCommit) {
  fixture_.PublishV1_1();
  Repository repo = OpenApp();
  Value(repo.Fetch("origin", {}));
  Ok(repo.ResetHard({.commit = Value(repo.ResolveCommit("v1.1.0")), .branch = std::nullopt}));
  EXPECT_EQ(Value(repo.CurrentBranch()), std::nullopt);
  EXPECT_EQ(Value(repo.HeadCommit()), CommitOf("v1.1.0"));
  EXPECT_EQ(fixture_.Git(fixture_.app(), {"rev-parse", "main"}), CommitOf("v1.0.0"));
  EXPECT_EQ(GitStatus(), "");
}

TEST_F(RepositoryTest, CheckoutBranchFastForwardsAndResetHardMovesItBack) {
  fixture_.PublishV1_1();
  Repository repo = OpenApp();
  const HeadState snapshot = Value(repo.Head());
  const FetchResult fetched = Value(repo.Fetch("origin", {.branch = "main", .tags = false}));
  Ok(repo.CheckoutBranch("main", *fetched.branch_commit));
  EXPECT_EQ(Value(repo.CurrentBranch()), std::optional<std::string>("main"));
  EXPECT_EQ(fixture_.Git(fixture_.app(), {"rev-parse", "main"}), CommitOf("v1.1.0"));
  EXPECT_FALSE(fs::exists(fixture_.app() / "old.txt"));
  EXPECT_EQ(GitStatus(), "");

  Ok(repo.ResetHard(snapshot));
  EXPECT_EQ(fixture_.Git(fixture_.app(), {"rev-parse", "main"}), CommitOf("v1.0.0"));
  EXPECT_EQ(fixture_.Git(fixture_.app(), {"symbolic-ref", "HEAD"}), "refs/heads/main");
  EXPECT_TRUE(fs::exists(fixture_.app() / "old.txt"));
  EXPECT_EQ(GitStatus(), "");
}

TEST_F(RepositoryTest, CheckoutBranchRefusesNonFastForwardUnlessForced) {
  fixture_.PublishV1_1();
  Repository repo = OpenApp();
  Value(repo.Fetch("origin", {.branch = "main"}));
  Ok(repo.CheckoutBranch("main", "origin/main"));
  const auto refused = repo.CheckoutBranch("main", "v1.0.0");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kConflict);
  EXPECT_THAT(refused.error().message(), HasSubstr("not a fast-forward"));
  EXPECT_EQ(Value(repo.HeadCommit()), CommitOf("v1.1.0"));
  EXPECT_FALSE(fs::exists(fixture_.app() / "old.txt"));

  Ok(repo.CheckoutBranch("main", "v1.0.0", BranchMove::kForce));
  EXPECT_EQ(Value(repo.HeadCommit()), CommitOf("v1.0.0"));
  EXPECT_TRUE(fs::exists(fixture_.app() / "old.txt"));
  EXPECT_EQ(GitStatus(), "");
}

TEST_F(RepositoryTest, CheckoutBranchCreatesAMissingLocalBranch) {
  fixture_.PublishV1_1();
  Repository repo = OpenApp();
  Value(repo.Fetch("origin", {}));
  Ok(repo.CheckoutBranch("release", "v1.1.0"));
  EXPECT_EQ(Value(repo.CurrentBranch()), std::optional<std::string>("release"));
  EXPECT_EQ(fixture_.Git(fixture_.app(), {"rev-parse", "release"}), CommitOf("v1.1.0"));
}

TEST_F(RepositoryTest, LogBetweenTwoTagsListsTheCommitsNewestFirst) {
  fixture_.PublishV1_1();
  Repository repo = OpenApp();
  Value(repo.Fetch("origin", {}));
  const std::vector<CommitInfo> log = Value(repo.LogBetween("v1.0.0", "v1.1.0"));
  EXPECT_EQ(fixture_.Git(fixture_.author(), {"log", "--format=%H", "v1.0.0..v1.1.0"}),
            log.size() == 2 ? log[0].id + "\n" + log[1].id : "");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].subject, "fix!: drop old.txt");
  EXPECT_EQ(log[0].body, "old.txt was unused.\n\nBREAKING CHANGE: old.txt is gone.");
  EXPECT_EQ(log[1].subject, "feat: add new module");
  EXPECT_EQ(log[1].body, "Adds new.txt.");
  EXPECT_EQ(log[0].author_name, "Ada Author");
  EXPECT_EQ(log[0].author_email, "ada@example.org");
  EXPECT_EQ(log[0].time.time_since_epoch().count(),
            std::stoll(fixture_.Git(fixture_.author(), {"log", "-1", "--format=%at", "v1.1.0"})));
  EXPECT_TRUE(Value(repo.LogBetween("v1.1.0", "v1.1.0")).empty());
}

TEST_F(RepositoryTest, DescribeTagsMatchesGitDescribe) {
  fixture_.PublishV1_1();
  fixture_.CommitAndPush({{"later.txt", "after the release\n"}}, "chore: later");
  fixture_.CommitAndPush({{"later.txt", "and again\n"}}, "chore: later again");
  fixture_.Git(fixture_.app(), {"pull", "--quiet", "--ff-only", "--tags", "origin", "main"});
  Repository repo = OpenApp();

  const Description head = Value(repo.DescribeTags());
  EXPECT_EQ(head.tag, "v1.1.0");
  EXPECT_EQ(head.distance, 2u);
  EXPECT_EQ(head.ToString(), fixture_.Git(fixture_.app(), {"describe", "--tags"}));
  EXPECT_EQ(fixture_.Git(fixture_.app(), {"rev-parse", head.abbreviated_id}),
            Value(repo.HeadCommit()));

  const Description tagged = Value(repo.DescribeTags("v1.0.0"));
  EXPECT_EQ(tagged.tag, "v1.0.0");
  EXPECT_EQ(tagged.distance, 0u);
  EXPECT_EQ(tagged.ToString(), "v1.0.0");
}

TEST_F(RepositoryTest, DescribeTagsWithoutAnyTagIsNotFound) {
  fixture_.Git(fixture_.app(), {"tag", "--delete", "v1.0.0"});
  Repository repo = OpenApp();
  const auto described = repo.DescribeTags();
  ASSERT_FALSE(described.has_value());
  EXPECT_EQ(described.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(described.error().message(), StartsWith("describe HEAD: "));
  EXPECT_THAT(described.error().message(), HasSubstr("no tag is reachable"));
}

TEST_F(RepositoryTest, ReadFileAtCommitReadsTheTargetVersionWithoutCheckout) {
  fixture_.PublishV1_1();
  Repository repo = OpenApp();
  Value(repo.Fetch("origin", {}));
  EXPECT_EQ(Value(repo.ReadFileAtCommit("v1.1.0", "package.json")),
            R"({"name":"sample","version":"1.1.0"})"
            "\n");
  EXPECT_EQ(ReadText(fixture_.app() / "package.json"), R"({"name":"sample","version":"1.0.0"})"
                                                       "\n");
  EXPECT_EQ(GitStatus(), "");

  const auto missing = repo.ReadFileAtCommit("v1.1.0", "old.txt");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  for (const char* bad : {"../etc/passwd", "/etc/passwd", "a/./b", ""}) {
    const auto refused = repo.ReadFileAtCommit("v1.1.0", bad);
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
  fixture_.CommitAndPush({{"docs/guide.md", "guide\n"}}, "docs: guide");
  Value(repo.Fetch("origin", {.branch = "main"}));
  const auto directory = repo.ReadFileAtCommit("origin/main", "docs");
  ASSERT_FALSE(directory.has_value());
  EXPECT_EQ(directory.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Value(repo.ReadFileAtCommit("origin/main", "docs/guide.md")), "guide\n");
}

}  // namespace
}  // namespace galaos::git
