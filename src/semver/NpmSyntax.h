// Internal to the semver module: hand-written matchers for the version grammar of the npm
// `semver` package (the "safe" regular expressions of its internal/re.js), so that our answers
// agree with the package on every input, including where those expressions backtrack.
// Every matcher matches the whole text it is given, as the anchored expressions do.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace galaos::semver::npm {

// JavaScript's \s restricted to ASCII (space, \t, \n, \v, \f, \r).
bool IsSpace(char c);
bool IsDigit(char c);
// [0-9A-Za-z-]
bool IsIdentifierChar(char c);
// String.prototype.trim() for ASCII whitespace.
std::string_view Trim(std::string_view text);
// For error messages: text in double quotes, with what would not print on one line escaped.
std::string Quote(std::string_view text);

struct VersionMatch {
  std::string_view major;
  std::string_view minor;
  std::string_view patch;
  std::optional<std::string_view> prerelease;  // without its '-'
  std::optional<std::string_view> build;       // without its '+'
};

// LOOSEPLAIN: [v=\s]* MAJOR.MINOR.PATCH, numbers with leading zeros allowed, a prerelease with
// an optional '-', optional build. "1.2.34.5" matches as 1.2.3 with prerelease "4.5", as the
// regular expression's backtracking into the patch digits does.
std::optional<VersionMatch> MatchLooseVersion(std::string_view text);

struct XRangeMatch {
  std::string_view major;  // digits, "x", "X" or "*"
  std::optional<std::string_view> minor;
  std::optional<std::string_view> patch;
  std::optional<std::string_view> prerelease;  // only after a patch
};

// XRANGEPLAIN (or XRANGEPLAINLOOSE): [v=\s]* then 1 to 3 components, each a number or x/X/*,
// then prerelease and build after a third component.
std::optional<XRangeMatch> MatchXRange(std::string_view text, bool loose);

// Splits off the leading operator ((?:<|>)?=?), greedily: ">=1.2.3" -> {">=", "1.2.3"}.
std::pair<std::string_view, std::string_view> SplitOperator(std::string_view text);

}  // namespace galaos::semver::npm
