// Helpers for the tests against the real engine of scripts/docker-engine.sh: unique names,
// busybox images imported from a rootfs, and cleanup of everything a test created (and only
// that: other people use the same engine). The docker CLI is a test helper only.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"
#include "core/Process.h"
#include "docker/EngineClient.h"

namespace galaos::docker::testing {

inline constexpr std::string_view kDockerHost = GALAOS_TEST_DOCKER_HOST;
inline constexpr std::string_view kRegistry = GALAOS_TEST_REGISTRY;

// A prefix unique to this test run and test: "gdt-<pid>-<n>".
std::string UniquePrefix();

// `docker -H <test host> args...` with a DOCKER_CONFIG of the test run's own (never
// ~/.docker), required to succeed; its stdout.
Expected<std::string> DockerCli(std::vector<std::string> args);

// Removes, on destruction, the containers, networks, volumes and images registered with it.
class Resources {
 public:
  Resources() = default;
  Resources(const Resources&) = delete;
  Resources& operator=(const Resources&) = delete;
  ~Resources();

  std::string Container(std::string name);
  std::string Network(std::string name);
  std::string Volume(std::string name);
  std::string Image(std::string name);

 private:
  std::vector<std::string> containers_, networks_, volumes_, images_;
};

struct ImageSpec {
  std::string name{};                  // repository:tag
  std::vector<std::string> changes{};  // Dockerfile instructions for `docker import -c`
  std::vector<std::pair<std::string, std::string>> files{};  // path in the rootfs -> content
};

// Imports a rootfs holding /bin/busybox, /bin/sh and `spec.files` as `spec.name`.
Status ImportBusyboxImage(const ImageSpec& spec);

// A client of the test engine.
Expected<std::unique_ptr<EngineClient>> TestEngine();

}  // namespace galaos::docker::testing
