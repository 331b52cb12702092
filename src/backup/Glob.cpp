#include "backup/Glob.h"

#include <cstddef>

namespace galaos::backup {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    segments.push_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) return segments;
    start = slash + 1;
  }
}

// Wildcard match of one segment: iterative, backtracking only to the last `*`.
bool MatchSegment(std::string_view pattern, std::string_view text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool MatchSegments(const std::vector<std::string>& pattern, std::size_t p,
                   const std::vector<std::string_view>& path, std::size_t s) {
  if (p == pattern.size()) return s == path.size();
  if (pattern[p] == "**") {
    for (std::size_t skip = s; skip <= path.size(); ++skip) {
      if (MatchSegments(pattern, p + 1, path, skip)) return true;
    }
    return false;
  }
  return s < path.size() && MatchSegment(pattern[p], path[s]) &&
         MatchSegments(pattern, p + 1, path, s + 1);
}

}  // namespace

Expected<Glob> Glob::Parse(std::string_view pattern) {
  const auto bad = [&](std::string_view why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "critical-file glob '" + std::string(pattern) + "' " + std::string(why));
  };
  if (pattern.empty()) return bad("is empty");
  if (pattern.front() == '/') return bad("must be relative to the app root");
  if (pattern.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  Glob glob;
  for (std::string_view segment : Split(pattern)) {
    if (segment.empty()) return bad("has an empty path segment");
    if (segment == "." || segment == "..") return bad("must not contain '.' or '..' segments");
    // Consecutive `**` segments mean the same as one.
    if (segment == "**" && !glob.segments_.empty() && glob.segments_.back() == "**") continue;
    glob.segments_.emplace_back(segment);
  }
  return glob;
}

bool Glob::Matches(std::string_view relative_path) const {
  return MatchSegments(segments_, 0, Split(relative_path), 0);
}

bool MatchesAny(const std::vector<Glob>& globs, std::string_view relative_path) {
  for (const Glob& glob : globs) {
    if (glob.Matches(relative_path)) return true;
  }
  return false;
}

Expected<std::vector<Glob>> ParseGlobs(const std::vector<std::string>& patterns) {
  std::vector<Glob> globs;
  globs.reserve(patterns.size());
  for (const std::string& pattern : patterns) globs.push_back(TRY(Glob::Parse(pattern)));
  return globs;
}

}  // namespace galaos::backup
