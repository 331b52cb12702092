#include "health/Redact.h"

#include <algorithm>
#include <cctype>

namespace galaos::health {
namespace {

constexpr std::string_view kMask = "***";
constexpr std::string_view kTokenEnd = " \t\r\n\"'<>";

// scheme://user:password@host -> scheme://user:***@host. The credentials end at the token's
// last '@', so a password holding an unencoded '/' or '@' is still masked.
std::string RedactUserinfo(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  for (auto sep = text.find("://"); sep != std::string_view::npos; sep = text.find("://", pos)) {
    const std::size_t start = sep + 3;
    const std::size_t end = std::min(text.find_first_of(kTokenEnd, start), text.size());
    const std::string_view token = text.substr(start, end - start);
    const auto at = token.rfind('@');
    const auto colon = token.find(':');
    if (at != std::string_view::npos && colon < at && colon < token.find('/')) {
      out.append(text.substr(pos, start + colon + 1 - pos)).append(kMask);
      pos = start + at;
    } else {
      out.append(text.substr(pos, start - pos));
      pos = start;
    }
  }
  out.append(text.substr(pos));
  return out;
}

// password=value (a conninfo keyword, possibly quoted, or a query parameter) -> password=***.
std::string RedactPasswordKeyword(std::string_view text) {
  constexpr std::string_view kKey = "password";
  std::string out;
  std::size_t pos = 0;
  for (std::size_t i = 0; i + kKey.size() < text.size(); ++i) {
    const bool key = std::equal(kKey.begin(), kKey.end(), text.begin() + i, [](char a, char b) {
      return a == std::tolower(static_cast<unsigned char>(b));
    });
    if (!key) continue;
    std::size_t value = i + kKey.size();
    while (value < text.size() && text[value] == ' ') ++value;
    if (value >= text.size() || text[value] != '=') continue;
    ++value;
    while (value < text.size() && text[value] == ' ') ++value;
    std::size_t end = value;
    if (end < text.size() && text[end] == '\'') {
      for (++end; end < text.size() && text[end] != '\''; ++end) {
        if (text[end] == '\\') ++end;
      }
      end = std::min(end + 1, text.size());
    } else {
      end = std::min(text.find_first_of(" \t\r\n&;\"", value), text.size());
    }
    out.append(text.substr(pos, value - pos)).append(kMask);
    pos = end;
    i = end - 1;  // the loop's ++i resumes at end
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace

std::string RedactSecrets(std::string_view text) {
  return RedactPasswordKeyword(RedactUserinfo(text));
}

}  // namespace galaos::health
