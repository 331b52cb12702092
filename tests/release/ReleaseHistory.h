// A published history for the release tests, on top of the git tests' GitFixture (remote.git,
// author/, app/ cloned at v1.0.0):
//   v1.0.0       (GitFixture) "chore: release 1.0.0"
//   v1.1.0       "feat: add search", "feat(ui): dark mode"; CHANGELOG.md gains [1.1.0];
//                annotated tag
//   v2.0.0       "feat!: remove the v1 API", "chore: release 2.0.0"; CHANGELOG.md gains
//                [2.0.0]; lightweight tag
//   v2.1.0-rc.1  "feat: beta feature"; also tagged "nightly" (not a version)
#pragma once

#include <chrono>
#include <string>

#include "support/GitFixture.h"

namespace galaos::release::testing {

inline constexpr char kChangelogV1_1[] =
    "# Changelog\n"
    "\n"
    "All notable changes to this project are documented here.\n"
    "\n"
    "## [Unreleased]\n"
    "\n"
    "- Work in progress that must not be announced.\n"
    "\n"
    "## [1.1.0] - 2023-11-14\n"
    "\n"
    "### Added\n"
    "\n"
    "- Search across all notes.\n"
    "- A dark theme.\n"
    "\n"
    "## [1.0.0] - 2023-11-01\n"
    "\n"
    "- First release, already installed.\n"
    "\n"
    "[1.1.0]: https://example.org/compare/v1.0.0...v1.1.0\n"
    "[1.0.0]: https://example.org/releases/v1.0.0\n";

class ReleaseHistory {
 public:
  ReleaseHistory();

  git::testing::GitFixture& git() { return git_; }
  // The commit `rev` peels to, per the real git in author/.
  std::string CommitOf(const std::string& rev);
  // The author time of `rev`'s commit, per the real git.
  std::chrono::sys_seconds TimeOf(const std::string& rev);
  // Moves app/ to `rev` (detached), fetching tags first, as an installed release would be.
  void CheckOutApp(const std::string& rev);

 private:
  git::testing::GitFixture git_;
};

}  // namespace galaos::release::testing
