#include "release/UpdateChecker.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <span>
#include <utility>

#include "core/Redact.h"
#include "release/Changelog.h"
#include "release/CurrentVersion.h"
#include "release/Text.h"

namespace galaos::release {
namespace {

semver::Policy ToSemverPolicy(config::UpdatePolicy policy) {
  switch (policy) {
    case config::UpdatePolicy::kPatch:
      return semver::Policy::kPatch;
    case config::UpdatePolicy::kMinor:
      return semver::Policy::kMinor;
    case config::UpdatePolicy::kMajor:
      return semver::Policy::kMajor;
  }
  return semver::Policy::kPatch;
}

// "major update; policy \"minor\" stays on 1.x".
std::string PolicyReason(semver::Policy policy, const semver::Version& current,
                         const semver::Version& target) {
  const bool major = target.major() != current.major();
  const std::string scope = policy == semver::Policy::kPatch
                                ? fmt::format("{}.{}.x", current.major(), current.minor())
                                : fmt::format("{}.x", current.major());
  return fmt::format("{} update; policy \"{}\" stays on {}", major ? "major" : "minor",
                     semver::PolicyName(policy), scope);
}

// Why a release newer than `current` is not a candidate; nullopt when it is one.
std::optional<std::string> SkipReason(const Release& release, const semver::Version& current,
                                      const CheckOptions& options,
                                      std::chrono::system_clock::time_point now) {
  // semver's rules decide policy and prereleases; the source's prerelease flag adds to them.
  if (!semver::SelectTarget(options.policy, current, std::span(&release.version, 1),
                            options.include_prereleases)) {
    if (!semver::IsAllowed(options.policy, current, release.version)) {
      return PolicyReason(options.policy, current, release.version);
    }
    return std::string("prerelease; prereleases are not included (update.include_prereleases)");
  }
  if (release.prerelease && !release.version.IsPrerelease() && !options.include_prereleases) {
    return std::string(
        "marked as a prerelease; prereleases are not included "
        "(update.include_prereleases)");
  }
  if (options.min_release_age > std::chrono::seconds::zero()) {
    const std::string minimum = detail::FormatDuration(options.min_release_age);
    if (!release.published_at) {
      return "release date unknown; the minimum release age is " + minimum;
    }
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - *release.published_at);
    if (age < options.min_release_age) {
      return fmt::format("published {} ago; the minimum release age is {}",
                         detail::FormatDuration(age), minimum);
    }
  }
  return std::nullopt;
}

Expected<const Release*> FindPinned(const std::vector<Release>& releases, std::string_view wanted,
                                    const std::string& source) {
  const Expected<semver::Version> version =
      semver::Version::Parse(wanted, semver::ParseMode::kLoose);
  for (const Release& release : releases) {
    if (release.tag == wanted || (version && release.version == *version)) return &release;
  }
  return MakeError(ErrorCode::kNotFound,
                   fmt::format("no release \"{}\" among the {}", wanted, source));
}

Status CheckPinned(const Release& release, const semver::Version& current,
                   const CheckOptions& options) {
  if (semver::IsDowngrade(current, release.version) && !options.allow_downgrade) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{} ({}) is older than the current version {}; a downgrade "
                                 "needs allow_downgrade (update.allow_downgrade)",
                                 release.tag, release.version.ToString(), current.ToString()));
  }
  if (release.version > current && !semver::IsAllowed(options.policy, current, release.version)) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        fmt::format("{} ({}) is a {} (update.policy)", release.tag, release.version.ToString(),
                    PolicyReason(options.policy, current, release.version)));
  }
  return {};
}

std::string ShortId(std::string_view id) {
  return std::string(id.substr(0, 7));
}

}  // namespace

CheckOptions CheckOptionsFrom(const config::Config& config) {
  CheckOptions options;
  options.follow = config.update.follow;
  options.branch = config.git.branch;
  options.policy = ToSemverPolicy(config.update.policy);
  options.allow_downgrade = config.update.allow_downgrade;
  options.include_prereleases = config.update.include_prereleases;
  options.min_release_age = config.update.min_release_age;
  return options;
}

UpdateChecker::UpdateChecker(git::Repository& repository, std::string remote, ReleaseSource& source,
                             core::Clock& clock)
    : repository_(repository), remote_(std::move(remote)), source_(source), clock_(clock) {}

Expected<UpdateCheck> UpdateChecker::Check(const semver::Version& current_version,
                                           const CheckOptions& options) {
  UpdateCheck check;
  check.current_version = current_version;
  check.latest_version = current_version;
  check.current_commit =
      TRY(WithContext(repository_.HeadCommit(), "checking for updates: the installed commit"));
  if (options.follow == config::FollowMode::kBranch) {
    if (options.target) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "checking for updates: a target release needs update.follow = tags");
    }
    return CheckBranch(std::move(check), options);
  }
  return CheckTags(std::move(check), options);
}

