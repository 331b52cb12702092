// Engine: the Docker Engine API operations the updater uses. EngineClient speaks to a real
// engine; unit tests of the update logic use a small handwritten fake. Objects the updater
// must round-trip without loss (container and image inspect, create bodies) stay the engine's
// own JSON; everything else is our types. Container references are ids or names.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::docker {

// One entry of GET /containers/json.
struct ContainerSummary {
  std::string id{};
  std::string name{};  // without the leading '/'
  std::string image{};
  std::string image_id{};
  std::string state{};       // created, running, paused, restarting, exited, dead
  std::string status{};      // human text, e.g. "Up 3 minutes"
  std::int64_t created = 0;  // unix seconds
  std::map<std::string, std::string> labels{};
  std::string network_mode{};  // HostConfig.NetworkMode, e.g. "bridge" or "container:<id>"
};

// One entry of GET /images/json.
struct ImageSummary {
  std::string id{};
  std::vector<std::string> repo_tags{};     // "repository:tag"; with a filter, those matching
  std::vector<std::string> repo_digests{};  // "repository@sha256:..."
  std::int64_t size = 0;                    // bytes
};

// GET /version.
struct EngineVersion {
  std::string version{};          // engine release, e.g. "20.10.24"
  std::string api_version{};      // the newest API the engine speaks
  std::string min_api_version{};  // the oldest
  std::string os{};
  std::string arch{};
};

// One event of GET /events (type "container").
struct ContainerEvent {
  std::string action{};  // "start", "die", "health_status: healthy", ...
  std::string id{};
  std::map<std::string, std::string> attributes{};  // e.g. exitCode for "die"
};

// Called for every line of a streaming response (pull progress); return false to stop reading.
using ProgressCallback = std::function<bool(const nlohmann::json& line)>;
// Called for every event; return false to stop watching.
using EventCallback = std::function<bool(const ContainerEvent& event)>;

class Engine {
 public:
  virtual ~Engine() = default;

  virtual Expected<EngineVersion> Version() = 0;
  virtual Expected<nlohmann::json> Info() = 0;  // GET /info as the engine sent it

  // Every container, running or not.
  virtual Expected<std::vector<ContainerSummary>> ListContainers() = 0;
  virtual Expected<nlohmann::json> InspectContainer(std::string_view container) = 0;
  virtual Expected<nlohmann::json> InspectImage(std::string_view image) = 0;

  // POST /containers/create with `body` (Config + HostConfig + NetworkingConfig); the new id.
  virtual Expected<std::string> CreateContainer(std::string_view name,
                                                const nlohmann::json& body) = 0;
  // Starting a running or stopping a stopped container succeeds.
  virtual Status StartContainer(std::string_view container) = 0;
  virtual Status StopContainer(std::string_view container, std::chrono::seconds grace) = 0;
  virtual Status RestartContainer(std::string_view container, std::chrono::seconds grace) = 0;
  virtual Status RenameContainer(std::string_view container, std::string_view new_name) = 0;
  // Removes the container, never its volumes; force also removes a running one.
  virtual Status RemoveContainer(std::string_view container, bool force) = 0;
  // Replaces the container's restart policy ({"Name": "no"|"always"|..., "MaximumRetryCount"}).
  virtual Status UpdateRestartPolicy(std::string_view container, const nlohmann::json& policy) = 0;
  // Attaches a (created or running) container; `endpoint` is an EndpointSettings object.
  virtual Status ConnectNetwork(std::string_view network, std::string_view container,
                                const nlohmann::json& endpoint) = 0;
  // Detaches a container from a network; its other networks and its state stay. Not attached:
  // an error from the engine.
  virtual Status DisconnectNetwork(std::string_view network, std::string_view container) = 0;

  // The images with a tag matching `reference` (a pattern like "repo/*"; empty: every image).
  virtual Expected<std::vector<ImageSummary>> ListImages(std::string_view reference) = 0;
  // Removes a tag, or with an id the image (untagging its digests); never forced, so an image a
  // container uses or another repository references is a kConflict.
  virtual Status RemoveImage(std::string_view image) = 0;
  // Tags `image` (an id or reference) as repository:tag, replacing that tag if it exists.
  virtual Status TagImage(std::string_view image, std::string_view repository,
                          std::string_view tag) = 0;

  // Pulls `image` ("name:tag" or "name@digest"); `registry_auth` is the X-Registry-Auth value
  // (empty: anonymous). A progress line carrying an error fails the pull with its message.
  virtual Status PullImage(std::string_view image, std::string_view registry_auth,
                           const ProgressCallback& on_progress) = 0;

  // Container events for `container` from `since` until `until` (both engine time, the
  // past included), in order; returns when `until` is reached or the callback returns false.
  virtual Status WatchContainerEvents(std::string_view container,
                                      std::chrono::system_clock::time_point since,
                                      std::chrono::system_clock::time_point until,
                                      const EventCallback& on_event) = 0;
};

}  // namespace galaos::docker
