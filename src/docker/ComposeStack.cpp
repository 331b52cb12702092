#include "docker/ComposeStack.h"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>

#include "docker/ComposeFile.h"
#include "docker/ManagedContainers.h"
#include "docker/Recreate.h"

namespace galaos::docker {
namespace {

std::string Label(const ContainerSummary& container, std::string_view key) {
  const auto it = container.labels.find(std::string(key));
  return it == container.labels.end() ? std::string() : it->second;
}

// The containers docker-compose created for `service`, by their labels, or by the v1 name.
std::vector<ContainerSummary> ServiceContainers(const std::vector<ContainerSummary>& all,
                                                const ComposeFile& compose,
                                                const ComposeService& service) {
  std::vector<ContainerSummary> found;
  for (const ContainerSummary& container : all) {
    if (Label(container, kComposeProjectLabel) == compose.project() &&
        Label(container, kComposeServiceLabel) == service.name &&
        Label(container, "com.docker.compose.oneoff") != "True" &&
        // A recovery container keeps the labels of the one it stands in for.
        !container.name.ends_with(RecoveryName(""))) {
      found.push_back(container);
    }
  }
  if (found.empty()) {
    const std::string name = compose.ContainerName(service);
    const auto it = std::ranges::find(all, name, &ContainerSummary::name);
    if (it != all.end()) found.push_back(*it);
  }
  std::ranges::sort(found, {}, &ContainerSummary::name);
  return found;
}

// `path` lies below `root`, component by component (/appX is not below /app).
bool IsBelow(const std::filesystem::path& root, const std::filesystem::path& path) {
  const auto [root_end, unused] = std::ranges::mismatch(root, path);
  return root_end == root.end() && path != root;
}

}  // namespace

Status CheckComposeFileName(const std::filesystem::path& app_root,
                            const std::filesystem::path& file) {
  std::filesystem::path root = app_root.lexically_normal();
  if (!root.has_filename()) root = root.parent_path();
  if (!IsBelow(root, (root / file).lexically_normal())) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("compose file {} is outside the app directory {}", file.string(),
                                 root.string()));
  }
  return {};
}

Expected<std::filesystem::path> ResolveComposeFile(const std::filesystem::path& app_root,
                                                   const std::filesystem::path& file) {
  const std::filesystem::path given = file.is_absolute() ? file : app_root / file;
  std::error_code error;
  const std::filesystem::path resolved = std::filesystem::canonical(given, error);
  if (error) {
    return MakeError(error == std::errc::no_such_file_or_directory ? ErrorCode::kNotFound
                                                                   : ErrorCode::kInvalidArgument,
                     fmt::format("compose file {}: {}", given.string(), error.message()));
  }
  const std::filesystem::path root = std::filesystem::canonical(app_root, error);
  if (error) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("app directory {}: {}", app_root.string(), error.message()));
  }
  if (!IsBelow(root, resolved)) {
    return MakeError(ErrorCode::kForbidden,
                     fmt::format("compose file {} resolves to {}, outside the app directory {}",
                                 given.string(), resolved.string(), root.string()));
  }
  if (!std::filesystem::is_regular_file(resolved, error)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("compose file {}: not a regular file", resolved.string()));
  }
  return resolved;
}

Expected<std::vector<StackContainer>> ListStackContainers(Engine& engine,
                                                          const config::Config& config,
                                                          const std::filesystem::path& file) {
  const std::filesystem::path resolved = TRY(ResolveComposeFile(config.app.root, file));
  const ComposeFile compose = TRY(ComposeFile::Load(resolved, config.docker.compose_project));
  const std::vector<ContainerSummary> all = TRY(engine.ListContainers());
  std::vector<StackContainer> stack;
  std::vector<ContainerSummary> containers;
  for (const ComposeService& service : compose.services()) {
    const std::vector<ContainerSummary> found = ServiceContainers(all, compose, service);
    if (found.empty()) {
      return MakeError(
          ErrorCode::kNotFound,
          fmt::format("{}: service {} has no container {} (start the stack with `docker-compose "
                      "up -d` first); nothing was updated",
                      resolved.string(), service.name, compose.ContainerName(service)));
    }
    for (const ContainerSummary& container : found) {
      stack.push_back(
          {.service = service.name, .container = container.name, .image = service.image});
      containers.push_back(container);
    }
  }
  // Whether the stack's containers are managed at all: the exclude label and monitor_only
  // still apply to them.
  config::DockerConfig selection = config.docker;
  selection.containers.clear();
  for (const StackContainer& entry : stack) selection.containers.push_back(entry.container);
  const std::vector<ManagedContainer> managed = SelectManaged(containers, selection);
  for (const StackContainer& entry : stack) {
    const auto it = std::ranges::find(managed, entry.container,
                                      [](const ManagedContainer& m) { return m.container.name; });
    if (it == managed.end()) {
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("{} (service {}) carries {}: not managed; nothing was updated",
                                   entry.container, entry.service, config.docker.exclude_label));
    }
    if (it->monitor_only) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{} (service {}) is monitor-only (docker.monitor_only): never "
                                   "updated; nothing was updated",
                                   entry.container, entry.service));
    }
  }
  return stack;
}

}  // namespace galaos::docker
