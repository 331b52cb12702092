// Changelog: what an update brings, as markdown — the release notes of every release in
// (current, target], the CHANGELOG.md sections of those versions (Keep a Changelog), and the
// commit subjects between the installed commit and the target — and whether it is breaking.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "git/Repository.h"
#include "release/Release.h"
#include "semver/Version.h"

namespace galaos::release {

// One "## ..." section of a Keep a Changelog file whose title is a version:
// "## [1.2.0] - 2026-01-02", "## 1.2.0", "## v1.2.0 (2026-01-02)". Others ("## [Unreleased]")
// are not sections; they only end the one before them.
struct ChangelogSection {
  semver::Version version;
  std::string heading;  // the heading line's text after "## "
  std::string body;     // the lines up to the next level 1 or 2 heading, trimmed
};

// In file order. Link reference definitions at the end ("[1.2.0]: https://...") are dropped.
std::vector<ChangelogSection> ParseKeepAChangelog(std::string_view text);

// The conventional-commit marks of a breaking change: "!" before the colon of the subject
// ("feat!: ...", "fix(api)!: ...") or a "BREAKING CHANGE:" / "BREAKING-CHANGE:" footer line.
bool IsBreakingCommit(std::string_view subject, std::string_view body);

struct ChangelogInput {
  semver::Version current;
  std::optional<semver::Version> target;  // nullopt: unknown (a branch head without a version)
  std::vector<Release> releases;          // their notes are shown when in (current, target]
  std::string changelog_file;             // CHANGELOG.md at the target commit; empty: none
  std::vector<git::CommitInfo> commits;   // installed..target, newest first
  bool include_prereleases = false;       // else prerelease notes and sections show only as target
};

struct Changelog {
  std::string markdown;  // empty when there is nothing to tell
  bool breaking = false;
  std::vector<std::string> breaking_reasons;  // e.g. "major version bump 1.4.0 -> 2.0.0"
};

// At most kMaxListedCommits subjects are listed (every commit counts for `breaking`).
inline constexpr std::size_t kMaxListedCommits = 200;

Changelog AssembleChangelog(const ChangelogInput& input);

}  // namespace galaos::release
