// Repository: the application's git working tree, through libgit2 (never the git CLI).
// Commit ids are full 40-hex strings. Names from callers (branches, tags, remotes) are
// validated with RefName.h before use; failures are Errors naming the operation and
// libgit2's message, e.g. "fetch origin: failed to resolve address for example.invalid".
// A Repository is not thread-safe: use one per thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"
#include "git/RemoteAuth.h"

namespace galaos::git {

struct RemoteTag {
  std::string name;    // without "refs/tags/"
  std::string commit;  // the commit an annotated tag peels to; the target of a lightweight one
};

struct CommitInfo {
  std::string id;
  std::string subject;  // first paragraph of the message on one line, like `git log --format=%s`
  std::string body;     // the message after the subject; empty when there is none
  std::string author_name;
  std::string author_email;
  std::chrono::sys_seconds time;  // author time
};

// `git describe --tags`: the nearest tag reachable from a commit.
struct Description {
  std::string tag;
  std::size_t distance = 0;    // commits between the tag and the described commit
  std::string abbreviated_id;  // at least 7 hex digits, unique in the repository
  // "v1.2.0" at distance 0, "v1.2.0-3-gabc1234" otherwise, as git prints it.
  std::string ToString() const;
};

enum class ChangeKind {
  kModified,
  kAdded,
  kDeleted,
  kRenamed,
  kTypeChanged,
  kUntracked,
  kConflicted
};
std::string_view ChangeKindName(ChangeKind kind);

struct WorktreeChange {
  std::string path;  // relative to the working tree
  ChangeKind kind;
};

struct FetchProgress {
  std::size_t received_objects = 0;
  std::size_t indexed_objects = 0;
  std::size_t total_objects = 0;
  std::size_t received_bytes = 0;
};
// Called on the fetching thread while objects arrive; must not throw.
using FetchProgressCallback = std::function<void(const FetchProgress&)>;

struct FetchRequest {
  // Fetched into refs/remotes/<remote>/<branch> when `remote` is a configured remote name;
  // from a URL only the objects are fetched (FetchResult::branch_commit names the head).
  std::optional<std::string> branch;
  // Every tag of the remote into refs/tags, moved where the remote moved it, so local tags
  // agree with ListRemoteTags.
  bool tags = true;
};

struct FetchResult {
  std::optional<std::string> branch_commit;  // the remote's head of FetchRequest::branch
  FetchProgress stats;
};

// What HEAD is: recorded in a snapshot, restored by ResetHard on rollback.
struct HeadState {
  std::string commit;
  std::optional<std::string> branch;  // short name; nullopt when HEAD is detached
};

enum class BranchMove { kFastForwardOnly, kForce };

class Repository {
 public:
  // Opens the repository whose working tree (or .git directory) is exactly `path`; parent
  // directories are not searched. kNotFound when there is no repository there. Remote
  // operations authenticate and check host keys with `auth` (RemoteAuth.h).
  static Expected<Repository> Open(const std::filesystem::path& path, RemoteAuth auth = {});

  Repository(Repository&& other) noexcept;
  Repository& operator=(Repository&& other) noexcept;
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;
  ~Repository();

  // The working tree; empty for a bare repository.
  const std::filesystem::path& workdir() const { return workdir_; }

  // kNotFound on an unborn branch (no commit yet).
  Expected<std::string> HeadCommit() const;
  // The short branch name HEAD is attached to; nullopt when detached.
  Expected<std::optional<std::string>> CurrentBranch() const;
  Expected<HeadState> Head() const;

  // A commit id (40 hex, or an unambiguous prefix of at least 4 when no ref has that name) or
  // a ref name ("v1.2.0", "main", "origin/main", "refs/tags/v1.2.0", "HEAD") resolved the way
  // git does (tags before branches); annotated tags are peeled. No revision syntax (`~`, `^`).
  Expected<std::string> ResolveCommit(std::string_view ref_or_id) const;

  // Tags of `remote` (a configured remote name or a URL / path, see ValidateRemote), like
  // `git ls-remote --tags`. Names are the remote's and unvalidated: validate before reuse.
  Expected<std::vector<RemoteTag>> ListRemoteTags(std::string_view remote) const;
  // The commit refs/heads/<branch> points to on `remote`; kNotFound when it has no such branch.
  Expected<std::string> RemoteBranchHead(std::string_view remote, std::string_view branch) const;

  // Downloads the tags and/or the branch of `request`; kNotFound when the branch is missing.
  Expected<FetchResult> Fetch(std::string_view remote, const FetchRequest& request,
                              const FetchProgressCallback& progress = {});

  // Changes to tracked files (staged or not) and untracked files; ignored files are not
  // listed. Empty means clean.
  Expected<std::vector<WorktreeChange>> WorktreeChanges() const;

  // Force-checks out `commit`'s tree (files the current HEAD has and the commit lacks are
  // removed) and detaches HEAD at it.
  Status CheckoutDetached(std::string_view commit);
  // Checks out `commit` on local branch `branch` (created when missing) and attaches HEAD to
  // it. With kFastForwardOnly, moving an existing branch anywhere but forward is kConflict.
  Status CheckoutBranch(std::string_view branch, std::string_view commit,
                        BranchMove move = BranchMove::kFastForwardOnly);
  // Rollback: working tree and index become exactly `target.commit`'s tree (local changes
  // discarded, untracked files removed, ignored files kept); HEAD is attached to
  // `target.branch` set to that commit, or detached at it when there is no branch.
  Status ResetHard(const HeadState& target);

  // Commits reachable from `to_inclusive` but not from `from_exclusive`, newest first.
  Expected<std::vector<CommitInfo>> LogBetween(std::string_view from_exclusive,
                                               std::string_view to_inclusive) const;

  // `git describe --tags <commit>`; kNotFound when no tag is reachable.
  Expected<Description> DescribeTags(std::string_view commit = "HEAD") const;

  // The content of `path` (relative, '/'-separated) in `commit`'s tree, without a checkout.
  // kNotFound when the commit has no such file.
  Expected<std::string> ReadFileAtCommit(std::string_view commit, std::string_view path) const;

 private:
  struct Impl;
  explicit Repository(std::unique_ptr<Impl> impl, std::filesystem::path workdir);

  std::unique_ptr<Impl> impl_;
  std::filesystem::path workdir_;
};

}  // namespace galaos::git
