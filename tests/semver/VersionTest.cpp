#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "semver/Version.h"

namespace galaos::semver {
namespace {

std::string Canonical(std::string_view text, ParseMode mode) {
  const auto version = Version::Parse(text, mode);
  if (!version) return "error: " + version.error().message();
  return version->ToString();
}

TEST(VersionTest, StrictParseAcceptsTheSemVer200GrammarAndKeepsEveryPart) {
  const auto version = Version::Parse("1.20.300-alpha.0.x-y.07a+build.001");
  ASSERT_TRUE(version) << version.error().message();
  EXPECT_EQ(version->major(), 1u);
  EXPECT_EQ(version->minor(), 20u);
  EXPECT_EQ(version->patch(), 300u);
  EXPECT_EQ(version->prerelease(), (std::vector<std::string>{"alpha", "0", "x-y", "07a"}));
  EXPECT_EQ(version->build(), (std::vector<std::string>{"build", "001"}));
  EXPECT_TRUE(version->IsPrerelease());
  EXPECT_EQ(version->ToString(), "1.20.300-alpha.0.x-y.07a+build.001");
}

TEST(VersionTest, StrictParseAcceptsTheSpecExamples) {
  for (const std::string_view text :
       {"0.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7", "1.0.0-x.7.z.92", "1.0.0-x-y-z.--",
        "1.0.0-alpha+001", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85",
        "1.0.0+21AF26D3----117B344092BD", "1.2.3----RC-SNAPSHOT.12.9.1--.12+788"}) {
    EXPECT_EQ(Canonical(text, ParseMode::kStrict), text);
  }
}

TEST(VersionTest, StrictParseRejectsWhatTheGrammarForbidsAndNamesTheBadPart) {
  struct Case {
    std::string_view text;
    std::string_view message;
  };
  const Case cases[] = {
      {"", "the version is empty"},
      {"1.2", "expected '.' after the minor version, the text ends"},
      {"1", "expected '.' after the major version, the text ends"},
      {"1.2.3.4", "unexpected '.' at column 6"},
      {"v1.2.3", "expected the major version number, found 'v' at column 1"},
      {"=1.2.3", "expected the major version number, found '=' at column 1"},
      {" 1.2.3", "expected the major version number, found a space at column 1"},
      {"1.2.3 ", "unexpected a space at column 6"},
      {"01.2.3", "major version \"01\" has a leading zero"},
      {"1.02.3", "minor version \"02\" has a leading zero"},
      {"1.2.03", "patch version \"03\" has a leading zero"},
      {"1.2.3-01", "numeric prerelease identifier \"01\" has a leading zero"},
      {"1.2.3-", "empty prerelease identifier at column 7"},
      {"1.2.3-a..b", "empty prerelease identifier at column 9"},
      {"1.2.3-a.", "empty prerelease identifier at column 9"},
      {"1.2.3+", "empty build identifier at column 7"},
      {"1.2.3-_a", "'_' in the prerelease at column 7"},
      {"1.2.3-al_pha", "unexpected '_' at column 9"},
      {"1.2.3alpha", "unexpected 'a' at column 6"},
      {"1.x.3", "expected the minor version number, found 'x' at column 3"},
      {"1.2.3\n", "unexpected byte 0x0a at column 6"},
  };
  for (const Case& c : cases) {
    const auto version = Version::Parse(c.text);
    ASSERT_FALSE(version) << c.text;
    EXPECT_NE(version.error().message().find(c.message), std::string::npos)
        << "for \"" << c.text << "\" got: " << version.error().message();
    EXPECT_EQ(version.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(VersionTest, NpmModeTrimsWhitespaceAndAcceptsOneLeadingV) {
  struct Case {
    std::string_view text;
    std::string_view expected;  // "" = rejected
  };
  const Case cases[] = {
      {"v1.2.3", "1.2.3"}, {" 1.2.3\t\n", "1.2.3"}, {"\v v1.2.3-rc.1 ", "1.2.3-rc.1"},
      {"=1.2.3", ""},      {"V1.2.3", ""},          {"vv1.2.3", ""},
      {"v 1.2.3", ""},     {"1.02.3", ""},          {"1.2.3-01", ""},
      {"1.2.3beta", ""},
  };
  for (const Case& c : cases) {
    const auto version = Version::Parse(c.text, ParseMode::kNpm);
    EXPECT_EQ(version ? version->ToString() : "", c.expected) << '"' << c.text << '"';
  }
}

TEST(VersionTest, LooseModeAcceptsPrefixesLeadingZerosAndAPrereleaseWithoutHyphen) {
  struct Case {
    std::string_view text;
    std::string_view expected;  // "" = rejected
  };
  const Case cases[] = {
      {"=1.2.3", "1.2.3"},
      {"v=  v1.2.3", "1.2.3"},
      {" = v 1.2.3 ", "1.2.3"},
      {"01.02.03", "1.2.3"},
      {"1.2.3beta", "1.2.3-beta"},
      {"1.2.3-007", "1.2.3-7"},
      {"1.2.3-0009007199254740993", "1.2.3-0009007199254740993"},  // as npm: kept verbatim
      {"1.2.34.5", "1.2.3-4.5"},  // npm's expression backtracks into the patch digits
      {"1.2.3-", "1.2.3--"},      // the lone '-' is the identifier
      {"1.2.3-.a", "1.2.3--.a"},
      {"1.2.3+build", "1.2.3+build"},
      {"V1.2.3", ""},
      {"1.2", ""},
      {"1.2.3.", ""},
      {"1.2.3-a..b", ""},
  };
  for (const Case& c : cases) {
    const auto version = Version::Parse(c.text, ParseMode::kLoose);
    EXPECT_EQ(version ? version->ToString() : "", c.expected) << '"' << c.text << '"';
  }
}

TEST(VersionTest, NumbersAboveMaxSafeIntegerAreRejectedInEveryMode) {
  for (const ParseMode mode : {ParseMode::kStrict, ParseMode::kNpm, ParseMode::kLoose}) {
    EXPECT_TRUE(Version::Parse("9007199254740991.9007199254740991.9007199254740991", mode));
    for (const std::string_view text : {"9007199254740992.0.0", "0.9007199254740992.0",
                                        "0.0.9007199254740992", "0.0.99999999999999999999999"}) {
      const auto version = Version::Parse(text, mode);
      ASSERT_FALSE(version) << text;
      EXPECT_NE(version.error().message().find("is larger than 9007199254740991"),
                std::string::npos)
          << version.error().message();
    }
  }
}

TEST(VersionTest, HugeNumericPrereleaseIdentifiersAreAllowed) {
  EXPECT_EQ(Canonical("1.2.3-99999999999999999999999", ParseMode::kStrict),
            "1.2.3-99999999999999999999999");
}

TEST(VersionTest, TextLongerThan256CharactersIsRejected) {
  const std::string at_limit = "1.2.3-" + std::string(250, 'a');
  const std::string over_limit = at_limit + "a";
  EXPECT_TRUE(Version::Parse(at_limit));
  const auto version = Version::Parse(over_limit, ParseMode::kLoose);
  ASSERT_FALSE(version);
  EXPECT_NE(version.error().message().find("longer than 256 characters (257)"), std::string::npos)
      << version.error().message();
  // npm measures before trimming.
  EXPECT_FALSE(Version::Parse(" 1.2.3" + std::string(251, ' '), ParseMode::kNpm));
}

TEST(VersionTest, PrecedenceFollowsTheSpecExampleChain) {
  const std::vector<std::string_view> ascending = {
      "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
      "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
      "1.0.0-rc.1",  "1.0.0",         "2.0.0",
      "2.1.0",       "2.1.1"};
  for (std::size_t i = 0; i < ascending.size(); ++i) {
    for (std::size_t j = 0; j < ascending.size(); ++j) {
      const Version a = *Version::Parse(ascending[i]);
      const Version b = *Version::Parse(ascending[j]);
      EXPECT_EQ(a <=> b, i <=> j) << ascending[i] << " vs " << ascending[j];
    }
  }
}

TEST(VersionTest, PrecedenceComparesIdentifiersByTheirKind) {
  struct Case {
    std::string_view lower;
    std::string_view higher;
  };
  const Case cases[] = {
      {"1.0.0-2", "1.0.0-11"},           // numeric by value, not by text
      {"1.0.0-999", "1.0.0-a"},          // numeric below alphanumeric
      {"1.0.0-11", "1.0.0-1a"},          // "1a" is alphanumeric
      {"1.0.0-B", "1.0.0-a"},            // ASCII order: uppercase first
      {"1.0.0-a.b", "1.0.0-a-b"},        // "a" is a prefix of "a-b", so it sorts first
      {"1.0.0-alpha", "1.0.0-alpha.0"},  // a shorter set is lower when a prefix
      {"1.0.0-rc.1", "1.0.0"},           // a release is above its prereleases
      {"1.0.0", "1.0.1-0"},              // the core decides first
      {"1.9.9", "1.10.0"},               // numerically
      {"1.0.0-9007199254740992", "1.0.0-9007199254740993"},  // exact beyond 2^53, unlike npm
  };
  for (const Case& c : cases) {
    const Version lower = *Version::Parse(c.lower);
    const Version higher = *Version::Parse(c.higher);
    EXPECT_LT(lower, higher) << c.lower << " < " << c.higher;
    EXPECT_GT(higher, lower) << c.higher << " > " << c.lower;
    EXPECT_NE(lower, higher);
  }
}

TEST(VersionTest, BuildMetadataIsIgnoredForPrecedenceButKept) {
  const Version a = *Version::Parse("1.0.0-rc.1+build.1");
  const Version b = *Version::Parse("1.0.0-rc.1+build.2");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a <=> b, std::weak_ordering::equivalent);
  EXPECT_EQ(a.ToString(), "1.0.0-rc.1+build.1");
  EXPECT_LT(*Version::Parse("1.0.0-rc.1+zzz"), *Version::Parse("1.0.0-rc.2+aaa"));
}

TEST(VersionTest, LooseLeadingZerosDoNotChangePrecedence) {
  EXPECT_EQ(*Version::Parse("01.2.3-007", ParseMode::kLoose), *Version::Parse("1.2.3-7"));
  EXPECT_EQ(*Version::Parse("1.2.3-0009007199254740993", ParseMode::kLoose),
            *Version::Parse("1.2.3-9007199254740993"));
}

TEST(VersionTest, DefaultVersionIsZero) {
  EXPECT_EQ(Version().ToString(), "0.0.0");
}

}  // namespace
}  // namespace galaos::semver
