// NewerTag: the semver tag policy of image updates. An image tagged with a version
// (1.4.2, v1.4.2) may be reported as having a newer tag (1.5.0) within the policy:
// patch keeps MAJOR.MINOR, minor keeps MAJOR, major takes any newer version.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/Config.h"

namespace galaos::docker {

// The tag of the highest version in `tags` that `policy` allows `current` to move to, spelt
// as the registry spells it. Tags are read as versions in npm's loose mode; only tags with the
// same 'v' prefix habit as `current` are candidates ("v1.5.0" for "v1.4.2", "1.5.0" for
// "1.4.2"), and prereleases only as semver::SelectTarget allows (not for a release).
// nullopt: kOff, `current` is not a version (e.g. "latest"), or no tag is newer and allowed.
std::optional<std::string> NewerTag(std::string_view current, std::span<const std::string> tags,
                                    config::TagPolicy policy);

}  // namespace galaos::docker
