#include "config/Redact.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace galaos::config {
namespace {

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
    }
  }
  if (query_start >= fragment_start) return out + std::string(url.substr(rest));
  out += url.substr(rest, query_start + 1 - rest);
  out += RedactQuery(url.substr(query_start + 1, fragment_start - query_start - 1));
  out += url.substr(fragment_start);
  return out;
}

}  // namespace galaos::config
