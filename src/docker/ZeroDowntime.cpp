#include "docker/ZeroDowntime.h"

#include <fmt/format.h>

#include <set>
#include <thread>
#include <vector>

namespace galaos::docker {
namespace {

using nlohmann::json;

// Every network of the spec (the primary one first) with its endpoint settings.
std::vector<NetworkAttachment> Attachments(const ContainerSpec& spec) {
  std::vector<NetworkAttachment> attachments;
  const json endpoints = spec.create_body.value("NetworkingConfig", json::object())
                             .value("EndpointsConfig", json::object());
  for (const auto& [network, endpoint] : endpoints.items()) {
    attachments.push_back({.network = network, .endpoint = endpoint});
  }
  attachments.insert(attachments.end(), spec.extra_networks.begin(), spec.extra_networks.end());
  return attachments;
}

// An endpoint's aliases, less the container's short id (the engine adds it on every connect).
std::set<std::string> Aliases(const json& endpoint, std::string_view short_id) {
  std::set<std::string> aliases;
  for (const json& alias : endpoint.value("Aliases", json::array())) {
    if (alias.is_string() && alias != short_id) aliases.insert(alias.get<std::string>());
  }
  return aliases;
}

// Connects `container` to each network of `wanted` with exactly its aliases: left alone when it
// already is, reconnected when its aliases differ, connected when it is not attached. Idempotent.
Status ConnectAs(Engine& engine, std::string_view container,
                 const std::vector<NetworkAttachment>& wanted, const std::string& context) {
  const json inspected = TRY(WithContext(engine.InspectContainer(container), context));
  const std::string short_id = inspected.value("Id", "").substr(0, 12);
  const json connected =
      inspected.value("NetworkSettings", json::object()).value("Networks", json::object());
  for (const NetworkAttachment& attachment : wanted) {
    const std::string step = context + " on network " + attachment.network;
    if (connected.contains(attachment.network)) {
      if (Aliases(connected[attachment.network], short_id) ==
          Aliases(attachment.endpoint, short_id)) {
        continue;
      }
      TRY(WithContext(engine.DisconnectNetwork(attachment.network, container), step));
    }
    TRY(WithContext(engine.ConnectNetwork(attachment.network, container, attachment.endpoint),
                    step));
  }
  return {};
}

std::vector<NetworkAttachment> WithoutAliases(std::vector<NetworkAttachment> attachments) {
  for (NetworkAttachment& attachment : attachments) attachment.endpoint.erase("Aliases");
  return attachments;
}

// The create body of the new container while it starts beside the old one: on the primary network
// without aliases and on no other network, so nothing reaches it by an alias before it is
// healthy (its health check runs inside it).
json UnreachableCreateBody(const ContainerSpec& spec) {
  json body = spec.create_body;
  json& endpoints = body["NetworkingConfig"]["EndpointsConfig"];
  if (endpoints.is_object()) {
    for (auto& [network, endpoint] : endpoints.items()) endpoint.erase("Aliases");
  }
  return body;
}

Status Transition(RecreatePlan& plan, RecreateState state) {
  plan.state = state;
  return {};
}

// Takes the old container's aliases away — reconnected at once without them, so requests that
// resolved it a moment ago still reach it (the engine drops the DNS record only after the
// interface, and an address freed this way is usually handed back to it) — then lets it answer
// what it still has in hand.
Status DrainOld(Engine& engine, const RecreatePlan& plan, const RecreateOptions& options) {
  TRY(ConnectAs(engine, plan.old_id, WithoutAliases(Attachments(plan.spec)),
                "take the old container's aliases away"));
  std::this_thread::sleep_for(options.drain_period);
  return {};
}

}  // namespace

std::string BesideName(std::string_view name) {
  return std::string(name) + "-galaos-new";
}

std::optional<std::string> ZeroDowntimeObstacle(const ContainerSpec& spec) {
  const json host = spec.create_body.value("HostConfig", json::object());
  const json ports = host.value("PortBindings", json::object());
  for (const auto& [port, bindings] : ports.items()) {
    if (bindings.is_array() && !bindings.empty()) {
      return "it publishes host port " + port + " (two containers cannot bind it)";
    }
  }
  if (host.value("PublishAllPorts", false)) return "it publishes all its ports (PublishAllPorts)";
  const std::string mode = host.value("NetworkMode", "default");
  if (mode == "default" || mode == "bridge" || mode == "host" || mode == "none" ||
      mode.starts_with("container:")) {
    return "its network mode " + mode + " has no aliases both containers could share";
  }
  for (const NetworkAttachment& attachment : Attachments(spec)) {
    const json ipam = attachment.endpoint.value("IPAMConfig", json::object());
    if (!ipam.value("IPv4Address", "").empty() || !ipam.value("IPv6Address", "").empty()) {
      return "it has a static address on network " + attachment.network;
    }
  }
  return std::nullopt;
}

Status PlanZeroDowntime(Engine& engine, RecreatePlan& plan) {
  const std::string context = "zero-downtime update of " + plan.name;
  if (plan.state != RecreateState::kPlanned) {
    return MakeError(ErrorCode::kFailed, context + ": the recreate already began");
  }
  if (const auto obstacle = ZeroDowntimeObstacle(plan.spec)) {
    return MakeError(ErrorCode::kInvalidArgument, context + " is not possible: " + *obstacle);
  }
  const std::string beside = BesideName(plan.name);
  TRY(ValidateContainerName(beside));
  const auto leftover = engine.InspectContainer(beside);
  if (leftover) {
    return MakeError(ErrorCode::kConflict,
                     context + ": a container named " + beside +
                         " exists from an unfinished update; finish or roll that back first");
  }
  if (leftover.error().code() != ErrorCode::kNotFound) {
    return std::unexpected(leftover.error().WithContext(context));
  }
  plan.beside_name = beside;
  return {};
}

Status AdvanceZeroDowntime(Engine& engine, RecreatePlan& plan, const RecreateOptions& options) {
  switch (plan.state) {
    case RecreateState::kPlanned:
      plan.new_id = TRY(
          WithContext(engine.CreateContainer(plan.beside_name, UnreachableCreateBody(plan.spec)),
                      "create the new container"));
      return Transition(plan, RecreateState::kBesideCreated);
    case RecreateState::kBesideCreated:
      TRY(WithContext(engine.StartContainer(plan.new_id), "start the new container"));
      return Transition(plan, RecreateState::kBesideStarted);
    case RecreateState::kBesideStarted:
      TRY(WithContext(
          WaitHealthy(engine, plan.new_id, options.healthy_timeout, options.stable_period),
          "the new container is not healthy"));
      TRY(ConnectAs(engine, plan.new_id, Attachments(plan.spec),
                    "give the new container its aliases"));
      return Transition(plan, RecreateState::kBesideHealthy);
    case RecreateState::kBesideHealthy:
      TRY(DrainOld(engine, plan, options));
      return Transition(plan, RecreateState::kOldDrained);
    case RecreateState::kOldDrained:
      TRY(WithContext(engine.RenameContainer(plan.old_id, plan.recovery_name),
                      "rename the old container to " + plan.recovery_name));
      TRY(StopOld(engine, plan, options));
      return Transition(plan, RecreateState::kOldRetired);
    case RecreateState::kOldRetired:
      TRY(WithContext(engine.RenameContainer(plan.new_id, plan.name),
                      "rename the new container to " + plan.name));
      return Transition(plan, RecreateState::kNewHealthy);
    default:
      break;
  }
  return MakeError(ErrorCode::kFailed,
                   fmt::format("zero-downtime update of {}: no step from state {}", plan.name,
                               RecreateStateName(plan.state)));
}

Status UndoZeroDowntime(Engine& engine, const RecreatePlan& plan) {
  const std::string context = "roll back the zero-downtime update of " + plan.name;
  TRY(WithContext(ValidateContainerName(plan.beside_name), context));
  const auto beside = engine.InspectContainer(plan.beside_name);
  if (beside && beside->value("Id", "") != plan.old_id) {
    TRY(WithContext(engine.RemoveContainer(beside->value("Id", ""), /*force=*/true),
                    context + ": remove the new container"));
  } else if (!beside && beside.error().code() != ErrorCode::kNotFound) {
    return std::unexpected(beside.error().WithContext(context));
  }
  TRY(ConnectAs(engine, plan.old_id, Attachments(plan.spec),
                context + ": give the old container its aliases back"));
  return {};
}

}  // namespace galaos::docker
