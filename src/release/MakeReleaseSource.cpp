#include "release/MakeReleaseSource.h"

#include "release/GitTagReleaseSource.h"
#include "release/GithubReleaseSource.h"

namespace galaos::release {

Expected<std::unique_ptr<ReleaseSource>> MakeReleaseSource(const config::Config& config,
                                                           git::Repository& repository,
                                                           ResponseCache* cache,
                                                           core::Clock& clock) {
  const bool github =
      config.update.source == config::ReleaseSource::kGithub ||
      (config.update.source == config::ReleaseSource::kAuto && !config.github.repo.empty());
  if (!github) {
    GitTagSourceOptions options;
    options.remote = config.git.remote;
    return std::make_unique<GitTagReleaseSource>(repository, std::move(options));
  }
  if (config.github.repo.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "update.source = github needs github.repo (GITHUB_REPO)");
  }
  GithubSourceOptions options;
  options.api_url = config.github.api_url;
  options.repo = config.github.repo;
  options.token = config.github.token;
  options.repository = &repository;
  options.remote = config.git.remote;
  std::unique_ptr<GithubReleaseSource> source =
      TRY(GithubReleaseSource::Create(std::move(options), cache, clock));
  return std::unique_ptr<ReleaseSource>(std::move(source));
}

}  // namespace galaos::release
