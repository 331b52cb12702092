// Zero-downtime rollout of one container (the docker-rollout approach), as RecreatePlan steps
// journaled and recovered exactly like a recreate in place (Recreate.h). The new container
// starts BESIDE the old one under a temporary name, on its primary network without aliases
// (nothing reaches it by an alias before it listens); once healthy it joins every network of
// the old one with the same aliases, so a lookup of an alias answers with both. Then the old one
// loses its aliases (reconnected without them: an alias then resolves to the new one only, while
// clients that resolved the old one a moment ago still reach it), runs on for the drain period
// (RecreateOptions::drain_period), is renamed to its recovery name and stopped — kept until the
// transaction commits, as in place — and the new one takes the original name:
//   kPlanned -> kBesideCreated -> kBesideStarted -> kBesideHealthy -> kOldDrained
//   -> kOldRetired -> kNewHealthy
//
// Eligible: a container reached only through user-defined networks —
//   - no published host port (HostConfig.PortBindings, PublishAllPorts): two containers
//     cannot bind one host port; such a container takes the minimal-downtime path in place;
//   - network mode a user-defined network: not default/bridge (no aliases there), host, none,
//     or container:<x>;
//   - no static address (IPAMConfig) on any network: two containers cannot hold one.
// A fixed name (compose container_name) is no obstacle: the new container takes it at the end.
// Volumes are shared by both containers during the overlap.
//
// Rollback and crash recovery (RollBackRecreate -> UndoZeroDowntime, then RestoreOld), from the
// names alone and idempotent: the container under beside_name, if it is not the old one, is
// removed; the old one gets every network of its spec back with its aliases.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/Error.h"
#include "docker/ContainerSpec.h"
#include "docker/Engine.h"
#include "docker/Recreate.h"

namespace galaos::docker {

// "<name>-galaos-new".
std::string BesideName(std::string_view name);

// Why a container of `spec` cannot be rolled out beside itself (see the top), e.g. "it
// publishes host port 8080/tcp"; nullopt when it can.
std::optional<std::string> ZeroDowntimeObstacle(const ContainerSpec& spec);

// Makes a planned recreate (PlanRecreate, state kPlanned) a zero-downtime rollout: sets
// plan.beside_name. kInvalidArgument naming the obstacle for an ineligible container; kConflict
// when a container already holds the beside name (an unfinished earlier rollout). Touches
// nothing.
Status PlanZeroDowntime(Engine& engine, RecreatePlan& plan);

// The next zero-downtime step of `plan` (AdvanceRecreate calls it for a plan with a
// beside_name).
Status AdvanceZeroDowntime(Engine& engine, RecreatePlan& plan, const RecreateOptions& options);

// The zero-downtime part of a rollback (see the top); RestoreOld does the rest.
Status UndoZeroDowntime(Engine& engine, const RecreatePlan& plan);

}  // namespace galaos::docker
