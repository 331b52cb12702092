// Which containers the updater manages, what the engine reports about itself, and restarting
// managed containers in dependency order.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "config/Config.h"
#include "core/Error.h"
#include "docker/Engine.h"

namespace galaos::docker {

inline constexpr std::string_view kComposeProjectLabel = "com.docker.compose.project";
inline constexpr std::string_view kComposeServiceLabel = "com.docker.compose.service";
inline constexpr std::string_view kComposeDependsOnLabel = "com.docker.compose.depends_on";

struct ManagedContainer {
  ContainerSummary container{};
  bool monitor_only = false;  // checked and reported, never updated
};

// The managed containers among `containers`, in the given order: those carrying
// config.managed_label ("key" = present with any value, "key=value" = that value), those of
// config.compose_project or of one of `compose_projects` (the projects of
// config.compose_files, see ListManaged), and those named in config.containers or
// config.monitor_only; minus those carrying config.exclude_label. Names in
// config.monitor_only are flagged monitor-only.
std::vector<ManagedContainer> SelectManaged(std::span<const ContainerSummary> containers,
                                            const config::DockerConfig& config,
                                            std::span<const std::string> compose_projects = {});

// listContainers' entry: {id, name, image, state, status, created (ISO 8601 UTC)} plus
// monitorOnly.
nlohmann::json ToJson(const ManagedContainer& managed);

// SelectManaged with the project each of config.compose_files names (its `name:`, else its
// directory's, as docker-compose does; config.compose_project overrides). An unreadable
// compose file is an error naming it.
Expected<std::vector<ManagedContainer>> SelectConfigured(
    std::span<const ContainerSummary> containers, const config::DockerConfig& config);

// ListContainers + SelectConfigured.
Expected<std::vector<ManagedContainer>> ListManaged(Engine& engine,
                                                    const config::DockerConfig& config);

// A summary of GET /version and GET /info.
struct EngineInfo {
  std::string name{};  // the engine host's name
  std::string server_version{};
  std::string api_version{};  // the newest the engine speaks
  std::string os{};
  std::string kernel_version{};
  std::string architecture{};
  std::string storage_driver{};
  int cpus = 0;
  std::int64_t memory_bytes = 0;
  int containers = 0;
  int running = 0;
  int paused = 0;
  int stopped = 0;
  int images = 0;
};
Expected<EngineInfo> GetEngineInfo(Engine& engine);
nlohmann::json ToJson(const EngineInfo& info);

// `containers` ordered so that each comes after those it depends on: the compose services
// named in its com.docker.compose.depends_on label (same compose project) and the container
// of a `container:<id or name>` network mode. Dependencies outside `containers` are ignored;
// otherwise the given order is kept. A dependency cycle is a kInvalidArgument error naming it.
Expected<std::vector<ContainerSummary>> DependencyOrder(
    std::span<const ContainerSummary> containers);

// Restarts `containers` one by one in DependencyOrder; stops at the first failure, naming the
// container. Returns the names restarted, in order.
Expected<std::vector<std::string>> RestartInDependencyOrder(
    Engine& engine, std::span<const ContainerSummary> containers, std::chrono::seconds grace);

}  // namespace galaos::docker
