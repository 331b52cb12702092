#include "docker/DockerHost.h"

#include <charconv>

#include "core/Redact.h"

namespace galaos::docker {

Expected<DockerHost> ParseDockerHost(std::string_view text) {
  const auto invalid = [&](std::string_view why) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "invalid Docker host \"" + core::RedactSecrets(text) + "\": " + std::string(why));
  };
  DockerHost host;
  host.text = std::string(text);
  if (text.starts_with("unix://")) {
    host.unix_socket = std::string(text.substr(7));
    if (!host.unix_socket.starts_with('/')) return invalid("the socket path must be absolute");
    host.base_url = "http://localhost";
    return host;
  }
  std::string_view authority;
  if (text.starts_with("tcp://")) {
    authority = text.substr(6);
  } else if (text.starts_with("http://")) {
    authority = text.substr(7);
  } else {
    return invalid("expected unix:///path, tcp://host:port or http://host:port");
  }
  if (authority.ends_with('/')) authority.remove_suffix(1);
  std::string_view name = authority;
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return invalid("unterminated IPv6 address");
    name = authority.substr(0, close + 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return invalid("bad host or port");
    port_text = rest.empty() ? rest : rest.substr(1);
  } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    name = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (name.empty() || name.find_first_of("/@?#") != std::string_view::npos) {
    return invalid("bad host");
  }
  int port = 2375;
  if (!port_text.empty()) {
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return invalid("bad port");
    }
  }
  host.base_url = "http://" + std::string(name) + ":" + std::to_string(port);
  return host;
}

}  // namespace galaos::docker
