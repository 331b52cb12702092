// Glob: the critical-file patterns of a backup, matched against paths relative to the app root.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::backup {

// `*` matches any run of characters within one path segment and `?` one character (both match
// a leading dot too); `**` as a whole segment matches any number of segments, zero included;
// every other character matches itself. Paths and patterns use '/' between segments.
class Glob {
 public:
  // kInvalidArgument for an empty or absolute pattern, an empty segment or a `.`/`..` segment.
  static Expected<Glob> Parse(std::string_view pattern);

  bool Matches(std::string_view relative_path) const;

 private:
  Glob() = default;

  std::vector<std::string> segments_;
};

// True when any of `globs` matches.
bool MatchesAny(const std::vector<Glob>& globs, std::string_view relative_path);

// Parses every pattern; the first bad one is the error.
Expected<std::vector<Glob>> ParseGlobs(const std::vector<std::string>& patterns);

}  // namespace galaos::backup
