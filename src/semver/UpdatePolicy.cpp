#include "semver/UpdatePolicy.h"

#include <fmt/format.h>

#include <tuple>

namespace galaos::semver {
namespace {

bool SameCore(const Version& a, const Version& b) {
  return a.major() == b.major() && a.minor() == b.minor() && a.patch() == b.patch();
}

// The components that must stay equal for a compatible change under npm's caret rule.
std::tuple<std::uint64_t, std::uint64_t, std::uint64_t> CompatibilityKey(const Version& v) {
  if (v.major() != 0) return {v.major(), 0, 0};
  if (v.minor() != 0) return {0, v.minor(), 0};
  return {0, 0, v.patch()};
}

}  // namespace

Expected<Policy> ParsePolicy(std::string_view text) {
  if (text == "patch") return Policy::kPatch;
  if (text == "minor") return Policy::kMinor;
  if (text == "major") return Policy::kMajor;
  return MakeError(
      ErrorCode::kInvalidArgument,
      fmt::format("unknown update policy \"{}\" (expected patch, minor or major)", text));
}

std::string_view PolicyName(Policy policy) {
  switch (policy) {
    case Policy::kPatch:
      return "patch";
    case Policy::kMinor:
      return "minor";
    case Policy::kMajor:
      return "major";
  }
  return "unknown";
}

bool IsDowngrade(const Version& current, const Version& target) {
  return target < current;
}

bool IsBreaking(const Version& current, const Version& target) {
  return CompatibilityKey(current) != CompatibilityKey(target);
}

bool IsAllowed(Policy policy, const Version& current, const Version& target) {
  if (target <= current) return false;
  switch (policy) {
    case Policy::kPatch:
      return target.major() == current.major() && target.minor() == current.minor();
    case Policy::kMinor:
      return target.major() == current.major();
    case Policy::kMajor:
      return true;
  }
  return false;
}

std::optional<Version> SelectTarget(Policy policy, const Version& current,
                                    std::span<const Version> candidates, bool include_prerelease) {
  const Version* best = nullptr;
  for (const Version& candidate : candidates) {
    const bool prerelease_allowed =
        include_prerelease || (current.IsPrerelease() && SameCore(candidate, current));
    if (candidate.IsPrerelease() && !prerelease_allowed) continue;
    if (!IsAllowed(policy, current, candidate)) continue;
    if (best == nullptr || candidate > *best) best = &candidate;
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

}  // namespace galaos::semver