Expected<UpdateCheck> UpdateChecker::CheckTags(UpdateCheck check, const CheckOptions& options) {
  const std::string context = "checking for updates in " + source_.Describe();
  const semver::Version& current = check.current_version;
  const std::vector<Release> releases = TRY(WithContext(source_.List(), "checking for updates"));

  const Release* target = nullptr;
  if (options.target) {
    target = TRY(WithContext(FindPinned(releases, *options.target, source_.Describe()), context));
    TRY(WithContext(CheckPinned(*target, current, options), context));
    if (target->version == current) return check;
  } else {
    const auto now = clock_.Now();
    for (const Release& release : releases) {  // highest first
      if (release.version <= current) break;
      if (std::optional<std::string> reason = SkipReason(release, current, options, now)) {
        check.skipped.push_back({release.tag, release.version, std::move(*reason)});
        continue;
      }
      target = &release;
      break;
    }
    if (target == nullptr) return check;
  }

  TRY(WithContext(EnsureCommit(*target), context));
  ChangelogInput input;
  input.current = current;
  input.target = target->version;
  input.releases = releases;
  input.include_prereleases = options.include_prereleases;
  if (Expected<std::string> file = repository_.ReadFileAtCommit(target->commit, "CHANGELOG.md")) {
    input.changelog_file = std::move(*file);
  } else if (file.error().code() != ErrorCode::kNotFound) {
    return std::unexpected(std::move(file).error().WithContext(context));
  }
  input.commits =
      TRY(WithContext(repository_.LogBetween(check.current_commit, target->commit), context));
  Changelog changelog = AssembleChangelog(input);

  check.available = true;
  check.latest_version = target->version;
  check.target_tag = target->tag;
  check.target_commit = target->commit;
  check.changelog = std::move(changelog.markdown);
  check.breaking = changelog.breaking;
  check.breaking_reasons = std::move(changelog.breaking_reasons);
  check.release_date = target->published_at;
  return check;
}

Expected<UpdateCheck> UpdateChecker::CheckBranch(UpdateCheck check, const CheckOptions& options) {
  const std::string context =
      "checking branch " + options.branch + " of " + core::RedactUrlCredentials(remote_);
  git::FetchRequest request;
  request.branch = options.branch;
  request.tags = false;
  const git::FetchResult fetched = TRY(WithContext(repository_.Fetch(remote_, request), context));
  if (!fetched.branch_commit) {
    return MakeError(ErrorCode::kNotFound, context + ": the remote did not report the branch head");
  }
  const std::string& target = *fetched.branch_commit;
  if (target == check.current_commit) return check;
  std::vector<git::CommitInfo> commits =
      TRY(WithContext(repository_.LogBetween(check.current_commit, target), context));
  if (commits.empty()) return check;  // HEAD already contains the branch head

  std::optional<semver::Version> version;
  if (Expected<std::string> file = repository_.ReadFileAtCommit(target, "package.json")) {
    Expected<semver::Version> parsed = VersionFromPackageJson(*file, "package.json at " + target);
    if (parsed) {
      version = std::move(*parsed);
    } else {
      spdlog::warn("{}: the branch head's version is unknown: {}", context,
                   parsed.error().message());
    }
  } else if (file.error().code() != ErrorCode::kNotFound) {
    return std::unexpected(std::move(file).error().WithContext(context));
  }

  if (commits.front().id == target) check.release_date = commits.front().time;
  ChangelogInput input;
  input.current = check.current_version;
  input.target = version;
  input.commits = std::move(commits);
  Changelog changelog = AssembleChangelog(input);
  check.available = true;
  check.latest_version = std::move(version);
  check.target_commit = target;
  check.changelog = std::move(changelog.markdown);
  check.breaking = changelog.breaking;
  check.breaking_reasons = std::move(changelog.breaking_reasons);
  return check;
}

Status UpdateChecker::EnsureCommit(const Release& release) {
  if (release.commit.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("release {}: its tag is not on {}, so the commit to install is "
                                 "unknown",
                                 release.tag, core::RedactUrlCredentials(remote_)));
  }
  Expected<std::string> found = repository_.ResolveCommit(release.commit);
  if (found) return {};
  if (found.error().code() != ErrorCode::kNotFound) {
    return std::unexpected(std::move(found).error().WithContext("release " + release.tag));
  }
  git::FetchRequest request;
  request.tags = true;
  TRY(WithContext(repository_.Fetch(remote_, request),
                  "release " + release.tag + ": fetching tags"));
  TRY(WithContext(repository_.ResolveCommit(release.commit),
                  "release " + release.tag + ": commit " + release.commit));
  return {};
}

nlohmann::json ToJson(const UpdateCheck& check) {
  nlohmann::json json;
  json["available"] = check.available;
  json["currentVersion"] = check.current_version.ToString();
  json["currentCommit"] = check.current_commit;
  if (check.latest_version) {
    json["latestVersion"] = check.latest_version->ToString();
  } else {
    json["latestVersion"] = ShortId(check.target_commit);
  }
  json["changelog"] = check.changelog;
  json["breaking"] = check.breaking;
  json["releaseDate"] =
      check.release_date ? nlohmann::json(detail::FormatUtc(*check.release_date)) : nullptr;
  json["targetTag"] = check.target_tag.empty() ? nullptr : nlohmann::json(check.target_tag);
  json["targetCommit"] =
      check.target_commit.empty() ? nullptr : nlohmann::json(check.target_commit);
  json["breakingReasons"] = check.breaking_reasons;
  json["skipped"] = nlohmann::json::array();
  for (const SkippedRelease& skipped : check.skipped) {
    json["skipped"].push_back({{"tag", skipped.tag},
                               {"version", skipped.version.ToString()},
                               {"reason", skipped.reason}});
  }
  return json;
}

}  // namespace galaos::release
