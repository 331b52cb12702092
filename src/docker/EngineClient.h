// EngineClient: the Engine over the Docker Engine API (libcurl; unix socket or tcp), at the API
// version negotiated with the engine. Errors carry the engine's own message; HTTP statuses map
// to ErrorCodes (400 invalid_argument, 401, 403, 404 not_found, 409 conflict, 5xx failed);
// an unreachable engine is kUnavailable, a request over its time budget kTimeout.
// Thread-safe: every request uses its own connection.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "docker/DockerHost.h"
#include "docker/Engine.h"

namespace galaos::docker {

// The newest Engine API version this client is written and tested against.
inline constexpr std::string_view kNewestApiVersion = "1.41";
// The oldest it accepts (networks with aliases and health checks are older).
inline constexpr std::string_view kOldestApiVersion = "1.25";

struct EngineClientOptions {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};  // per plain request
  std::chrono::milliseconds pull_timeout{std::chrono::minutes(30)};     // a whole image pull
};

// "1.41" < "1.9" is false: compares dot-separated numbers. Malformed parts compare as 0.
int CompareApiVersions(std::string_view a, std::string_view b);

class EngineClient final : public Engine {
 public:
  // Parses `host`, asks GET /version and uses min(engine's ApiVersion, kNewestApiVersion);
  // an engine older than kOldestApiVersion is an error.
  static Expected<std::unique_ptr<EngineClient>> Connect(std::string_view host,
                                                         EngineClientOptions options = {});

  const DockerHost& host() const { return host_; }
  const std::string& api_version() const { return api_version_; }

  Expected<EngineVersion> Version() override;
  Expected<nlohmann::json> Info() override;
  Expected<std::vector<ContainerSummary>> ListContainers() override;
  Expected<nlohmann::json> InspectContainer(std::string_view container) override;
  Expected<nlohmann::json> InspectImage(std::string_view image) override;
  Expected<std::string> CreateContainer(std::string_view name, const nlohmann::json& body) override;
  Status StartContainer(std::string_view container) override;
  Status StopContainer(std::string_view container, std::chrono::seconds grace) override;
  Status RestartContainer(std::string_view container, std::chrono::seconds grace) override;
  Status RenameContainer(std::string_view container, std::string_view new_name) override;
  Status RemoveContainer(std::string_view container, bool force) override;
  Status UpdateRestartPolicy(std::string_view container, const nlohmann::json& policy) override;
  Status ConnectNetwork(std::string_view network, std::string_view container,
                        const nlohmann::json& endpoint) override;
  Status DisconnectNetwork(std::string_view network, std::string_view container) override;
  Expected<std::vector<ImageSummary>> ListImages(std::string_view reference) override;
  Status RemoveImage(std::string_view image) override;
  Status TagImage(std::string_view image, std::string_view repository,
                  std::string_view tag) override;
  Status PullImage(std::string_view image, std::string_view registry_auth,
                   const ProgressCallback& on_progress) override;
  Status WatchContainerEvents(std::string_view container,
                              std::chrono::system_clock::time_point since,
                              std::chrono::system_clock::time_point until,
                              const EventCallback& on_event) override;

 private:
  struct Request;
  struct Response;

  EngineClient(DockerHost host, EngineClientOptions options)
      : host_(std::move(host)), options_(options) {}

  // Sends `request` (its path gets the /v<api> prefix once negotiated); a status >= 400 (or
  // one not in request.accept) becomes an error with the engine's message.
  Expected<Response> Send(const Request& request) const;
  Expected<nlohmann::json> SendJson(const Request& request) const;

  DockerHost host_;
  EngineClientOptions options_;
  std::string api_version_;  // empty until negotiated
};

}  // namespace galaos::docker
