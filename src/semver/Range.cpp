// Range parsing follows classes/range.js of npm `semver` 7 step by step: the same rewrites
// of the text in the same order, each written by hand instead of with the package's regular
// expressions. Comments name the JavaScript each step mirrors.
#include "semver/Range.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <optional>
#include <unordered_set>

#include "semver/NpmSyntax.h"

namespace galaos::semver {
namespace {

using npm::IsDigit;
using npm::IsIdentifierChar;
using npm::IsSpace;
using npm::Trim;

struct Context {
  std::string_view text;  // the range as given, for error messages
  RangeOptions options;
};

// text.split(separator) for a literal separator.
std::vector<std::string_view> SplitOn(std::string_view text, std::string_view separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + separator.size());
  }
}

// text.split(/\s+/): "" gives [""], " a" gives ["", "a"], "a " gives ["a", ""].
std::vector<std::string_view> SplitOnWhitespace(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!IsSpace(text[i])) {
      ++i;
      continue;
    }
    parts.push_back(text.substr(start, i - start));
    while (i < text.size() && IsSpace(text[i])) ++i;
    start = i;
  }
  parts.push_back(text.substr(start));
  return parts;
}

// text.split(/\s+/).map(rewrite).join(' ')
std::string RewriteEachPiece(std::string_view text,
                             const std::function<std::string(std::string_view)>& rewrite) {
  std::vector<std::string> pieces;
  for (const std::string_view piece : SplitOnWhitespace(text)) pieces.push_back(rewrite(piece));
  return fmt::format("{}", fmt::join(pieces, " "));
}

// range.trim().replace(/\s+/g, ' ')
std::string CollapseWhitespace(std::string_view text) {
  text = Trim(text);
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!IsSpace(text[i])) {
      out += text[i];
    } else if (!IsSpace(text[i - 1])) {
      out += ' ';
    }
  }
  return out;
}

// range.replace(BUILDSTRIPRE, ''): removes every "+id(.id)*", wherever it is.
std::string StripBuildMetadata(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '+' || i + 1 >= text.size() || !IsIdentifierChar(text[i + 1])) {
      out += text[i++];
      continue;
    }
    std::size_t end = i + 1;
    while (true) {
      while (end < text.size() && IsIdentifierChar(text[end])) ++end;
      if (end + 1 >= text.size() || text[end] != '.' || !IsIdentifierChar(text[end + 1])) break;
      ++end;
    }
    i = end;
  }
  return out;
}

// isX(): a missing component, x, X or *.
bool IsX(std::optional<std::string_view> component) {
  return !component || *component == "x" || *component == "X" || *component == "*";
}

// `+digits + 1` as JavaScript prints it. Above 2^53 JavaScript rounds, but any such number is
// later rejected as larger than kMaxVersionNumber; from 1e21 on it prints an exponent
// ("1e+21") that no comparator accepts, which matters where loose mode drops comparators.
std::string Increment(std::string_view digits) {
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  if (digits.size() >= 21) {
    const double value = std::strtod(std::string(digits).c_str(), nullptr) + 1.0;
    if (value >= 1e21) return fmt::format("{}", value);
  }
  std::string out(digits);
  for (auto it = out.rbegin(); it != out.rend(); ++it) {
    if (*it != '9') {
      ++*it;
      return out;
    }
    *it = '0';
  }
  return "1" + out;
}

