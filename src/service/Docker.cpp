#include "service/Docker.h"

#include <algorithm>
#include <chrono>

#include "docker/ContainerSpec.h"
#include "docker/ManagedContainers.h"
#include "docker/RegistryClient.h"

namespace galaos::service {
namespace {
constexpr std::chrono::seconds kRestartGrace{10};
}

Expected<std::unique_ptr<docker::EngineClient>> ConnectEngine(const config::Config& config) {
  if (!config.docker.enabled) {
    return MakeError(ErrorCode::kInvalidArgument, "Docker support is off (docker.enabled = false)");
  }
  return docker::EngineClient::Connect(config.docker.host);
}

Expected<std::vector<std::string>> RestartManaged(const config::Config& config,
                                                  const std::vector<std::string>& names) {
  for (const std::string& name : names) TRY(docker::ValidateContainerName(name));
  auto engine = TRY(ConnectEngine(config));
  const auto managed = TRY(docker::ListManaged(*engine, config.docker));
  std::vector<docker::ContainerSummary> chosen;
  for (const docker::ManagedContainer& m : managed) {
    if (names.empty() || std::ranges::find(names, m.container.name) != names.end()) {
      chosen.push_back(m.container);
    }
  }
  for (const std::string& name : names) {
    if (std::ranges::find(chosen, name, &docker::ContainerSummary::name) == chosen.end()) {
      return MakeError(ErrorCode::kNotFound, "no managed container named " + name);
    }
  }
  return docker::RestartInDependencyOrder(*engine, chosen, kRestartGrace);
}

Expected<std::vector<docker::ContainerImageCheck>> CheckContainerImages(
    const config::Config& config) {
  auto engine = TRY(ConnectEngine(config));
  const auto managed = TRY(docker::ListManaged(*engine, config.docker));
  docker::RegistryOptions options =
      TRY(docker::RegistryOptionsFrom(config.docker, config::ProcessEnvironment()));
  docker::RegistryClient registry(std::move(options));
  return docker::CheckImages(*engine, registry, managed, config.docker.tag_policy);
}

}  // namespace galaos::service
