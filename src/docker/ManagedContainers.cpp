#include "docker/ManagedContainers.h"

#include <algorithm>
#include <map>
#include <ranges>
#include <set>

#include "core/Time.h"
#include "docker/ComposeFile.h"
#include "docker/detail/StableTopologicalOrder.h"

namespace galaos::docker {
namespace {

using nlohmann::json;

bool HasLabel(const ContainerSummary& container, std::string_view selector) {
  if (selector.empty()) return false;
  const auto equals = selector.find('=');
  const std::string key(selector.substr(0, equals));
  const auto it = container.labels.find(key);
  if (it == container.labels.end()) return false;
  return equals == std::string_view::npos || it->second == selector.substr(equals + 1);
}

bool Contains(std::span<const std::string> names, const std::string& name) {
  return std::ranges::find(names, name) != names.end();
}

std::string Label(const ContainerSummary& container, std::string_view key) {
  const auto it = container.labels.find(std::string(key));
  return it == container.labels.end() ? std::string() : it->second;
}

// "db:service_started:false,cache:service_healthy" -> {"db", "cache"}.
std::vector<std::string> DependsOnServices(std::string_view label) {
  std::vector<std::string> services;
  for (const auto part : std::views::split(label, ',')) {
    const std::string_view entry(part.begin(), part.end());
    const std::string_view service = entry.substr(0, entry.find(':'));
    if (!service.empty()) services.emplace_back(service);
  }
  return services;
}

int IntOr(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int>() : 0;
}

std::string StringOr(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::vector<ManagedContainer> SelectManaged(std::span<const ContainerSummary> containers,
                                            const config::DockerConfig& config,
                                            std::span<const std::string> compose_projects) {
  std::vector<ManagedContainer> managed;
  for (const ContainerSummary& container : containers) {
    const bool monitor_only = Contains(config.monitor_only, container.name);
    const bool selected = HasLabel(container, config.managed_label) || monitor_only ||
                          Contains(config.containers, container.name) ||
                          (!config.compose_project.empty() &&
                           Label(container, kComposeProjectLabel) == config.compose_project) ||
                          Contains(compose_projects, Label(container, kComposeProjectLabel));
    if (selected && !HasLabel(container, config.exclude_label)) {
      managed.push_back({.container = container, .monitor_only = monitor_only});
    }
  }
  return managed;
}

nlohmann::json ToJson(const ManagedContainer& managed) {
  const ContainerSummary& c = managed.container;
  return {{"id", c.id},
          {"name", c.name},
          {"image", c.image},
          {"state", c.state},
          {"status", c.status},
          {"created", core::FormatIsoUtc(
                          std::chrono::system_clock::time_point(std::chrono::seconds(c.created)))},
          {"monitorOnly", managed.monitor_only}};
}

Expected<std::vector<ManagedContainer>> SelectConfigured(
    std::span<const ContainerSummary> containers, const config::DockerConfig& config) {
  std::vector<std::string> projects;
  for (const std::filesystem::path& file : config.compose_files) {
    const ComposeFile compose =
        TRY(WithContext(ComposeFile::Load(file, config.compose_project), "docker.compose_files"));
    projects.push_back(compose.project());
  }
  return SelectManaged(containers, config, projects);
}

Expected<std::vector<ManagedContainer>> ListManaged(Engine& engine,
                                                    const config::DockerConfig& config) {
  const auto containers = TRY(WithContext(engine.ListContainers(), "list containers"));
  return SelectConfigured(containers, config);
}

Expected<EngineInfo> GetEngineInfo(Engine& engine) {
  const EngineVersion version = TRY(WithContext(engine.Version(), "engine version"));
  const json info = TRY(WithContext(engine.Info(), "engine info"));
  const auto memory = info.find("MemTotal");
  return EngineInfo{
      .name = StringOr(info, "Name"),
      .server_version = version.version,
      .api_version = version.api_version,
      .os = StringOr(info, "OperatingSystem"),
      .kernel_version = StringOr(info, "KernelVersion"),
      .architecture = StringOr(info, "Architecture"),
      .storage_driver = StringOr(info, "Driver"),
      .cpus = IntOr(info, "NCPU"),
      .memory_bytes =
          memory != info.end() && memory->is_number_integer() ? memory->get<std::int64_t>() : 0,
      .containers = IntOr(info, "Containers"),
      .running = IntOr(info, "ContainersRunning"),
      .paused = IntOr(info, "ContainersPaused"),
      .stopped = IntOr(info, "ContainersStopped"),
      .images = IntOr(info, "Images"),
  };
}

json ToJson(const EngineInfo& info) {
  return {{"name", info.name},
          {"serverVersion", info.server_version},
          {"apiVersion", info.api_version},
          {"os", info.os},
          {"kernelVersion", info.kernel_version},
          {"architecture", info.architecture},
          {"storageDriver", info.storage_driver},
          {"cpus", info.cpus},
          {"memoryBytes", info.memory_bytes},
          {"containers", info.containers},
          {"running", info.running},
          {"paused", info.paused},
          {"stopped", info.stopped},
          {"images", info.images}};
}

Expected<std::vector<ContainerSummary>> DependencyOrder(
    std::span<const ContainerSummary> containers) {
  const std::size_t count = containers.size();
  // Who is container i? By full id, id prefix (network modes may hold a short id) or name.
  const auto find = [&](std::string_view reference) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < count; ++i) {
      const ContainerSummary& c = containers[i];
      if (c.name == reference || (reference.size() >= 12 && c.id.starts_with(reference))) return i;
    }
    return std::nullopt;
  };
  std::vector<std::set<std::size_t>> depends_on(count);
  for (std::size_t i = 0; i < count; ++i) {
    const ContainerSummary& c = containers[i];
    if (c.network_mode.starts_with("container:")) {
      if (const auto j = find(std::string_view(c.network_mode).substr(10)); j && *j != i) {
        depends_on[i].insert(*j);
      }
    }
    const std::string project = Label(c, kComposeProjectLabel);
    for (const std::string& service : DependsOnServices(Label(c, kComposeDependsOnLabel))) {
      for (std::size_t j = 0; j < count; ++j) {
        if (j != i && Label(containers[j], kComposeProjectLabel) == project &&
            Label(containers[j], kComposeServiceLabel) == service) {
          depends_on[i].insert(j);
        }
      }
    }
  }
  std::vector<std::string> names;
  for (const ContainerSummary& c : containers) names.push_back(c.name);
  const std::vector<std::size_t> order =
      TRY(detail::StableTopologicalOrder(depends_on, names, "containers"));
  std::vector<ContainerSummary> ordered;
  for (const std::size_t i : order) ordered.push_back(containers[i]);
  return ordered;
}

Expected<std::vector<std::string>> RestartInDependencyOrder(
    Engine& engine, std::span<const ContainerSummary> containers, std::chrono::seconds grace) {
  const auto ordered = TRY(DependencyOrder(containers));
  std::vector<std::string> restarted;
  for (const ContainerSummary& container : ordered) {
    TRY(WithContext(engine.RestartContainer(container.id, grace), "restart " + container.name));
    restarted.push_back(container.name);
  }
  return restarted;
}

}  // namespace galaos::docker
