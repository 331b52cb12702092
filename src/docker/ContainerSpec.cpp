#include "docker/ContainerSpec.h"

#include <algorithm>
#include <set>

namespace galaos::docker {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxNameLength = 200;

const json& Member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

bool IsEmpty(const json& value) {
  return value.is_null() || value.empty();
}

// Removes from config[key] (an array or object) the elements the image's config[key] has too.
void DropImageEntries(json& config, const json& image_config, const char* key) {
  const json& defaults = Member(image_config, key);
  if (!config.contains(key) || IsEmpty(defaults) || IsEmpty(config[key])) return;
  json& value = config[key];
  if (value.is_array() && defaults.is_array()) {
    json kept = json::array();
    for (const json& item : value) {
      if (std::ranges::find(defaults, item) == defaults.end()) kept.push_back(item);
    }
    value = std::move(kept);
  } else if (value.is_object() && defaults.is_object()) {
    for (const auto& [name, default_value] : defaults.items()) {
      if (value.contains(name) && value[name] == default_value) value.erase(name);
    }
  }
}

}  // namespace

Status ValidateContainerName(std::string_view name) {
  const auto valid_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  };
  const bool valid = name.size() >= 2 && name.size() <= kMaxNameLength &&
                     valid_char(name.front()) && name.front() != '_' && name.front() != '.' &&
                     name.front() != '-' && std::ranges::all_of(name, valid_char);
  if (!valid) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid container name \"" + std::string(name.substr(0, 100)) +
                         "\": expected [a-zA-Z0-9][a-zA-Z0-9_.-]+, at most " +
                         std::to_string(kMaxNameLength) + " characters");
  }
  return {};
}

Expected<ContainerSpec> SpecFromInspect(const json& container, const json& old_image,
                                        std::string_view new_image) {
  const json& config = Member(container, "Config");
  const json& host_config = Member(container, "HostConfig");
  const std::string id =
      Member(container, "Id").is_string() ? container["Id"].get<std::string>() : std::string();
  if (!config.is_object() || !host_config.is_object() || id.size() < 12) {
    return MakeError(ErrorCode::kCorrupt, "container inspect lacks Id, Config or HostConfig");
  }
  const std::string short_id = id.substr(0, 12);
  const json& image_config = Member(old_image, "Config");

  json body = config;
  body["Image"] = std::string(new_image);
  if (Member(body, "Hostname") == short_id) body.erase("Hostname");
  const std::string mode = Member(host_config, "NetworkMode").is_string()
                               ? host_config["NetworkMode"].get<std::string>()
                               : std::string("default");
  if (mode.starts_with("container:")) {
    // Inherited from the other container (the engine refuses them with this mode).
    for (const char* key : {"Hostname", "Domainname", "MacAddress"}) body.erase(key);
  }
  for (const char* key : {"Env", "Labels", "ExposedPorts", "Volumes"}) {
    DropImageEntries(body, image_config, key);
  }
  // An explicit Entrypoint makes the engine ignore the image's Cmd: keep Cmd with it.
  const bool entrypoint_is_default =
      IsEmpty(Member(body, "Entrypoint")) ||
      Member(body, "Entrypoint") == Member(image_config, "Entrypoint");
  for (const char* key :
       {"Entrypoint", "Cmd", "WorkingDir", "User", "Healthcheck", "StopSignal", "Shell"}) {
    if (std::string_view(key) == "Cmd" && !entrypoint_is_default) continue;
    if (body.contains(key) && !IsEmpty(Member(image_config, key)) &&
        body[key] == image_config[key]) {
      body.erase(key);
    }
  }

  json host = host_config;
  // Anonymous volumes (a name but no bind or mount naming it) would be replaced by fresh
  // empty ones: mount the old ones at the same place.
  std::set<std::string> targets;
  for (const json& bind : Member(host, "Binds")) {
    if (!bind.is_string()) continue;
    const std::string text = bind.get<std::string>();
    const auto first = text.find(':');
    const auto second = text.find(':', first + 1);
    if (first != std::string::npos) targets.insert(text.substr(first + 1, second - first - 1));
  }
  for (const json& mount : Member(host, "Mounts")) {
    if (Member(mount, "Target").is_string()) targets.insert(mount["Target"].get<std::string>());
  }
  for (const json& mount : Member(container, "Mounts")) {
    const std::string destination = Member(mount, "Destination").is_string()
                                        ? mount["Destination"].get<std::string>()
                                        : std::string();
    if (Member(mount, "Type") != "volume" || destination.empty() || targets.contains(destination))
      continue;
    if (!host.contains("Mounts") || !host["Mounts"].is_array()) host["Mounts"] = json::array();
    host["Mounts"].push_back({{"Type", "volume"},
                              {"Source", Member(mount, "Name")},
                              {"Target", destination},
                              {"ReadOnly", Member(mount, "RW") == json(false)}});
  }
  body["HostConfig"] = std::move(host);

  ContainerSpec spec;
  const std::string primary = mode == "default" ? "bridge" : mode;
  const json& networks = Member(Member(container, "NetworkSettings"), "Networks");
  const bool own_network_stack =
      mode != "host" && mode != "none" && !mode.starts_with("container:");
  if (own_network_stack && networks.is_object()) {
    for (const auto& [name, settings] : networks.items()) {
      json endpoint = json::object();
      json aliases = json::array();
      for (const json& alias : Member(settings, "Aliases")) {
        if (alias != short_id) aliases.push_back(alias);
      }
      if (!aliases.empty()) endpoint["Aliases"] = std::move(aliases);
      for (const char* key : {"IPAMConfig", "Links", "DriverOpts"}) {
        if (!IsEmpty(Member(settings, key))) endpoint[key] = settings[key];
      }
      if (name == primary) {
        body["NetworkingConfig"]["EndpointsConfig"][name] = std::move(endpoint);
      } else {
        spec.extra_networks.push_back({.network = name, .endpoint = std::move(endpoint)});
      }
    }
  }
  spec.create_body = std::move(body);
  return spec;
}

json ToJson(const ContainerSpec& spec) {
  json extra = json::array();
  for (const auto& attachment : spec.extra_networks) {
    extra.push_back({{"network", attachment.network}, {"endpoint", attachment.endpoint}});
  }
  return {{"createBody", spec.create_body}, {"extraNetworks", std::move(extra)}};
}

Expected<ContainerSpec> ContainerSpecFromJson(const json& value) {
  const json& body = Member(value, "createBody");
  const json& extra = Member(value, "extraNetworks");
  if (!body.is_object() || !extra.is_array()) {
    return MakeError(ErrorCode::kCorrupt, "container spec lacks createBody or extraNetworks");
  }
  ContainerSpec spec{.create_body = body};
  for (const json& attachment : extra) {
    if (!Member(attachment, "network").is_string()) {
      return MakeError(ErrorCode::kCorrupt, "container spec: a network without a name");
    }
    spec.extra_networks.push_back(
        {.network = attachment["network"], .endpoint = Member(attachment, "endpoint")});
  }
  return spec;
}

}  // namespace galaos::docker
