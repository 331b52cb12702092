#include "service/Docker.h"

#include <algorithm>
#include <chrono>
#include <functional>

#include "core/Clock.h"
#include "docker/ContainerSpec.h"
#include "docker/ManagedContainers.h"
#include "docker/RegistryClient.h"
#include "store/UpdateLock.h"

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

namespace {

// Runs `body` with an UpdateManager on docker.host.
template <class T>
Expected<T> WithUpdateManager(const config::Config& config, store::Store& store,
                              const std::function<Expected<T>(docker::UpdateManager&)>& body) {
  auto engine = TRY(ConnectEngine(config));
  docker::RegistryOptions options =
      TRY(docker::RegistryOptionsFrom(config.docker, config::ProcessEnvironment()));
  docker::RegistryCredentials credentials = options.credentials;
  docker::RegistryClient registry(std::move(options));
  docker::UpdateManager manager(config, store, *engine, registry, std::move(credentials),
                                core::SystemClock::Instance());
  return body(manager);
}

}  // namespace

Expected<docker::PrunePlan> PruneRollbackImages(const config::Config& config,
                                                std::optional<int> keep, bool dry_run) {
  auto engine = TRY(ConnectEngine(config));
  if (dry_run) {
    return docker::PlanPrune(*engine, keep.value_or(config.docker.image_retention), config.docker);
  }
  const core::FileLock lock = TRY(store::AcquireUpdateLock(config.state.dir, "docker prune"));
  docker::PrunePlan plan =
      TRY(docker::PlanPrune(*engine, keep.value_or(config.docker.image_retention), config.docker));
  TRY(docker::ApplyPrune(*engine, plan));
  return plan;
}

Expected<docker::DockerUpdateResult> UpdateContainers(const config::Config& config,
                                                      store::Store& store,
                                                      const docker::DockerUpdateOptions& options,
                                                      const core::ProgressCallback& progress) {
  return WithUpdateManager<docker::DockerUpdateResult>(
      config, store,
      [&](docker::UpdateManager& manager) { return manager.Apply(options, progress); });
}

Expected<std::vector<docker::DockerUpdateResult>> RecoverContainerUpdates(
    const config::Config& config, store::Store& store, const core::ProgressCallback& progress) {
  const auto unfinished = TRY(store.ListUnfinishedTransactions());
  if (std::ranges::none_of(unfinished, [](const store::Transaction& t) {
        return t.type == store::TransactionType::kDocker;
      })) {
    return std::vector<docker::DockerUpdateResult>{};
  }
  return WithUpdateManager<std::vector<docker::DockerUpdateResult>>(
      config, store, [&](docker::UpdateManager& manager) { return manager.Recover(progress); });
}

}  // namespace galaos::service
