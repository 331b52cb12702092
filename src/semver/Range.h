// Range: a set of versions written in the range syntax of the npm `semver` package (v7):
// comparators (<1.2.3, <=, >, >=, =1.2.3, 1.2.3), x-ranges (1.x, 1.2.*, *, ""), tilde (~1.2.3,
// ~1.2, ~1), caret (^1.2.3, ^0.2.3, ^0.0.3, ^1.x), hyphen ranges (1.2.3 - 2.3.4, partials
// allowed) and alternatives joined by "||". A range is desugared exactly as that package does
// (e.g. ^1.2.3 is ">=1.2.3 <2.0.0-0"), so ToString() equals its validRange() and Satisfies()
// its satisfies(), including for odd inputs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"
#include "semver/Version.h"

namespace galaos::semver {

struct RangeOptions {
  // npm {loose: true}: versions are read in ParseMode::kLoose and comparators that are not
  // even loosely valid are dropped instead of failing the range.
  bool loose = false;
  // npm {includePrerelease: true}: prerelease versions are not treated specially.
  bool include_prerelease = false;
};

// One primitive comparison with a version; kAny matches everything.
struct Comparator {
  enum class Op { kAny, kEqual, kLess, kLessEqual, kGreater, kGreaterEqual };

  Op op = Op::kAny;
  Version version;

  bool Matches(const Version& candidate) const;
  // ">=1.2.3", "1.2.3" for kEqual, "" for kAny (npm's Comparator.value).
  std::string ToString() const;
};

class Range {
 public:
  // Errors quote the comparator that is wrong and, when it came from a shorthand, the
  // shorthand: `invalid range "^9007199254740991": comparator "<9007199254740992.0.0-0"
  // (from "^9007199254740991") is not valid: ...`.
  static Expected<Range> Parse(std::string_view text, RangeOptions options = {});

  // True when every comparator of some alternative matches. Unless include_prerelease, a
  // prerelease version only satisfies an alternative that has a comparator with a prerelease
  // of the same MAJOR.MINOR.PATCH: ">=1.2.3-beta <2" accepts 1.2.3-rc but not 1.2.4-rc.
  bool Satisfies(const Version& version) const;

  // The desugared range, "*" when it matches everything: ">=1.2.3 <2.0.0-0||>=3.0.0".
  std::string ToString() const;

 private:
  std::vector<std::vector<Comparator>> alternatives_;
  RangeOptions options_;
};

}  // namespace galaos::semver
