// ImageCheck: is a newer image available for each managed container? The registry's current
// digest for the container's image reference (RegistryClient, all containers concurrently)
// against the RepoDigests the engine recorded for the container's image (UpdateDecision), and
// with a tag policy, the newest allowed tag (NewerTag). A failure (an image created from an
// id, a registry that is down, an unknown tag) is that container's error, never "up to date".
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/Config.h"
#include "core/Error.h"
#include "docker/Engine.h"
#include "docker/ManagedContainers.h"
#include "docker/RegistryClient.h"

namespace galaos::docker {

struct ContainerImageCheck {
  std::string container{};       // name
  std::string image{};           // the reference the container runs, e.g. "127.0.0.1:5000/web:1"
  std::string current_digest{};  // the local RepoDigest for that repository; empty when none
  std::string remote_digest{};   // empty when the registry could not tell
  bool update_available = false;
  std::optional<std::string> newer_tag{};  // with a tag policy: the newest allowed tag
  bool monitor_only = false;
  std::optional<Error> error{};
};

// {container, image, currentDigest, remoteDigest, updateAvailable, newerTag (or null),
//  monitorOnly, error (message or null)}
nlohmann::json ToJson(const ContainerImageCheck& check);

std::vector<ContainerImageCheck> CheckImages(Engine& engine, RegistryClient& registry,
                                             std::span<const ManagedContainer> containers,
                                             config::TagPolicy tag_policy);

}  // namespace galaos::docker
