#include "health/Endpoints.h"

#include <charconv>
#include <optional>

#include "core/Redact.h"

namespace galaos::health::detail {
namespace {

std::optional<int> ParseInt(std::string_view text, int min, int max) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc() || end != text.data() + i + 3) return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

struct HostPort {
  std::string host;
  std::optional<int> port;
};

// "host", "host:port", "[v6]" or "[v6]:port"; the brackets are kept, as URLs need them.
std::optional<HostPort> SplitHostPort(std::string_view text) {
  HostPort result;
  std::string_view rest;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    result.host = std::string(text.substr(0, close + 1));
    rest = text.substr(close + 1);
  } else {
    const auto colon = text.find(':');
    result.host = std::string(text.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
  }
  if (!rest.empty()) {
    if (rest.front() != ':') return std::nullopt;
    result.port = ParseInt(rest.substr(1), 1, 65535);
    if (!result.port) return std::nullopt;
  }
  return result;
}

}  // namespace

std::string RedisEndpoint::Display() const {
  return host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

Expected<RedisEndpoint> ParseRedisUrl(std::string_view url) {
  const auto invalid = [&](std::string_view why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid Redis URL \"" + core::RedactSecrets(url) + "\": " + std::string(why));
  };
  if (url.starts_with("rediss://")) return invalid("TLS (rediss://) is not supported");
  if (!url.starts_with("redis://"))
    return invalid("expected redis://[[user]:password@]host[:port][/db]");
  std::string_view rest = url.substr(8);
  if (rest.find_first_of("?#") != std::string_view::npos)
    return invalid("query parameters are not supported");
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);

  RedisEndpoint endpoint;
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    const auto user = PercentDecode(userinfo.substr(0, colon));
    const auto password = PercentDecode(
        colon == std::string_view::npos ? std::string_view() : userinfo.substr(colon + 1));
    if (!user || !password) return invalid("bad percent-encoding in the credentials");
    endpoint.user = *user;
    endpoint.password = *password;
  }
  const auto host_port = SplitHostPort(authority);
  if (!host_port) return invalid("bad host or port");
  endpoint.host = host_port->host.empty() ? "localhost" : host_port->host;
  if (endpoint.host.starts_with('['))
    endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
  if (host_port->port) endpoint.port = *host_port->port;
  if (!path.empty()) {
    const auto db = ParseInt(path, 0, 1 << 20);
    if (!db) return invalid("the path must be a database number");
    endpoint.db = *db;
  }
  return endpoint;
}

}  // namespace galaos::health::detail
