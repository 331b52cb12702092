#include "semver/NpmSyntax.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>

namespace galaos::semver::npm {
namespace {

// Quantifier bounds of the safe expressions: \d{0,256}, \d{1,256}, [a-zA-Z0-9-]{0,250}.
constexpr std::size_t kMaxDigits = 256;
constexpr std::size_t kMaxIdentifierTail = 250;

template <class Pred>
std::size_t RunEnd(std::string_view text, std::size_t pos, Pred pred) {
  while (pos < text.size() && pred(text[pos])) ++pos;
  return pos;
}

// A whole run of identifier characters must be one identifier: what follows an identifier in
// every anchored expression ('.', '+', '\s' or the end) is never an identifier character.
bool IsPrereleaseIdentifier(std::string_view run, bool loose) {
  if (run.empty()) return false;
  const std::size_t first_non_digit = run.find_first_not_of("0123456789");
  if (first_non_digit == std::string_view::npos) {
    if (loose) return run.size() <= kMaxDigits;                            // \d{1,256}
    return run == "0" || (run[0] != '0' && run.size() <= kMaxDigits + 1);  // 0|[1-9]\d{0,256}
  }
  // \d{0,256}[a-zA-Z-][a-zA-Z0-9-]{0,250}
  return first_non_digit <= kMaxDigits && run.size() - first_non_digit - 1 <= kMaxIdentifierTail;
}

bool IsBuildIdentifier(std::string_view run) {
  return !run.empty() && run.size() <= kMaxIdentifierTail;
}

// IDENTIFIER(\.IDENTIFIER)* from pos; the end, or nullopt. A '.' that no identifier follows
// fails the whole match, since nothing after the list accepts a '.'.
template <class IsIdentifier>
std::optional<std::size_t> MatchIdentifiers(std::string_view text, std::size_t pos,
                                            IsIdentifier is_identifier) {
  while (true) {
    const std::size_t end = RunEnd(text, pos, IsIdentifierChar);
    if (!is_identifier(text.substr(pos, end - pos))) return std::nullopt;
    if (end == text.size() || text[end] != '.') return end;
    pos = end + 1;
  }
}

struct Tail {
  std::optional<std::string_view> prerelease;
  std::optional<std::string_view> build;
};

// (?:-PRERELEASE)? or, loose, (?:-?PRERELEASELOOSE)?, then (?:\+BUILD)?, then the end.
// Alternatives are tried in the order the regular expression tries them.
std::optional<Tail> MatchTail(std::string_view text, std::size_t pos, bool loose) {
  const auto is_prerelease = [loose](std::string_view run) {
    return IsPrereleaseIdentifier(run, loose);
  };
  const auto finish = [text](std::size_t at,
                             std::optional<std::string_view> prerelease) -> std::optional<Tail> {
    std::optional<std::string_view> build;
    if (at < text.size() && text[at] == '+') {
      const auto end = MatchIdentifiers(text, at + 1, IsBuildIdentifier);
      if (!end) return std::nullopt;
      build = text.substr(at + 1, *end - at - 1);
      at = *end;
    }
    if (at != text.size()) return std::nullopt;
    return Tail{prerelease, build};
  };
  if (pos < text.size() && text[pos] == '-') {
    if (const auto end = MatchIdentifiers(text, pos + 1, is_prerelease)) {
      if (auto tail = finish(*end, text.substr(pos + 1, *end - pos - 1))) return tail;
    }
  }
  if (loose) {
    if (const auto end = MatchIdentifiers(text, pos, is_prerelease)) {
      if (auto tail = finish(*end, text.substr(pos, *end - pos))) return tail;
    }
  }
  return finish(pos, std::nullopt);
}

// Longest length of a number at pos: 0|[1-9]\d{0,256} (strict) or \d{1,256} (loose); 0 when
// no digit is there.
std::size_t LongestNumberAt(std::string_view text, std::size_t pos, bool loose) {
  const std::size_t run = RunEnd(text, pos, IsDigit) - pos;
  if (run > 0 && !loose && text[pos] == '0') return 1;
  return std::min(run, loose ? kMaxDigits : kMaxDigits + 1);
}

// Calls try_end(end) for each possible end of a number (or, when allowed, x/X/*) component at
// pos, longest first as a greedy quantifier backtracks, until it returns a value.
template <class T, class TryEnd>
std::optional<T> ForEachComponentEnd(std::string_view text, std::size_t pos, bool loose,
                                     bool allow_wildcard, TryEnd try_end) {
  if (allow_wildcard && pos < text.size() &&
      (text[pos] == 'x' || text[pos] == 'X' || text[pos] == '*')) {
    return try_end(pos + 1);
  }
  for (std::size_t length = LongestNumberAt(text, pos, loose); length > 0; --length) {
    if (auto result = try_end(pos + length)) return result;
  }
  return std::nullopt;
}

std::size_t SkipVersionPrefix(std::string_view text) {
  return RunEnd(text, 0, [](char c) { return c == 'v' || c == '=' || IsSpace(c); });
}

}  // namespace

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool IsIdentifierChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c >= 0x20 && c < 0x7f) {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
  }
  return out + "\"";
}

