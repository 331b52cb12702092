// GitTagReleaseSource: releases are the version tags of a git remote (a configured remote
// name, a path, file://, https or ssh URL), listed like `git ls-remote --tags`.
#pragma once

#include <string>
#include <vector>

#include "git/Repository.h"
#include "release/Release.h"

namespace galaos::release {

struct GitTagSourceOptions {
  std::string remote = "origin";
  // Fetch the remote's tags into the repository before listing them. The changelog and the
  // update need the tagged commits locally anyway, and with them each release gets a date.
  bool fetch_tags = true;
};

class GitTagReleaseSource final : public ReleaseSource {
 public:
  // `repository` must outlive the source.
  GitTagReleaseSource(git::Repository& repository, GitTagSourceOptions options);

  // Tags that are not versions (loose semver) or not valid ref names are left out. A release
  // is named after its tag and has no notes; prerelease = a semver prerelease. Its date is
  // the author time of its commit, known when the commit is local and descends from the
  // commit of the next lower version (git::Repository offers no single-commit lookup), so
  // the lowest version has none. Of "v1.2.0" and "1.2.0" the first in name order is kept.
  Expected<std::vector<Release>> List() override;
  std::string Describe() const override;

 private:
  git::Repository& repository_;
  GitTagSourceOptions options_;
};

}  // namespace galaos::release