// hyphenReplace(): "1.2 - 3.4" -> ">=1.2.0 <3.5.0-0"; nullopt when `part` is not a hyphen
// range (HYPHENRANGE must match the whole part).
std::optional<std::string> ReplaceHyphenRange(std::string_view part, const Context& context) {
  // Neither side can contain " - ": its prefix is [v=\s]* and the rest has no whitespace.
  const std::size_t dash = part.find(" - ");
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view from_text = part.substr(0, dash);
  const std::string_view to_text = part.substr(dash + 3);
  const bool loose = context.options.loose;
  const auto from = npm::MatchXRange(from_text, loose);
  const auto to = npm::MatchXRange(to_text, loose);
  if (!from || !to) return std::nullopt;
  const std::string zero = context.options.include_prerelease ? "-0" : "";

  std::string lower;
  if (IsX(from->major)) {
    lower = "";
  } else if (IsX(from->minor)) {
    lower = fmt::format(">={}.0.0{}", from->major, zero);
  } else if (IsX(from->patch)) {
    lower = fmt::format(">={}.{}.0{}", from->major, *from->minor, zero);
  } else if (from->prerelease) {
    lower = fmt::format(">={}", from_text);
  } else {
    lower = fmt::format(">={}{}", from_text, zero);
  }

  std::string upper;
  if (IsX(to->major)) {
    upper = "";
  } else if (IsX(to->minor)) {
    upper = fmt::format("<{}.0.0-0", Increment(to->major));
  } else if (IsX(to->patch)) {
    upper = fmt::format("<{}.{}.0-0", to->major, Increment(*to->minor));
  } else if (to->prerelease) {
    upper = fmt::format("<={}.{}.{}-{}", to->major, *to->minor, *to->patch, *to->prerelease);
  } else if (context.options.include_prerelease) {
    upper = fmt::format("<{}.{}.{}-0", to->major, *to->minor, Increment(*to->patch));
  } else {
    upper = fmt::format("<={}", to_text);
  }
  return std::string(Trim(lower + " " + upper));
}

// internal/trim-comparator-whitespace.js: joins an operator to its version ("> 1.2.3" ->
// ">1.2.3"), scanning exactly as that function does.
class ComparatorWhitespaceTrimmer {
 public:
  explicit ComparatorWhitespaceTrimmer(std::string_view range) : range_(range) {}

  std::string Run() && {
    std::string result;
    std::size_t copy_from = 0;
    std::size_t cursor = 0;
    while (cursor < range_.size()) {
      const std::size_t match_start = cursor;
      if (At(cursor) == '<' || At(cursor) == '>') {
        ++cursor;
      } else if (!IsVersionPrefix(At(cursor)) && !IsVersionStart(At(cursor))) {
        ++cursor;
        continue;
      }
      while (cursor < range_.size() && IsVersionPrefix(At(cursor))) ++cursor;
      if (!IsVersionStart(At(cursor))) continue;
      if (const auto space = RemovableWhitespace(match_start)) {
        result += range_.substr(copy_from, *space - copy_from);
        copy_from = *space + 1;
      }
      cursor = VersionEnd(cursor);
    }
    result += range_.substr(copy_from);
    return result;
  }

 private:
  static constexpr std::size_t kMaxLength = 256;
  static constexpr std::size_t kMaxBuildLength = 250;

  // range[i], with JavaScript's undefined past the end as '\0' (no class contains it).
  char At(std::size_t i) const { return i < range_.size() ? range_[i] : '\0'; }

  static bool IsVersionPrefix(char c) { return c == 'v' || c == '=' || IsSpace(c); }
  static bool IsVersionStart(char c) { return IsDigit(c) || c == 'x' || c == 'X' || c == '*'; }
  static bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

  std::size_t DigitsEnd(std::size_t start, std::size_t limit) const {
    std::size_t end = start;
    while (end - start < limit && IsDigit(At(end))) ++end;
    return end;
  }

  std::size_t VersionNumberEnd(std::size_t start, bool loose) const {
    if (!loose && At(start) == '0') return start + 1;
    return DigitsEnd(start, loose ? kMaxLength : kMaxLength + 1);
  }

  std::size_t PrereleaseIdentifierEnd(std::size_t start, bool loose) const {
    const std::size_t digits_end = DigitsEnd(start, kMaxLength);
    if (IsLetter(At(digits_end)) || At(digits_end) == '-') {
      std::size_t end = digits_end + 1;
      const std::size_t limit = end + kMaxBuildLength;
      while (end < limit && IsIdentifierChar(At(end))) ++end;
      return end;
    }
    return VersionNumberEnd(start, loose);
  }

