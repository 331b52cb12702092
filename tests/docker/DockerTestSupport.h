// Helpers for the tests against the real engine of scripts/docker-engine.sh: unique names,
// busybox images imported from a rootfs, and cleanup of everything a test created (and only
// that: other people use the same engine). The docker CLI is a test helper only.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
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

// ImportBusyboxImage, then a push of `spec.name` (a reference into kRegistry); its tag and its
// image id are registered with `resources` (the id removed last). The image id.
Expected<std::string> ImportAndPush(Resources& resources, const ImageSpec& spec);

// Registers with `resources` every rollback tag an update made for `container`.
Status AdoptRollbackTags(Resources& resources, std::string_view container);

// An image `name` whose busybox httpd serves /www on port 8080, with `index` as
// /www/index.html (none when empty: then every request is a 404, a failing health check).
ImageSpec HttpdImage(std::string name, const std::string& index);
// A container's Healthcheck for HttpdImage: GET / every 300 ms, unhealthy after 2 failures.
nlohmann::json HttpdHealthcheck();

// What `docker inspect` of a container must keep across a recreate with a new image. Removed,
// because they are the new container's own by nature:
//   Id, Created, State, RestartCount — a new container, freshly started;
//   ExecIDs — the health check's execs running at that instant;
//   Image, Config.Image — the point of the update;
//   ResolvConfPath, HostnamePath, HostsPath, LogPath, GraphDriver — paths named by the id;
//   Config.Hostname — docker derives it from the id when none is configured;
//   the order of Mounts — the engine lists them from a map, in no fixed order;
//   NetworkSettings except Ports and, per network, NetworkID, Aliases (less the alias docker
//     adds for the short id), IPAMConfig, Links, DriverOpts — sandbox and endpoint ids, MAC
//     and dynamic addresses are allocated per container.
// Everything else — Config, HostConfig, Mounts, Path, Args, Name, ports, networks, static
// addresses — must be equal.
nlohmann::json ComparableInspect(nlohmann::json container);

// A client of the test engine.
Expected<std::unique_ptr<EngineClient>> TestEngine();

// `docker-compose [-p project] -f file args...` (the real v1, /usr/bin/docker-compose) in the
// file's directory against the test engine; takes the stack down again (containers and
// network) on destruction.
class ComposeProject {
 public:
  ComposeProject(std::filesystem::path file, std::string project)
      : file_(std::move(file)), project_(std::move(project)) {}
  ComposeProject(const ComposeProject&) = delete;
  ComposeProject& operator=(const ComposeProject&) = delete;
  ~ComposeProject();

  Status Run(std::vector<std::string> args) const;

 private:
  core::ProcessOptions Options(std::vector<std::string> args) const;

  std::filesystem::path file_;
  std::string project_;
};

}  // namespace galaos::docker::testing
