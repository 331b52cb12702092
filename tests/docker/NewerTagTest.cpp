// NewerTag: the semver tag policy over the tags a registry lists.
#include <gtest/gtest.h>

#include <vector>

#include "docker/NewerTag.h"

namespace galaos::docker {
namespace {

using config::TagPolicy;

const std::vector<std::string> kTags = {"latest",     "1.4.2",  "1.4.3",       "1.4.10", "1.5.0",
                                        "1.6.0-rc.1", "2.0.0",  "v1.4.9",      "v1.9.0", "v3.0.0",
                                        "1.4",        "stable", "2.0.0-alpine"};

TEST(NewerTagTest, EachPolicyPicksTheHighestAllowedVersion) {
  const struct {
    std::string current;
    TagPolicy policy;
    std::optional<std::string> expected;
  } cases[] = {
      {"1.4.2", TagPolicy::kPatch, "1.4.10"},  // numeric, not lexical: 1.4.10 > 1.4.3
      {"1.4.2", TagPolicy::kMinor, "1.5.0"},   // 1.6.0-rc.1 is a prerelease
      {"1.4.2", TagPolicy::kMajor, "2.0.0"},   // 2.0.0-alpine is a prerelease of 2.0.0
      {"1.4.10", TagPolicy::kPatch, std::nullopt},
      {"2.0.0", TagPolicy::kMajor, std::nullopt},
      {"1.4.2", TagPolicy::kOff, std::nullopt},
      // the tag keeps its own spelling: a 'v' tag moves to 'v' tags only
      {"v1.4.2", TagPolicy::kPatch, "v1.4.9"},
      {"v1.4.2", TagPolicy::kMinor, "v1.9.0"},
      {"v1.4.2", TagPolicy::kMajor, "v3.0.0"},
      // a prerelease may move to a later prerelease or the release of its version
      {"1.6.0-rc.0", TagPolicy::kPatch, "1.6.0-rc.1"},
      // not a version: no tag policy applies
      {"latest", TagPolicy::kMajor, std::nullopt},
      {"1.4", TagPolicy::kMajor, std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.current + " " + std::to_string(static_cast<int>(c.policy)));
    EXPECT_EQ(NewerTag(c.current, kTags, c.policy), c.expected);
  }
}

TEST(NewerTagTest, NoTagsMeansNoNewerTag) {
  EXPECT_EQ(NewerTag("1.0.0", {}, TagPolicy::kMajor), std::nullopt);
}

}  // namespace
}  // namespace galaos::docker