std::optional<VersionMatch> MatchLooseVersion(std::string_view text) {
  const std::size_t start = SkipVersionPrefix(text);
  return ForEachComponentEnd<VersionMatch>(
      text, start, true, false, [&](std::size_t major_end) -> std::optional<VersionMatch> {
        if (major_end >= text.size() || text[major_end] != '.') return std::nullopt;
        return ForEachComponentEnd<VersionMatch>(
            text, major_end + 1, true, false,
            [&](std::size_t minor_end) -> std::optional<VersionMatch> {
              if (minor_end >= text.size() || text[minor_end] != '.') return std::nullopt;
              return ForEachComponentEnd<VersionMatch>(
                  text, minor_end + 1, true, false,
                  [&](std::size_t patch_end) -> std::optional<VersionMatch> {
                    const auto tail = MatchTail(text, patch_end, true);
                    if (!tail) return std::nullopt;
                    return VersionMatch{
                        .major = text.substr(start, major_end - start),
                        .minor = text.substr(major_end + 1, minor_end - major_end - 1),
                        .patch = text.substr(minor_end + 1, patch_end - minor_end - 1),
                        .prerelease = tail->prerelease,
                        .build = tail->build,
                    };
                  });
            });
      });
}

std::optional<XRangeMatch> MatchXRange(std::string_view text, bool loose) {
  const std::size_t start = SkipVersionPrefix(text);
  return ForEachComponentEnd<XRangeMatch>(
      text, start, loose, true, [&](std::size_t major_end) -> std::optional<XRangeMatch> {
        XRangeMatch match;
        match.major = text.substr(start, major_end - start);
        if (major_end == text.size()) return match;
        if (text[major_end] != '.') return std::nullopt;
        return ForEachComponentEnd<XRangeMatch>(
            text, major_end + 1, loose, true,
            [&](std::size_t minor_end) -> std::optional<XRangeMatch> {
              match.minor = text.substr(major_end + 1, minor_end - major_end - 1);
              if (minor_end == text.size()) return match;
              if (text[minor_end] != '.') return std::nullopt;
              return ForEachComponentEnd<XRangeMatch>(
                  text, minor_end + 1, loose, true,
                  [&](std::size_t patch_end) -> std::optional<XRangeMatch> {
                    const auto tail = MatchTail(text, patch_end, loose);
                    if (!tail) return std::nullopt;
                    match.patch = text.substr(minor_end + 1, patch_end - minor_end - 1);
                    match.prerelease = tail->prerelease;
                    return match;
                  });
            });
      });
}

std::pair<std::string_view, std::string_view> SplitOperator(std::string_view text) {
  std::size_t end = 0;
  if (end < text.size() && (text[end] == '<' || text[end] == '>')) ++end;
  if (end < text.size() && text[end] == '=') ++end;
  return {text.substr(0, end), text.substr(end)};
}

}  // namespace galaos::semver::npm
