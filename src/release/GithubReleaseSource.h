// GithubReleaseSource: releases from the GitHub Releases API
// (GET {api_url}/repos/{owner}/{name}/releases?per_page=100, following the Link header),
// with ETag caching, rate-limit handling and the tag commits taken from the git remote.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/Clock.h"
#include "git/Repository.h"
#include "release/Release.h"
#include "release/ResponseCache.h"

namespace galaos::release {

struct GithubSourceOptions {
  std::string api_url = "https://api.github.com";  // http(s); GitHub Enterprise: .../api/v3
  std::string repo;                                // "owner/name"
  std::string token;  // secret: sent as "Authorization: Bearer", never logged; empty: anonymous
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // per request, whole transfer
  std::size_t max_pages = 20;  // 100 releases each; newer releases come first
  // Where the tags of the releases are resolved to commits (ListRemoteTags), so the update
  // installs exactly the tagged commit. Without a repository, commits stay unknown.
  const git::Repository* repository = nullptr;  // must outlive the source
  std::string remote = "origin";
};

class GithubReleaseSource final : public ReleaseSource {
 public:
  // kInvalidArgument for a repo that is not "owner/name" or an api_url that is not http(s).
  // `cache` (may be null: no caching) and `clock` must outlive the source.
  static Expected<std::unique_ptr<GithubReleaseSource>> Create(GithubSourceOptions options,
                                                               ResponseCache* cache,
                                                               core::Clock& clock);

  // Drafts are left out, and releases whose tag is not a version or not a valid ref name.
  // prerelease = GitHub's flag or a semver prerelease. Errors carry the HTTP status and
  // GitHub's message: 401 kUnauthorized, 403 kForbidden, 404 kNotFound, an exhausted rate
  // limit (with the time it resets) or Retry-After, 5xx and network failures kUnavailable,
  // timeouts kTimeout.
  Expected<std::vector<Release>> List() override;
  std::string Describe() const override;

 private:
  GithubReleaseSource(GithubSourceOptions options, ResponseCache* cache, core::Clock& clock);

  GithubSourceOptions options_;
  ResponseCache* cache_;
  core::Clock& clock_;
};

}  // namespace galaos::release
