// UpdateChecker: is there an update for the installed application, which exact commit is it,
// what does it change, and is it breaking — decided by the update policy.
#pragma once

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/Config.h"
#include "core/Clock.h"
#include "git/Repository.h"
#include "release/Release.h"
#include "semver/UpdatePolicy.h"
#include "semver/Version.h"

namespace galaos::release {

struct CheckOptions {
  config::FollowMode follow = config::FollowMode::kTags;
  std::string branch = "main";  // followed in kBranch mode
  semver::Policy policy = semver::Policy::kMinor;
  // Lets a pinned `target` be older than the current version (kTags mode).
  bool allow_downgrade = false;
  // Prereleases (semver or flagged by the source) become candidates. A prerelease current
  // version may always move to a later prerelease of its own MAJOR.MINOR.PATCH.
  bool include_prereleases = false;
  // A release younger than this (by its published_at) is not picked; one without a date is
  // not picked either while this is non-zero.
  std::chrono::seconds min_release_age{0};
  // kTags mode: move to this release (a tag, or a version) instead of the newest allowed
  // one. It must exist, must not be older than the current version unless allow_downgrade,
  // and must be within the policy; prerelease and release-age rules do not apply to it.
  std::optional<std::string> target;
};

// The options config's [update] and [git] sections ask for.
CheckOptions CheckOptionsFrom(const config::Config& config);

// A newer release that was not picked, and why.
struct SkippedRelease {
  std::string tag;
  semver::Version version;
  std::string reason;  // e.g. "major update; policy \"minor\" stays on 1.x"
};

struct UpdateCheck {
  bool available = false;
  semver::Version current_version;
  std::string current_commit;  // HEAD of the application's repository
  // The target's version; the current version when nothing is available; nullopt when a
  // branch head's package.json has no readable version.
  std::optional<semver::Version> latest_version;
  std::string target_tag;     // kTags mode; empty otherwise or when nothing is available
  std::string target_commit;  // the exact commit to install; empty when nothing is available
  std::string changelog;      // markdown
  bool breaking = false;
  std::vector<std::string> breaking_reasons;
  std::optional<std::chrono::sys_seconds> release_date;
  std::vector<SkippedRelease> skipped;  // newer than the target (or current), highest first
};

class UpdateChecker {
 public:
  // `repository` is the application's working tree: its HEAD is what is installed; the
  // remote's tags or branch are fetched into it so the changelog can be read. `source`,
  // `repository` and `clock` must outlive the checker.
  UpdateChecker(git::Repository& repository, std::string remote, ReleaseSource& source,
                core::Clock& clock);

  // kTags: the newest release allowed by `options` (or the pinned target). kBranch: the head
  // of options.branch on the remote, available when HEAD lacks some of its commits. Any
  // failure to find out (source, network, git) is an error, never "no update"; a release
  // whose tag has no known commit on the remote is kNotFound.
  Expected<UpdateCheck> Check(const semver::Version& current_version, const CheckOptions& options);

 private:
  Expected<UpdateCheck> CheckTags(UpdateCheck check, const CheckOptions& options);
  Expected<UpdateCheck> CheckBranch(UpdateCheck check, const CheckOptions& options);
  // Makes sure `commit` is in the repository, fetching the remote's tags when it is not.
  Status EnsureCommit(const Release& release);

  git::Repository& repository_;
  std::string remote_;
  ReleaseSource& source_;
  core::Clock& clock_;
};

// checkForUpdates' `code` object (DESIGN.md section 6):
// {available, currentVersion, latestVersion, changelog, breaking, releaseDate} plus
// targetTag, targetCommit, breakingReasons and skipped [{tag, version, reason}].
// latestVersion is the short target commit when the target has no version; releaseDate is
// ISO 8601 UTC or null; targetTag and targetCommit are null when nothing is available.
nlohmann::json ToJson(const UpdateCheck& check);

}  // namespace galaos::release
