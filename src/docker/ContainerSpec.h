// The create request that reproduces an existing container on a new image, built from its
// inspect JSON, and the rule for container names callers may pass.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::docker {

// A Docker container name: [a-zA-Z0-9][a-zA-Z0-9_.-]+, at most 200 characters (room for the
// recovery suffix). Anything else (shell metacharacters, spaces, '/', a leading '-') is a
// kInvalidArgument error, raised before any engine call.
Status ValidateContainerName(std::string_view name);

struct NetworkAttachment {
  std::string network{};      // name
  nlohmann::json endpoint{};  // EndpointSettings: Aliases, IPAMConfig, Links, DriverOpts
  bool operator==(const NetworkAttachment&) const = default;
};

struct ContainerSpec {
  // POST /containers/create body: the container's Config, its entire HostConfig, and its
  // primary network (HostConfig.NetworkMode) in NetworkingConfig.
  nlohmann::json create_body{};
  // The other networks, connected after create and before start (the API takes one at create).
  std::vector<NetworkAttachment> extra_networks{};
  bool operator==(const ContainerSpec&) const = default;
};

// The spec of `container` (GET /containers/{id}/json) running `new_image`.
// Kept as configured: Config (Env, Cmd, Entrypoint, WorkingDir, User, Labels, Healthcheck,
// ExposedPorts, StopSignal, ...), HostConfig entire (binds, mounts, ports, restart policy,
// resources, init, network mode incl. container:<id>), every network with its aliases and
// static IPAM addresses. Anonymous volumes are carried over as volume mounts of the same name.
// Left to the new image: values that only repeat the old image's defaults (`old_image` is its
// GET /images/{id}/json; its Env entries, Labels, ExposedPorts and Volumes, and Cmd, Entrypoint,
// WorkingDir, User, Healthcheck, StopSignal, Shell when equal), so a new image's defaults apply.
// Dropped: the hostname docker derived from the old id, the alias equal to the old short id,
// and with a container:<id> network mode the hostname, domain name and MAC address it inherits.
Expected<ContainerSpec> SpecFromInspect(const nlohmann::json& container,
                                        const nlohmann::json& old_image,
                                        std::string_view new_image);

nlohmann::json ToJson(const ContainerSpec& spec);
Expected<ContainerSpec> ContainerSpecFromJson(const nlohmann::json& json);

}  // namespace galaos::docker
