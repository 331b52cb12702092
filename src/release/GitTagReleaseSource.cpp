#include "release/GitTagReleaseSource.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "core/Redact.h"
#include "git/RefName.h"

namespace galaos::release {
namespace {

// The date of `release`: the author time of its commit, read through LogBetween from the
// commit of the next lower version (whose first entry is the tagged commit itself). Missing
// or non-commit objects leave it unknown; other failures are errors.
Status FillDate(const git::Repository& repository, const Release& lower, Release& release) {
  Expected<std::vector<git::CommitInfo>> commits =
      repository.LogBetween(lower.commit, release.commit);
  if (!commits) {
    const ErrorCode code = commits.error().code();
    if (code == ErrorCode::kNotFound || code == ErrorCode::kInvalidArgument) return {};
    return std::unexpected(std::move(commits).error().WithContext("date of tag " + release.tag));
  }
  if (!commits->empty() && commits->front().id == release.commit) {
    release.published_at = commits->front().time;
  }
  return {};
}

}  // namespace

GitTagReleaseSource::GitTagReleaseSource(git::Repository& repository, GitTagSourceOptions options)
    : repository_(repository), options_(std::move(options)) {}

std::string GitTagReleaseSource::Describe() const {
  return "tags of " + core::RedactUrlCredentials(options_.remote);
}

Expected<std::vector<Release>> GitTagReleaseSource::List() {
  if (options_.fetch_tags) {
    git::FetchRequest request;
    request.tags = true;
    TRY(WithContext(repository_.Fetch(options_.remote, request), "listing " + Describe()));
  }
  std::vector<git::RemoteTag> tags =
      TRY(WithContext(repository_.ListRemoteTags(options_.remote), "listing " + Describe()));
  std::ranges::sort(tags, {}, &git::RemoteTag::name);  // SortAndDeduplicate keeps the first

  std::vector<Release> releases;
  for (const git::RemoteTag& tag : tags) {
    if (Status valid = git::ValidateRefName(tag.name); !valid) {
      spdlog::warn("ignoring tag of {}: {}", Describe(), valid.error().message());
      continue;
    }
    Expected<semver::Version> version = semver::Version::Parse(tag.name, semver::ParseMode::kLoose);
    if (!version) continue;  // not a release tag
    Release release;
    release.tag = tag.name;
    release.version = std::move(*version);
    release.commit = tag.commit;
    release.name = tag.name;
    release.prerelease = release.version.IsPrerelease();
    releases.push_back(std::move(release));
  }
  SortAndDeduplicate(releases);
  for (std::size_t i = 0; i + 1 < releases.size(); ++i) {
    TRY(FillDate(repository_, releases[i + 1], releases[i]));
  }
  return releases;
}

}  // namespace galaos::release
