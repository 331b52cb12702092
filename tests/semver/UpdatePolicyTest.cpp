#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "semver/UpdatePolicy.h"

namespace galaos::semver {
namespace {

Version V(std::string_view text) {
  const auto version = Version::Parse(text);
  EXPECT_TRUE(version) << version.error().message();
  return version.value_or(Version());
}

std::vector<Version> Versions(std::initializer_list<std::string_view> texts) {
  std::vector<Version> out;
  for (const std::string_view text : texts) out.push_back(V(text));
  return out;
}

TEST(UpdatePolicyTest, ParsePolicyAcceptsTheThreeNamesAndRoundTrips) {
  for (const Policy policy : {Policy::kPatch, Policy::kMinor, Policy::kMajor}) {
    const auto parsed = ParsePolicy(PolicyName(policy));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, policy);
  }
}

TEST(UpdatePolicyTest, ParsePolicyRejectsOtherNamesListingTheValidOnes) {
  for (const std::string_view text : {"", "Patch", "latest", "minor "}) {
    const auto parsed = ParsePolicy(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_NE(parsed.error().message().find("expected patch, minor or major"), std::string::npos);
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(UpdatePolicyTest, IsAllowedKeepsWhatThePolicyFixesAndRequiresANewerVersion) {
  struct Case {
    Policy policy;
    std::string_view current;
    std::string_view target;
    bool allowed;
  };
  const Case cases[] = {
      {Policy::kPatch, "1.2.3", "1.2.4", true},
      {Policy::kPatch, "1.2.3", "1.3.0", false},
      {Policy::kPatch, "1.2.3", "2.0.0", false},
      {Policy::kPatch, "1.2.3-rc.1", "1.2.3", true},
      {Policy::kMinor, "1.2.3", "1.2.4", true},
      {Policy::kMinor, "1.2.3", "1.9.0", true},
      {Policy::kMinor, "1.2.3", "2.0.0", false},
      {Policy::kMinor, "0.2.3", "0.3.0", true},  // the policy is about size, not breakage
      {Policy::kMajor, "1.2.3", "7.0.0", true},
      {Policy::kMajor, "1.2.3", "1.2.3", false},        // not newer
      {Policy::kMajor, "1.2.3", "1.2.3+other", false},  // build metadata is not newer
      {Policy::kMajor, "1.2.3", "1.2.2", false},        // a downgrade
      {Policy::kMajor, "1.2.3", "1.2.3-rc.1", false},   // a prerelease of it is older
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsAllowed(c.policy, V(c.current), V(c.target)), c.allowed)
        << PolicyName(c.policy) << ": " << c.current << " -> " << c.target;
  }
}

TEST(UpdatePolicyTest, IsDowngradeComparesPrecedence) {
  EXPECT_TRUE(IsDowngrade(V("1.2.3"), V("1.2.2")));
  EXPECT_TRUE(IsDowngrade(V("1.2.3"), V("1.2.3-rc.1")));
  EXPECT_FALSE(IsDowngrade(V("1.2.3"), V("1.2.3+build")));
  EXPECT_FALSE(IsDowngrade(V("1.2.3"), V("1.2.4")));
}

TEST(UpdatePolicyTest, IsBreakingWhenTheLeftmostNonZeroComponentChanges) {
  struct Case {
    std::string_view current;
    std::string_view target;
    bool breaking;
  };
  const Case cases[] = {
      {"1.2.3", "2.0.0", true},      {"1.2.3", "1.9.0", false}, {"1.2.3", "1.2.4", false},
      {"0.2.3", "0.3.0", true},      {"0.2.3", "0.2.9", false}, {"0.0.3", "0.0.4", true},
      {"0.0.3", "0.1.0", true},      {"0.9.0", "1.0.0", true},  {"1.0.0-rc.1", "1.0.0", false},
      {"0.9.0", "1.0.0-rc.1", true}, {"2.0.0", "1.9.0", true},  // downgrades across the boundary
                                                                // break too
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsBreaking(V(c.current), V(c.target)), c.breaking) << c.current << " -> " << c.target;
  }
}

TEST(UpdatePolicyTest, SelectTargetPicksTheHighestAllowedRelease) {
  const auto candidates =
      Versions({"1.2.2", "1.2.4", "1.2.9", "1.3.0", "1.10.1", "2.0.0", "1.2.10-rc.1"});
  const Version current = V("1.2.3");
  EXPECT_EQ(SelectTarget(Policy::kPatch, current, candidates)->ToString(), "1.2.9");
  EXPECT_EQ(SelectTarget(Policy::kMinor, current, candidates)->ToString(), "1.10.1");
  EXPECT_EQ(SelectTarget(Policy::kMajor, current, candidates)->ToString(), "2.0.0");
}

TEST(UpdatePolicyTest, SelectTargetSkipsPrereleasesUnlessAsked) {
  const auto candidates = Versions({"1.2.4", "1.2.5-rc.1", "1.3.0-beta.2"});
  const Version current = V("1.2.3");
  EXPECT_EQ(SelectTarget(Policy::kMinor, current, candidates)->ToString(), "1.2.4");
  EXPECT_EQ(SelectTarget(Policy::kMinor, current, candidates, true)->ToString(), "1.3.0-beta.2");
  EXPECT_EQ(SelectTarget(Policy::kPatch, current, candidates, true)->ToString(), "1.2.5-rc.1");
}

TEST(UpdatePolicyTest, SelectTargetLetsAPrereleaseMoveToLaterPrereleasesOfItsVersion) {
  const auto candidates = Versions({"1.3.0-rc.2", "1.3.0-rc.3", "1.3.1-rc.1"});
  const Version current = V("1.3.0-rc.1");
  EXPECT_EQ(SelectTarget(Policy::kPatch, current, candidates)->ToString(), "1.3.0-rc.3");
  EXPECT_EQ(SelectTarget(Policy::kPatch, current, Versions({"1.3.0-rc.2", "1.3.0"}))->ToString(),
            "1.3.0");
}

TEST(UpdatePolicyTest, SelectTargetReturnsNothingWhenNoCandidateIsNewerAndAllowed) {
  const Version current = V("1.2.3");
  EXPECT_FALSE(SelectTarget(Policy::kMajor, current, Versions({"1.2.3", "1.0.0", "1.2.3+b"})));
  EXPECT_FALSE(SelectTarget(Policy::kPatch, current, Versions({"1.3.0", "2.0.0"})));
  EXPECT_FALSE(SelectTarget(Policy::kMajor, current, {}));
}

TEST(UpdatePolicyTest, SelectTargetKeepsTheFirstOfEqualPrecedence) {
  const auto candidates = Versions({"1.2.4+first", "1.2.4+second"});
  EXPECT_EQ(SelectTarget(Policy::kPatch, V("1.2.3"), candidates)->ToString(), "1.2.4+first");
}

}  // namespace
}  // namespace galaos::semver
