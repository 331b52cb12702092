// The installed version of the application.
#pragma once

#include <filesystem>
#include <string_view>

#include "config/Config.h"
#include "core/Error.h"
#include "semver/Version.h"

namespace galaos::release {

// The "version" of a package.json text (semver loose mode). kInvalidArgument naming `origin`
// for malformed JSON (with the line and column), a missing or non-string version, or a
// version that is not semver.
Expected<semver::Version> VersionFromPackageJson(std::string_view text, std::string_view origin);

// kPackageJson: <app_root>/package.json's version (kNotFound when the file is missing).
// kGitDescribe: `git describe --tags` of HEAD in the repository at app_root; the tag read as
// a version, plus "+<distance>.g<commit>" build metadata when HEAD is past the tag (build
// metadata does not change precedence). kNotFound when no tag is reachable,
// kInvalidArgument when the nearest tag is not a version.
Expected<semver::Version> CurrentVersion(const std::filesystem::path& app_root,
                                         config::VersionSource source);

}  // namespace galaos::release
