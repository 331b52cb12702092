// DockerHost: where the Docker Engine API listens (the docker.host key, DOCKER_HOST).
#pragma once

#include <string>
#include <string_view>

#include "core/Error.h"

namespace galaos::docker {

struct DockerHost {
  std::string text;         // as configured
  std::string unix_socket;  // set for unix:// hosts
  std::string base_url;     // http://host:port, or http://localhost over the socket
};

// unix:///absolute/path, tcp://host:port or http://host:port (port default 2375; IPv6 hosts in
// brackets). TLS (https://, DOCKER_TLS_VERIFY) is not supported.
Expected<DockerHost> ParseDockerHost(std::string_view text);

}  // namespace galaos::docker
