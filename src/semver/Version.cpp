#include "semver/Version.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "semver/NpmSyntax.h"

namespace galaos::semver {
namespace {

bool IsNumeric(std::string_view identifier) {
  return !identifier.empty() && std::ranges::all_of(identifier, npm::IsDigit);
}

std::string_view StripLeadingZeros(std::string_view digits) {
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  return digits;
}

// The value of decimal digits (leading zeros allowed); nullopt above kMaxVersionNumber.
std::optional<std::uint64_t> ToNumber(std::string_view digits) {
  digits = StripLeadingZeros(digits);
  std::uint64_t value = 0;
  if (digits.size() > 16) return std::nullopt;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (value > kMaxVersionNumber) return std::nullopt;
  return value;
}

std::string DescribeChar(char c) {
  if (c == ' ') return "a space";
  if (c > 0x20 && c < 0x7f) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c));
}

std::unexpected<Error> Invalid(std::string_view text, std::string_view reason) {
  return MakeError(ErrorCode::kInvalidArgument,
                   fmt::format("invalid version {}: {}", npm::Quote(text), reason));
}

std::vector<std::string> SplitDots(std::string_view text) {
  std::vector<std::string> parts;
  while (true) {
    const std::size_t dot = text.find('.');
    parts.emplace_back(text.substr(0, dot));
    if (dot == std::string_view::npos) return parts;
    text.remove_prefix(dot + 1);
  }
}

// Orders prerelease identifiers: numeric ones by value and below alphanumeric ones, which
// compare in ASCII order.
std::weak_ordering CompareIdentifiers(std::string_view a, std::string_view b) {
  const bool a_numeric = IsNumeric(a);
  const bool b_numeric = IsNumeric(b);
  if (a_numeric && b_numeric) {
    a = StripLeadingZeros(a);
    b = StripLeadingZeros(b);
    if (a.size() != b.size()) return a.size() <=> b.size();
    return a.compare(b) <=> 0;
  }
  if (a_numeric != b_numeric)
    return a_numeric ? std::weak_ordering::less : std::weak_ordering::greater;
  return a.compare(b) <=> 0;
}

}  // namespace

// Parses `body`, a part of `text` starting at column offset + 1, with the SemVer 2.0.0 grammar.
class StrictParser {
 public:
  StrictParser(std::string_view text, std::string_view body, std::size_t offset)
      : text_(text), body_(body), offset_(offset) {}

  Expected<Version> Parse(Version version) && {
    if (body_.empty()) return Invalid(text_, "the version is empty");
    version.major_ = TRY(Number("major"));
    TRY(ExpectDot("major"));
    version.minor_ = TRY(Number("minor"));
    TRY(ExpectDot("minor"));
    version.patch_ = TRY(Number("patch"));
    if (pos_ < body_.size() && body_[pos_] == '-') {
      ++pos_;
      version.prerelease_ = TRY(Identifiers("prerelease"));
    }
    if (pos_ < body_.size() && body_[pos_] == '+') {
      ++pos_;
      version.build_ = TRY(Identifiers("build"));
    }
    if (pos_ < body_.size()) {
      return Invalid(
          text_, fmt::format("unexpected {} at column {}", DescribeChar(body_[pos_]), Column()));
    }
    return version;
  }

 private:
  std::size_t Column() const { return offset_ + pos_ + 1; }

  std::string Found() const {
    if (pos_ >= body_.size()) return "the text ends";
    return fmt::format("found {} at column {}", DescribeChar(body_[pos_]), Column());
  }

  Expected<std::uint64_t> Number(std::string_view what) {
    const std::size_t start = pos_;
    while (pos_ < body_.size() && npm::IsDigit(body_[pos_])) ++pos_;
    const std::string_view digits = body_.substr(start, pos_ - start);
    if (digits.empty()) {
      return Invalid(text_, fmt::format("expected the {} version number, {}", what, Found()));
    }
    if (digits.size() > 1 && digits.front() == '0') {
      return Invalid(text_,
                     fmt::format("{} version {} has a leading zero", what, npm::Quote(digits)));
    }
    const auto value = ToNumber(digits);
    if (!value) {
      return Invalid(
          text_, fmt::format("{} version {} is larger than {}", what, digits, kMaxVersionNumber));
    }
    return *value;
  }

  Status ExpectDot(std::string_view after) {
    if (pos_ < body_.size() && body_[pos_] == '.') {
      ++pos_;
      return {};
    }
    return Invalid(text_, fmt::format("expected '.' after the {} version, {}", after, Found()));
  }