  std::size_t PrereleaseEnd(std::size_t start, bool loose) const {
    const bool hyphen = At(start) == '-';
    if (!loose && !hyphen) return start;
    const std::size_t identifier_start = start + (hyphen ? 1 : 0);
    std::size_t end = PrereleaseIdentifierEnd(identifier_start, loose);
    if (end == identifier_start) {
      if (!loose || !hyphen) return start;
      end = PrereleaseIdentifierEnd(start, loose);
    }
    while (At(end) == '.') {
      const std::size_t next = PrereleaseIdentifierEnd(end + 1, loose);
      if (next == end + 1) break;
      end = next;
    }
    return end;
  }

  std::size_t BuildIdentifierEnd(std::size_t start) const {
    std::size_t end = start;
    while (end - start < kMaxBuildLength && IsIdentifierChar(At(end))) ++end;
    return end;
  }

  std::size_t BuildEnd(std::size_t start) const {
    if (At(start) != '+') return start;
    std::size_t end = BuildIdentifierEnd(start + 1);
    if (end == start + 1) return start;
    while (At(end) == '.') {
      const std::size_t next = BuildIdentifierEnd(end + 1);
      if (next == end + 1) break;
      end = next;
    }
    return end;
  }

  std::size_t LooseFullVersionEnd(std::size_t start) const {
    std::size_t end = start;
    for (int component = 0; component < 3; ++component) {
      const std::size_t next = VersionNumberEnd(end, true);
      if (next == end) return start;
      end = next;
      if (component < 2) {
        if (At(end) != '.') return start;
        ++end;
      }
    }
    return BuildEnd(PrereleaseEnd(end, true));
  }

  std::size_t PartialComponentEnd(std::size_t start) const {
    if (IsDigit(At(start))) return VersionNumberEnd(start, false);
    return IsVersionStart(At(start)) ? start + 1 : start;
  }

  std::size_t PartialVersionEnd(std::size_t start) const {
    std::size_t end = PartialComponentEnd(start);
    for (int component = 0; component < 2; ++component) {
      if (At(end) != '.') return end;
      const std::size_t next = PartialComponentEnd(end + 1);
      if (next == end + 1) return end;
      end = next;
    }
    return BuildEnd(PrereleaseEnd(end, false));
  }

  std::size_t VersionEnd(std::size_t start) const {
    const std::size_t full_end = LooseFullVersionEnd(start);
    return full_end != start ? full_end : PartialVersionEnd(start);
  }

  std::optional<std::size_t> RemovableWhitespace(std::size_t match_start) const {
    std::size_t pos = match_start;
    if (IsSpace(At(pos))) ++pos;
    if (At(pos) == '<' || At(pos) == '>') ++pos;
    if (At(pos) == '=') ++pos;
    if (IsSpace(At(pos))) return pos;
    return std::nullopt;
  }

  std::string_view range_;
};

