// A handwritten Engine for unit tests of the logic above the client: it holds a list of
// containers and records the calls that change them; `fail_on` makes a call on one container
// fail. Operations a test did not set up fail with kFailed "not faked".
#pragma once

#include <string>
#include <vector>

#include "docker/Engine.h"

namespace galaos::docker::testing {

class FakeEngine final : public Engine {
 public:
  std::vector<ContainerSummary> containers;
  std::vector<std::string> calls;  // "restart <id>", ...
  std::string fail_on;             // a container id whose operations fail

  Expected<EngineVersion> Version() override { return NotFaked(); }
  Expected<nlohmann::json> Info() override { return NotFaked(); }
  Expected<std::vector<ContainerSummary>> ListContainers() override { return containers; }
  Expected<nlohmann::json> InspectContainer(std::string_view) override { return NotFaked(); }
  Expected<nlohmann::json> InspectImage(std::string_view) override { return NotFaked(); }
  Expected<std::string> CreateContainer(std::string_view, const nlohmann::json&) override {
    return NotFaked();
  }
  Status StartContainer(std::string_view) override { return NotFaked(); }
  Status StopContainer(std::string_view, std::chrono::seconds) override { return NotFaked(); }
  Status RestartContainer(std::string_view id, std::chrono::seconds) override {
    if (id == fail_on) return MakeError(ErrorCode::kFailed, "restart refused");
    calls.push_back("restart " + std::string(id));
    return {};
  }
  Status RenameContainer(std::string_view, std::string_view) override { return NotFaked(); }
  Status RemoveContainer(std::string_view, bool) override { return NotFaked(); }
  Status UpdateRestartPolicy(std::string_view, const nlohmann::json&) override {
    return NotFaked();
  }
  Status ConnectNetwork(std::string_view, std::string_view, const nlohmann::json&) override {
    return NotFaked();
  }
  Status DisconnectNetwork(std::string_view, std::string_view) override { return NotFaked(); }
  Expected<std::vector<ImageSummary>> ListImages(std::string_view) override { return NotFaked(); }
  Status RemoveImage(std::string_view) override { return NotFaked(); }
  Status TagImage(std::string_view, std::string_view, std::string_view) override {
    return NotFaked();
  }
  Status PullImage(std::string_view, std::string_view, const ProgressCallback&) override {
    return NotFaked();
  }
  Status WatchContainerEvents(std::string_view, std::chrono::system_clock::time_point,
                              std::chrono::system_clock::time_point,
                              const EventCallback&) override {
    return NotFaked();
  }

 private:
  static std::unexpected<Error> NotFaked() { return MakeError(ErrorCode::kFailed, "not faked"); }
};

}  // namespace galaos::docker::testing