  Expected<std::vector<std::string>> Identifiers(std::string_view what) {
    std::vector<std::string> identifiers;
    while (true) {
      const std::size_t start = pos_;
      while (pos_ < body_.size() && npm::IsIdentifierChar(body_[pos_])) ++pos_;
      const std::string_view identifier = body_.substr(start, pos_ - start);
      if (identifier.empty()) {
        if (pos_ < body_.size() && body_[pos_] != '.' && body_[pos_] != '+') {
          return Invalid(text_, fmt::format("{} in the {} at column {} (identifiers are made of "
                                            "[0-9A-Za-z-])",
                                            DescribeChar(body_[pos_]), what, Column()));
        }
        return Invalid(text_, fmt::format("empty {} identifier at column {}", what, Column()));
      }
      if (what == "prerelease" && IsNumeric(identifier) && identifier.size() > 1 &&
          identifier.front() == '0') {
        return Invalid(text_, fmt::format("numeric prerelease identifier {} has a leading zero",
                                          npm::Quote(identifier)));
      }
      identifiers.emplace_back(identifier);
      if (pos_ >= body_.size() || body_[pos_] != '.') return identifiers;
      ++pos_;
    }
  }

  std::string_view text_;
  std::string_view body_;
  std::size_t offset_;
  std::size_t pos_ = 0;
};

Expected<Version> Version::Parse(std::string_view text, ParseMode mode) {
  if (text.size() > kMaxVersionLength) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("invalid version {}...: longer than {} characters ({})",
                                 npm::Quote(text.substr(0, 32)), kMaxVersionLength, text.size()));
  }
  switch (mode) {
    case ParseMode::kStrict:
      return StrictParser(text, text, 0).Parse(Version());
    case ParseMode::kNpm: {
      std::string_view body = npm::Trim(text);
      if (body.starts_with('v')) body.remove_prefix(1);
      return StrictParser(text, body, static_cast<std::size_t>(body.data() - text.data()))
          .Parse(Version());
    }
    case ParseMode::kLoose:
      break;
  }
  const auto match = npm::MatchLooseVersion(npm::Trim(text));
  if (!match) {
    return Invalid(text,
                   "expected MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], optionally after 'v' "
                   "or '='");
  }
  Version version;
  const std::pair<std::uint64_t*, std::string_view> numbers[] = {{&version.major_, match->major},
                                                                 {&version.minor_, match->minor},
                                                                 {&version.patch_, match->patch}};
  const std::string_view names[] = {"major", "minor", "patch"};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto value = ToNumber(numbers[i].second);
    if (!value) {
      return Invalid(text, fmt::format("{} version {} is larger than {}", names[i],
                                       numbers[i].second, kMaxVersionNumber));
    }
    *numbers[i].first = *value;
  }
  if (match->prerelease) {
    version.prerelease_ = SplitDots(*match->prerelease);
    for (std::string& identifier : version.prerelease_) {
      const auto value = IsNumeric(identifier) ? ToNumber(identifier) : std::nullopt;
      if (value && *value < kMaxVersionNumber) identifier = std::to_string(*value);
    }
  }
  if (match->build) version.build_ = SplitDots(*match->build);
  return version;
}

std::string Version::ToString() const {
  std::string out = fmt::format("{}.{}.{}", major_, minor_, patch_);
  if (!prerelease_.empty()) out += fmt::format("-{}", fmt::join(prerelease_, "."));
  if (!build_.empty()) out += fmt::format("+{}", fmt::join(build_, "."));
  return out;
}

std::weak_ordering operator<=>(const Version& a, const Version& b) {
  if (const auto c = a.major_ <=> b.major_; c != 0) return c;
  if (const auto c = a.minor_ <=> b.minor_; c != 0) return c;
  if (const auto c = a.patch_ <=> b.patch_; c != 0) return c;
  // A release has higher precedence than its prereleases.
  if (a.prerelease_.empty() != b.prerelease_.empty()) {
    return a.prerelease_.empty() ? std::weak_ordering::greater : std::weak_ordering::less;
  }
  const std::size_t common = std::min(a.prerelease_.size(), b.prerelease_.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (const auto c = CompareIdentifiers(a.prerelease_[i], b.prerelease_[i]); c != 0) return c;
  }
  return a.prerelease_.size() <=> b.prerelease_.size();
}

}  // namespace galaos::semver
