// Update policies: which newer versions an installation may move to on its own.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "core/Error.h"
#include "semver/Version.h"

namespace galaos::semver {

enum class Policy {
  kPatch,  // same MAJOR.MINOR
  kMinor,  // same MAJOR
  kMajor,  // any newer version
};

// "patch", "minor" or "major".
Expected<Policy> ParsePolicy(std::string_view text);
std::string_view PolicyName(Policy policy);

// target has lower precedence than current (build metadata ignored).
bool IsDowngrade(const Version& current, const Version& target);

// Moving between the two versions may break callers: the leftmost non-zero component of
// MAJOR.MINOR.PATCH (npm's caret rule) differs, so 1.x -> 2.x, 0.2.x -> 0.3.x and
// 0.0.3 -> 0.0.4 are breaking, 1.2.3 -> 1.9.0 and 1.0.0-rc.1 -> 1.0.0 are not. Symmetric: the
// reverse downgrade is breaking too.
bool IsBreaking(const Version& current, const Version& target);

// target is newer than current and within the policy: kPatch keeps MAJOR.MINOR, kMinor keeps
// MAJOR, kMajor takes anything newer. Prerelease targets are judged like any other here;
// SelectTarget decides whether they are candidates at all.
bool IsAllowed(Policy policy, const Version& current, const Version& target);

// The highest-precedence candidate that IsAllowed (the first of equals). Prereleases are
// skipped unless include_prerelease, except prereleases of current's own MAJOR.MINOR.PATCH
// when current is itself a prerelease (1.3.0-rc.1 may move to 1.3.0-rc.2). nullopt: none.
std::optional<Version> SelectTarget(Policy policy, const Version& current,
                                    std::span<const Version> candidates,
                                    bool include_prerelease = false);

}  // namespace galaos::semver
