// The Docker operations the CLI and the API share, on the engine at docker.host.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/Config.h"
#include "core/Error.h"
#include "core/Progress.h"
#include "docker/EngineClient.h"
#include "docker/ImageCheck.h"
#include "docker/Prune.h"
#include "docker/UpdateManager.h"
#include "store/Store.h"

namespace galaos::service {

// A client of docker.host; kInvalidArgument when docker.enabled is false.
Expected<std::unique_ptr<docker::EngineClient>> ConnectEngine(const config::Config& config);

// Restarts the managed containers named in `names` (all of them when empty) in dependency
// order; a name that is invalid or not managed is an error before anything restarts. The
// names restarted, in order.
Expected<std::vector<std::string>> RestartManaged(const config::Config& config,
                                                  const std::vector<std::string>& names);

// docker::CheckImages on every managed container, with the registry logins of the
// configuration (docker.registry_auth or Docker's config.json).
Expected<std::vector<docker::ContainerImageCheck>> CheckContainerImages(
    const config::Config& config);

// docker::UpdateManager::Apply on docker.host, with the registry logins of the configuration.
Expected<docker::DockerUpdateResult> UpdateContainers(const config::Config& config,
                                                      store::Store& store,
                                                      const docker::DockerUpdateOptions& options,
                                                      const core::ProgressCallback& progress = {});

// docker::UpdateManager::Recover: finishes the docker updates a killed updater left. Connects to
// the engine only when the store holds such a transaction (none: an empty list, also with
// Docker off or unreachable).
Expected<std::vector<docker::DockerUpdateResult>> RecoverContainerUpdates(
    const config::Config& config, store::Store& store, const core::ProgressCallback& progress = {});

// The rollback images Docker updates left beyond the newest `keep` per container (nullopt:
// docker.image_retention): docker::PlanPrune, then, unless `dry_run`, docker::ApplyPrune under
// the update lock, so no update is tagging while it prunes. Returns the plan.
Expected<docker::PrunePlan> PruneRollbackImages(const config::Config& config,
                                                std::optional<int> keep, bool dry_run);

}  // namespace galaos::service