// range.replace(TILDETRIM, '$1~') and range.replace(CARETTRIM, '$1^'): "~ 1" -> "~1",
// "~> 1" -> "~1" (the '>' goes too), "^ 1" -> "^1".
std::string JoinOperatorToVersion(std::string_view text, char op) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i + (IsSpace(text[i]) ? 1 : 0);  // (\s{0,1}) is kept
    std::size_t end = start;
    if (end < text.size() && text[end] == op) {
      ++end;
      if (op == '~' && end + 1 < text.size() && text[end] == '>' && IsSpace(text[end + 1])) {
        ++end;
      }
      if (end < text.size() && IsSpace(text[end])) {
        out += text.substr(i, start - i);
        out += op;
        i = end + 1;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

std::string ReplaceCaret(std::string_view token, const Context& context) {
  if (!token.starts_with('^')) return std::string(token);
  const auto match = npm::MatchXRange(token.substr(1), context.options.loose);
  if (!match) return std::string(token);
  const std::string zero = context.options.include_prerelease ? "-0" : "";
  const std::string_view major = match->major;
  if (IsX(major)) return "";
  if (IsX(match->minor)) return fmt::format(">={}.0.0{} <{}.0.0-0", major, zero, Increment(major));
  const std::string_view minor = *match->minor;
  if (IsX(match->patch)) {
    if (major == "0") {
      return fmt::format(">={}.{}.0{} <{}.{}.0-0", major, minor, zero, major, Increment(minor));
    }
    return fmt::format(">={}.{}.0{} <{}.0.0-0", major, minor, zero, Increment(major));
  }
  const std::string_view patch = *match->patch;
  std::string lower = fmt::format(">={}.{}.{}", major, minor, patch);
  if (match->prerelease) lower += fmt::format("-{}", *match->prerelease);
  if (major != "0") return fmt::format("{} <{}.0.0-0", lower, Increment(major));
  if (minor != "0") return fmt::format("{} <{}.{}.0-0", lower, major, Increment(minor));
  return fmt::format("{} <{}.{}.{}-0", lower, major, minor, Increment(patch));
}

std::string ReplaceTilde(std::string_view piece, const Context& context) {
  if (!piece.starts_with('~')) return std::string(piece);
  std::string_view rest = piece.substr(1);
  if (rest.starts_with('>')) rest.remove_prefix(1);
  const auto match = npm::MatchXRange(rest, context.options.loose);
  if (!match) return std::string(piece);
  const std::string zero = context.options.include_prerelease ? "-0" : "";
  const std::string_view major = match->major;
  if (IsX(major)) return "";
  if (IsX(match->minor)) return fmt::format(">={}.0.0{} <{}.0.0-0", major, zero, Increment(major));
  const std::string_view minor = *match->minor;
  if (IsX(match->patch)) {
    return fmt::format(">={}.{}.0{} <{}.{}.0-0", major, minor, zero, major, Increment(minor));
  }
  std::string lower = fmt::format(">={}.{}.{}", major, minor, *match->patch);
  if (match->prerelease) lower += fmt::format("-{}", *match->prerelease);
  return fmt::format("{} <{}.{}.0-0", lower, major, Increment(minor));
}

std::string ReplaceXRange(std::string_view piece, const Context& context) {
  piece = Trim(piece);
  auto [op, rest] = npm::SplitOperator(piece);
  const auto match = npm::MatchXRange(rest, context.options.loose);
  if (!match) return std::string(piece);
  const std::string_view major = match->major;
  // invalidXRangeOrder(): "x.1", "1.x.2" stay as they are (and fail later).
  if ((IsX(major) && !IsX(match->minor)) ||
      (IsX(match->minor) && match->patch && !IsX(match->patch))) {
    return std::string(piece);
  }
  const bool any_major = IsX(major);
  const bool any_minor = any_major || IsX(match->minor);
  const bool any_x = any_minor || IsX(match->patch);
  if (op == "=" && any_x) op = "";
  std::string prerelease = context.options.include_prerelease ? "-0" : "";

  if (any_major) return op == ">" || op == "<" ? "<0.0.0-0" : "*";
  if (!op.empty() && any_x) {
    std::string new_op(op);
    std::string new_major(major);
    std::string new_minor(any_minor ? "0" : *match->minor);
    if (op == ">") {  // >1 is >=2.0.0, >1.2 is >=1.3.0
      new_op = ">=";
      if (any_minor) {
        new_major = Increment(major);
      } else {
        new_minor = Increment(new_minor);
      }
    } else if (op == "<=") {  // <=1.2 is <1.3.0-0
      new_op = "<";
      if (any_minor) {
        new_major = Increment(major);
      } else {
        new_minor = Increment(new_minor);
      }
    }
    if (new_op == "<") prerelease = "-0";
    return fmt::format("{}{}.{}.0{}", new_op, new_major, new_minor, prerelease);
  }
  if (any_minor) {
    return fmt::format(">={}.0.0{} <{}.0.0-0", major, prerelease, Increment(major));
  }
  if (any_x) {
    const std::string_view minor = *match->minor;
    return fmt::format(">={}.{}.0{} <{}.{}.0-0", major, minor, prerelease, major, Increment(minor));
  }
  return std::string(piece);
}

// replaceStars(): removes the first (<|>)?=?\s{0,1}\* of the trimmed text.
std::string ReplaceStars(std::string_view text) {
  text = Trim(text);
  for (std::size_t start = 0; start < text.size(); ++start) {
    std::size_t end = start;
    if (text[end] == '<' || text[end] == '>') ++end;
    if (end < text.size() && text[end] == '=') ++end;
    if (end < text.size() && IsSpace(text[end])) ++end;
    if (end < text.size() && text[end] == '*') {
      return std::string(text.substr(0, start)) + std::string(text.substr(end + 1));
    }
  }
  return std::string(text);
}

// parseComparator(): the caret, tilde, x-range and star rewrites of one token.
std::string DesugarToken(std::string_view token, const Context& context) {
  const auto tilde = [&](std::string_view piece) { return ReplaceTilde(piece, context); };
  const auto x_range = [&](std::string_view piece) { return ReplaceXRange(piece, context); };
  const std::string caret = ReplaceCaret(token, context);
  const std::string tildes = RewriteEachPiece(Trim(caret), tilde);
  return ReplaceStars(RewriteEachPiece(tildes, x_range));
}

Expected<Comparator> ParseComparator(std::string_view piece, bool loose) {
  if (piece.empty()) return Comparator{};
  const auto [op, rest] = npm::SplitOperator(piece);
  Comparator comparator;
  comparator.version = TRY(Version::Parse(rest, loose ? ParseMode::kLoose : ParseMode::kNpm));
  if (op.empty() || op == "=") {
    comparator.op = Comparator::Op::kEqual;
  } else if (op == "<") {
    comparator.op = Comparator::Op::kLess;
  } else if (op == "<=") {
    comparator.op = Comparator::Op::kLessEqual;
  } else if (op == ">") {
    comparator.op = Comparator::Op::kGreater;
  } else {
    comparator.op = Comparator::Op::kGreaterEqual;
  }
  return comparator;
}

bool IsNullSet(const Comparator& comparator) {
  return comparator.ToString() == "<0.0.0-0";
}

std::unexpected<Error> InvalidComparator(const Context& context, std::string_view piece,
                                         const std::vector<std::string_view>& tokens,
                                         const std::vector<std::string>& desugared,
                                         const Error& cause) {
  std::string where = npm::Quote(piece);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto pieces = SplitOnWhitespace(desugared[i]);
    if (tokens[i] != piece && std::ranges::find(pieces, piece) != pieces.end()) {
      where += fmt::format(" (from {})", npm::Quote(tokens[i]));
      break;
    }
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   fmt::format("invalid range {}: comparator {} is not valid: {}",
                               npm::Quote(context.text), where, cause.message()));
}

// parseRange(): one alternative of the range (the text between "||"), already trimmed.
Expected<std::vector<Comparator>> ParseAlternative(std::string_view part, const Context& context) {
  const bool loose = context.options.loose;
  std::string text = StripBuildMetadata(part);
  if (auto hyphen = ReplaceHyphenRange(text, context)) text = std::move(*hyphen);
  text = ComparatorWhitespaceTrimmer(text).Run();
  text = JoinOperatorToVersion(text, '~');
  text = JoinOperatorToVersion(text, '^');

  const std::vector<std::string_view> tokens = SplitOn(text, " ");
  std::vector<std::string> desugared;
  for (const std::string_view token : tokens) desugared.push_back(DesugarToken(token, context));
  const std::string joined = fmt::format("{}", fmt::join(desugared, " "));

  std::vector<Comparator> comparators;
  for (std::string_view piece : SplitOnWhitespace(joined)) {
    piece = Trim(piece);
    // replaceGTE0(): >=0.0.0 (>=0.0.0-0 with include_prerelease) means any version.
    if (piece == (context.options.include_prerelease ? ">=0.0.0-0" : ">=0.0.0")) piece = "";
    if (loose && !piece.empty() && !npm::MatchLooseVersion(npm::SplitOperator(piece).second)) {
      continue;  // loose mode drops what is not even loosely a comparator
    }
    auto comparator = ParseComparator(piece, loose);
    if (!comparator) {
      return InvalidComparator(context, piece, tokens, desugared, comparator.error());
    }
    comparators.push_back(std::move(*comparator));
  }

  if (const auto null_set = std::ranges::find_if(comparators, IsNullSet);
      null_set != comparators.end()) {
    return std::vector<Comparator>{*null_set};
  }
  std::vector<Comparator> unique;
  std::unordered_set<std::string> seen;
  for (Comparator& comparator : comparators) {
    if (seen.insert(comparator.ToString()).second) unique.push_back(std::move(comparator));
  }
  if (unique.size() > 1) {
    std::erase_if(unique, [](const Comparator& c) { return c.op == Comparator::Op::kAny; });
  }
  return unique;
}

bool IsAny(const std::vector<Comparator>& alternative) {
  return alternative.size() == 1 && alternative[0].op == Comparator::Op::kAny;
}

}  // namespace

