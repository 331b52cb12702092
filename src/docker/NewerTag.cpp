#include "docker/NewerTag.h"

#include <vector>

#include "semver/UpdatePolicy.h"
#include "semver/Version.h"

namespace galaos::docker {
namespace {

bool HasVPrefix(std::string_view tag) {
  return tag.starts_with('v');
}

}  // namespace

std::optional<std::string> NewerTag(std::string_view current, std::span<const std::string> tags,
                                    config::TagPolicy policy) {
  semver::Policy rule = semver::Policy::kPatch;
  switch (policy) {
    case config::TagPolicy::kOff:
      return std::nullopt;
    case config::TagPolicy::kPatch:
      rule = semver::Policy::kPatch;
      break;
    case config::TagPolicy::kMinor:
      rule = semver::Policy::kMinor;
      break;
    case config::TagPolicy::kMajor:
      rule = semver::Policy::kMajor;
      break;
  }
  const Expected<semver::Version> version =
      semver::Version::Parse(current, semver::ParseMode::kLoose);
  if (!version) return std::nullopt;
  std::vector<semver::Version> candidates;
  std::vector<const std::string*> spellings;
  for (const std::string& tag : tags) {
    if (HasVPrefix(tag) != HasVPrefix(current)) continue;
    Expected<semver::Version> candidate = semver::Version::Parse(tag, semver::ParseMode::kLoose);
    if (!candidate) continue;
    candidates.push_back(std::move(*candidate));
    spellings.push_back(&tag);
  }
  const std::optional<semver::Version> target = semver::SelectTarget(rule, *version, candidates);
  if (!target) return std::nullopt;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (candidates[i] == *target) return *spellings[i];
  }
  return std::nullopt;
}

}  // namespace galaos::docker
