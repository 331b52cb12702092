// Version: a SemVer 2.0.0 version (https://semver.org/spec/v2.0.0.html) with its precedence.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::semver {

// Bounds of the npm `semver` package: longer strings and larger numbers are rejected.
inline constexpr std::size_t kMaxVersionLength = 256;                 // MAX_LENGTH
inline constexpr std::uint64_t kMaxVersionNumber = 9007199254740991;  // MAX_SAFE_INTEGER

enum class ParseMode {
  // Exactly the SemVer 2.0.0 grammar: no 'v', no whitespace, no leading zeros.
  kStrict,
  // npm `semver` default: kStrict after trimming surrounding whitespace and one optional
  // leading 'v' (not '=', not 'V').
  kNpm,
  // npm `semver` {loose: true}: any run of 'v', '=' and whitespace before the version, leading
  // zeros in numbers, and a prerelease without its '-' ("1.2.3beta" is 1.2.3-beta).
  kLoose,
};

class Version {
 public:
  Version() = default;  // 0.0.0

  // Errors name the offending part, e.g. `invalid version "1.02.3": minor version "02" has a
  // leading zero`. Numeric prerelease identifiers below kMaxVersionNumber are normalised to
  // their value in kLoose mode ("1.2.3-007" is 1.2.3-7), as npm does.
  static Expected<Version> Parse(std::string_view text, ParseMode mode = ParseMode::kStrict);

  std::uint64_t major() const { return major_; }
  std::uint64_t minor() const { return minor_; }
  std::uint64_t patch() const { return patch_; }
  const std::vector<std::string>& prerelease() const { return prerelease_; }
  const std::vector<std::string>& build() const { return build_; }
  bool IsPrerelease() const { return !prerelease_.empty(); }

  // "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]".
  std::string ToString() const;

  // Precedence (SemVer 2.0.0 §11). Build metadata is ignored, so 1.0.0+a == 1.0.0+b.
  // Numeric prerelease identifiers compare by exact value at any size.
  friend std::weak_ordering operator<=>(const Version& a, const Version& b);
  friend bool operator==(const Version& a, const Version& b) { return (a <=> b) == 0; }

 private:
  std::uint64_t major_ = 0;
  std::uint64_t minor_ = 0;
  std::uint64_t patch_ = 0;
  std::vector<std::string> prerelease_;
  std::vector<std::string> build_;

  friend class StrictParser;
};

}  // namespace galaos::semver