bool Comparator::Matches(const Version& candidate) const {
  switch (op) {
    case Op::kAny:
      return true;
    case Op::kEqual:
      return candidate == version;
    case Op::kLess:
      return candidate < version;
    case Op::kLessEqual:
      return candidate <= version;
    case Op::kGreater:
      return candidate > version;
    case Op::kGreaterEqual:
      return candidate >= version;
  }
  return false;
}

std::string Comparator::ToString() const {
  switch (op) {
    case Op::kAny:
      return "";
    case Op::kEqual:
      return version.ToString();
    case Op::kLess:
      return "<" + version.ToString();
    case Op::kLessEqual:
      return "<=" + version.ToString();
    case Op::kGreater:
      return ">" + version.ToString();
    case Op::kGreaterEqual:
      return ">=" + version.ToString();
  }
  return "";
}

Expected<Range> Range::Parse(std::string_view text, RangeOptions options) {
  const Context context{text, options};
  const std::string collapsed = CollapseWhitespace(text);
  Range range;
  range.options_ = options;
  for (const std::string_view part : SplitOn(collapsed, "||")) {
    auto alternative = TRY(ParseAlternative(Trim(part), context));
    if (!alternative.empty()) range.alternatives_.push_back(std::move(alternative));
  }
  auto& alternatives = range.alternatives_;
  if (alternatives.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("invalid range {}: no valid comparator in it", npm::Quote(text)));
  }
  // An alternative that matches nothing is dropped when there are others; one that matches
  // everything makes the whole range match everything.
  if (alternatives.size() > 1) {
    auto first = alternatives.front();
    std::erase_if(alternatives, [](const auto& a) { return IsNullSet(a.front()); });
    if (alternatives.empty()) {
      alternatives.push_back(std::move(first));
    } else if (const auto any = std::ranges::find_if(alternatives, IsAny);
               alternatives.size() > 1 && any != alternatives.end()) {
      auto kept = std::move(*any);
      alternatives = {std::move(kept)};
    }
  }
  return range;
}

bool Range::Satisfies(const Version& version) const {
  for (const auto& alternative : alternatives_) {
    const auto matches = [&](const Comparator& c) { return c.Matches(version); };
    if (!std::ranges::all_of(alternative, matches)) continue;
    if (!version.IsPrerelease() || options_.include_prerelease) return true;
    const auto allows_prerelease = [&](const Comparator& c) {
      return c.op != Comparator::Op::kAny && c.version.IsPrerelease() &&
             c.version.major() == version.major() && c.version.minor() == version.minor() &&
             c.version.patch() == version.patch();
    };
    if (std::ranges::any_of(alternative, allows_prerelease)) return true;
  }
  return false;
}

std::string Range::ToString() const {
  std::vector<std::string> alternatives;
  for (const auto& alternative : alternatives_) {
    std::vector<std::string> comparators;
    for (const Comparator& comparator : alternative) comparators.push_back(comparator.ToString());
    alternatives.push_back(fmt::format("{}", fmt::join(comparators, " ")));
  }
  const std::string text = fmt::format("{}", fmt::join(alternatives, "||"));
  return text.empty() ? "*" : text;
}

}  // namespace galaos::semver
