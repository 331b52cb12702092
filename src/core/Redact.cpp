#include "core/Redact.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace galaos::core {
namespace {

constexpr std::string_view kTokenEnd = " \t\r\n\"'<>";

bool IsHttp(std::string_view scheme) {
  std::string lower(scheme);
  std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower == "http" || lower == "https";
}

bool IsSchemeChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
}

bool NamesSecret(std::string_view parameter) {
  std::string name(parameter);
  std::ranges::transform(name, name.begin(), [](unsigned char c) { return std::tolower(c); });
  constexpr std::array<std::string_view, 4> kContains{"pass", "secret", "token", "credential"};
  constexpr std::array<std::string_view, 4> kEquals{"key", "apikey", "api_key", "pwd"};
  return std::ranges::any_of(kContains,
                             [&](std::string_view part) { return name.contains(part); }) ||
         std::ranges::find(kEquals, name) != kEquals.end();
}

// Replaces the values of secret-naming parameters in "a=1&password=x".
std::string RedactQuery(std::string_view query) {
  std::string out;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = std::min(query.find('&', start), query.size());
    std::string_view pair = query.substr(start, end - start);
    std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && eq + 1 < pair.size() && NamesSecret(pair.substr(0, eq))) {
      out += pair.substr(0, eq + 1);
      out += kRedacted;
    } else {
      out += pair;
    }
    if (end == query.size()) break;
    out += '&';
    start = end + 1;
  }
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
    out.append(text.substr(pos, value - pos)).append(kRedacted);
    pos = end;
    i = end - 1;  // the loop's ++i resumes at end
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace

std::string RedactUrlCredentials(std::string_view url) {
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  std::size_t authority_start = scheme_end + 3;
  std::size_t query_start = std::min(url.find('?', authority_start), url.size());
  std::size_t fragment_start = std::min(url.find('#', authority_start), url.size());
  // The last '@' before the query ends the user info even when a password holds a raw '/':
  // redacting too much is harmless, leaking a password is not.
  std::size_t at = url.substr(0, std::min(query_start, fragment_start)).rfind('@');

  std::string out(url.substr(0, authority_start));
  std::size_t rest = authority_start;
  if (at != std::string_view::npos && at >= authority_start) {
    std::string_view userinfo = url.substr(authority_start, at - authority_start);
    std::size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos) {
      out += userinfo.substr(0, colon + 1);
      out += kRedacted;
      rest = at;
    } else if (IsHttp(url.substr(0, scheme_end)) && !userinfo.contains('/')) {
      out += kRedacted;
      rest = at;
    }
  }
  if (query_start >= fragment_start) return out + std::string(url.substr(rest));
  out += url.substr(rest, query_start + 1 - rest);
  out += RedactQuery(url.substr(query_start + 1, fragment_start - query_start - 1));
  out += url.substr(fragment_start);
  return out;
}

std::string RedactSecrets(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  for (auto sep = text.find("://"); sep != std::string_view::npos; sep = text.find("://", pos)) {
    std::size_t start = sep;
    while (start > pos && IsSchemeChar(text[start - 1])) --start;
    const std::size_t end = std::min(text.find_first_of(kTokenEnd, sep + 3), text.size());
    out.append(text.substr(pos, start - pos))
        .append(RedactUrlCredentials(text.substr(start, end - start)));
    pos = end;
  }
  out.append(text.substr(pos));
  return RedactPasswordKeyword(out);
}

}  // namespace galaos::core
