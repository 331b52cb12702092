// Expected values were taken from npm semver 7 (validRange / satisfies).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "semver/Range.h"

namespace galaos::semver {
namespace {

struct DesugarCase {
  std::string_view range;
  std::string_view expected;
};

std::string Desugar(std::string_view text, RangeOptions options = {}) {
  const auto range = Range::Parse(text, options);
  if (!range) return "error: " + range.error().message();
  return range->ToString();
}

void ExpectDesugars(const DesugarCase* begin, const DesugarCase* end, RangeOptions options = {}) {
  for (const DesugarCase* c = begin; c != end; ++c) {
    EXPECT_EQ(Desugar(c->range, options), c->expected) << "range \"" << c->range << '"';
  }
}

TEST(RangeTest, PrimitiveComparatorsKeepTheirOperatorAndDropBuildAndEquals) {
  const DesugarCase cases[] = {
      {"1.2.3", "1.2.3"},
      {"=1.2.3", "1.2.3"},
      {"v1.2.3", "1.2.3"},
      {">1.2.3", ">1.2.3"},
      {">=1.2.3", ">=1.2.3"},
      {"<1.2.3", "<1.2.3"},
      {"<=1.2.3-rc.1", "<=1.2.3-rc.1"},
      {"1.2.3+build", "1.2.3"},
  };
  ExpectDesugars(std::begin(cases), std::end(cases));
}

TEST(RangeTest, XRangesBecomeBoundsWithPrereleaseZeroUpperBounds) {
  const DesugarCase cases[] = {
      {"*", "*"},
      {"", "*"},
      {"x", "*"},
      {"1.x", ">=1.0.0 <2.0.0-0"},
      {"1.2.*", ">=1.2.0 <1.3.0-0"},
      {"1.X.x", ">=1.0.0 <2.0.0-0"},
      {">1.x", ">=2.0.0"},
      {">1.2", ">=1.3.0"},
      {"<=1.2", "<1.3.0-0"},
      {"<1.2", "<1.2.0-0"},
      {">=1", ">=1.0.0"},
      {"=1.x", ">=1.0.0 <2.0.0-0"},
      {">*", "<0.0.0-0"},
      {"<x", "<0.0.0-0"},
  };
  ExpectDesugars(std::begin(cases), std::end(cases));
}

TEST(RangeTest, TildeAllowsPatchChangesOrMinorWhenOnlyMajorIsGiven) {
  const DesugarCase cases[] = {
      {"~1.2.3", ">=1.2.3 <1.3.0-0"},  {"~1.2", ">=1.2.0 <1.3.0-0"},
      {"~1", ">=1.0.0 <2.0.0-0"},      {"~0.2.3", ">=0.2.3 <0.3.0-0"},
      {"~>1.2.3", ">=1.2.3 <1.3.0-0"}, {"~1.2.3-beta.2", ">=1.2.3-beta.2 <1.3.0-0"},
      {"~ 1.2", ">=1.2.0 <1.3.0-0"},
  };
  ExpectDesugars(std::begin(cases), std::end(cases));
}

TEST(RangeTest, CaretAllowsChangesRightOfTheLeftmostNonZeroComponent) {
  const DesugarCase cases[] = {
      {"^1.2.3", ">=1.2.3 <2.0.0-0"},
      {"^0.2.3", ">=0.2.3 <0.3.0-0"},
      {"^0.0.3", ">=0.0.3 <0.0.4-0"},
      {"^1.x", ">=1.0.0 <2.0.0-0"},
      {"^0.x", "<1.0.0-0"},  // >=0.0.0 means any version and is dropped
      {"^0.0.x", "<0.1.0-0"},
      {"^0.0", "<0.1.0-0"},
      {"^1.2.3-beta.2", ">=1.2.3-beta.2 <2.0.0-0"},
      {"^0.0.3-beta", ">=0.0.3-beta <0.0.4-0"},
      {"^ 1.2", ">=1.2.0 <2.0.0-0"},
  };
  ExpectDesugars(std::begin(cases), std::end(cases));
}

TEST(RangeTest, HyphenRangesIncludeBothEndsAndWidenPartialUpperEnds) {
  const DesugarCase cases[] = {
      {"1.2.3 - 2.3.4", ">=1.2.3 <=2.3.4"},
      {"1.2 - 2.3.4", ">=1.2.0 <=2.3.4"},
      {"1.2.3 - 2.3", ">=1.2.3 <2.4.0-0"},
      {"1.2.3 - 2", ">=1.2.3 <3.0.0-0"},
      {"* - 2", "<3.0.0-0"},
      {"1.2.3-rc.1 - 2.0.0-rc.2", ">=1.2.3-rc.1 <=2.0.0-rc.2"},
  };
  ExpectDesugars(std::begin(cases), std::end(cases));
}

TEST(RangeTest, WhitespaceAlternativesDuplicatesAndEmptySetsAreNormalised) {
  const DesugarCase cases[] = {
      {">=1.2.3 <2.0.0", ">=1.2.3 <2.0.0"},
      {"> 1.2.3  <\t2", ">1.2.3 <2.0.0-0"},
      {">= 1.2.3 || < 1.0.0", ">=1.2.3||<1.0.0"},
      {"1.2.3 || 2.x || ^3.1", "1.2.3||>=2.0.0 <3.0.0-0||>=3.1.0 <4.0.0-0"},
      {">=1.0.0 >=1.0.0", ">=1.0.0"},
      {"<0.0.0-0 || 1.2.3", "1.2.3"},  // an alternative matching nothing is dropped
      {"<0.0.0-0", "<0.0.0-0"},
      {">=0.0.0", "*"},
      {"1.2.3 || *", "*"},            // an alternative matching everything wins
      {">1 <1", ">=2.0.0 <1.0.0-0"},  // unsatisfiable but valid
  };
  ExpectDesugars(std::begin(cases), std::end(cases));
}

TEST(RangeTest, IncludePrereleaseStartsPartialLowerBoundsAtPrereleaseZero) {
  const DesugarCase cases[] = {
      {"1.x", ">=1.0.0-0 <2.0.0-0"},
      {"~1.2", ">=1.2.0-0 <1.3.0-0"},
      {"^1.2", ">=1.2.0-0 <2.0.0-0"},
      {"1.2.3 - 2.3.4", ">=1.2.3-0 <2.3.5-0"},
      {">=0.0.0-0", "*"},
  };
  ExpectDesugars(std::begin(cases), std::end(cases), {.include_prerelease = true});
}

TEST(RangeTest, LooseModeReadsLooseVersionsAndDropsInvalidComparators) {
  const DesugarCase cases[] = {
      {"=01.2.3 || foo", "1.2.3"},
      {"~1.2.3beta", ">=1.2.3-beta <1.3.0-0"},
      {">=01.2.3", ">=1.2.3"},
      {">=1.2.3 <foo", ">=1.2.3"},
  };
  ExpectDesugars(std::begin(cases), std::end(cases), {.loose = true});
  EXPECT_FALSE(Range::Parse("foo", {.loose = true}));
}

TEST(RangeTest, InvalidRangesAreErrorsQuotingTheBadComparator) {
  const DesugarCase cases[] = {
      {"foo", "invalid range \"foo\": comparator \"foo\" is not valid: invalid version \"foo\""},
      {">=1.2.3 <foo", "comparator \"<foo\" is not valid"},
      {"1.2.3 - foo", "comparator \"-\" is not valid"},
      {"^9007199254740991",
       "comparator \"<9007199254740992.0.0-0\" (from \"^9007199254740991\") is not valid: "
       "invalid version \"9007199254740992.0.0-0\": major version 9007199254740992 is larger"},
      {"1.2.3.4",
       "comparator \"1.2.3.4\" is not valid: invalid version \"1.2.3.4\": unexpected "
       "'.' at column 6"},
      {"~>", "comparator \"~>\" is not valid"},
      {"1 - 2 - 3", "comparator \"-\" is not valid"},
      {"01.2.3", "major version \"01\" has a leading zero"},
      {"1.2.3-01", "numeric prerelease identifier \"01\" has a leading zero"},
      {"=1.2.3 || foo", "comparator \"foo\" is not valid"},
  };
  for (const DesugarCase& c : cases) {
    const auto range = Range::Parse(c.range);
    ASSERT_FALSE(range) << c.range << " -> " << range->ToString();
    EXPECT_NE(range.error().message().find(c.expected), std::string::npos)
        << "for \"" << c.range << "\" got: " << range.error().message();
    EXPECT_EQ(range.error().code(), ErrorCode::kInvalidArgument);
  }
}

struct SatisfiesCase {
  std::string_view version;
  std::string_view range;
  bool satisfies;
  bool satisfies_including_prereleases;
};

TEST(RangeTest, SatisfiesAppliesNpmsPrereleaseRuleUnlessIncludePrerelease) {
  const SatisfiesCase cases[] = {
      {"1.2.3", "^1.2.3", true, true},
      {"1.9.9", "^1.2.3", true, true},
      {"2.0.0", "^1.2.3", false, false},
      {"2.0.0-rc.1", "^1.2.3", false, false},  // <2.0.0-0 keeps 2.0.0 prereleases out
      {"1.2.4-rc.1", "^1.2.3", false, true},   // no comparator names a 1.2.4 prerelease
      {"1.2.3-rc.2", "^1.2.3-rc.1", true, true},
      {"1.2.3-rc.0", "^1.2.3-rc.1", false, false},
      {"1.2.4-rc.2", "^1.2.3-rc.1", false, true},
      {"1.3.0-rc.1", ">=1.2.3 <1.3.0", false, true},
      {"1.2.9", "~1.2.3", true, true},
      {"1.3.0", "~1.2.3", false, false},
      {"0.2.9", "^0.2.3", true, true},
      {"0.3.0", "^0.2.3", false, false},
      {"0.0.3", "^0.0.3", true, true},
      {"0.0.4", "^0.0.3", false, false},
      {"3.0.0", "1.2.3 - 2.3", false, false},
      {"2.3.9", "1.2.3 - 2.3", true, true},
      {"2.4.0-0", "1.2.3 - 2.3", false, false},
      {"1.2.3", "1.x || >=2.5.0", true, true},
      {"2.5.0", "1.x || >=2.5.0", true, true},
      {"2.4.9", "1.x || >=2.5.0", false, false},
      {"0.0.0-0", "*", false, true},
      {"1.0.0-rc.1", "*", false, true},
      {"1.2.3+build", "1.2.3", true, true},
      {"3.0.0-beta", "<0.0.0-0 || >=3.0.0-alpha", true, true},
  };
  for (const SatisfiesCase& c : cases) {
    const Version version = *Version::Parse(c.version);
    const Range range = *Range::Parse(c.range);
    const Range including = *Range::Parse(c.range, {.include_prerelease = true});
    EXPECT_EQ(range.Satisfies(version), c.satisfies) << c.version << " in " << c.range;
    EXPECT_EQ(including.Satisfies(version), c.satisfies_including_prereleases)
        << c.version << " in " << c.range << " with include_prerelease";
  }
}

TEST(RangeTest, ComparatorMatchesByPrecedence) {
  const Version v = *Version::Parse("1.2.3+build");
  EXPECT_TRUE((Comparator{Comparator::Op::kEqual, *Version::Parse("1.2.3")}.Matches(v)));
  EXPECT_TRUE((Comparator{Comparator::Op::kLessEqual, *Version::Parse("1.2.3")}.Matches(v)));
  EXPECT_FALSE((Comparator{Comparator::Op::kLess, *Version::Parse("1.2.3")}.Matches(v)));
  EXPECT_TRUE((Comparator{Comparator::Op::kGreater, *Version::Parse("1.2.3-rc.1")}.Matches(v)));
  EXPECT_FALSE((Comparator{Comparator::Op::kGreaterEqual, *Version::Parse("1.2.4")}.Matches(v)));
  EXPECT_TRUE(Comparator{}.Matches(v));
  EXPECT_EQ((Comparator{Comparator::Op::kGreaterEqual, *Version::Parse("1.2.4")}.ToString()),
            ">=1.2.4");
}

}  // namespace
}  // namespace galaos::semver
