// ComposeFile: what a docker-compose file says about its stack — the project name, the
// services with their images, and the order and container names docker-compose v1 (1.29)
// gives them. Read only; nothing here talks to an engine.
//
// Formats: version "2.x" and "3.x" files (services under `services:`), files without a
// version that have `services:` (the compose spec), and version-1 files (no version, the
// services at the top level). Keys starting with "x-" are extensions and ignored.
//
// Project name (as docker-compose): the given one (`-p`) if any, else the file's `name:` (the
// compose spec; docker-compose v1 itself rejects that key), else the name of the file's
// directory; normalised to lower case with every character but [a-z0-9_-] dropped.
//
// Dependencies of a service (as docker-compose): its depends_on (list or map form), links
// ("db" or "db:alias"), `network_mode: service:<name>`, and `network_mode: container:<name>`
// when <name> is the container of another service of the file. Every service comes after its
// dependencies, otherwise in file order. Container names: container_name, else
// "<project>_<service>_1" (leading '-' and '_' of the project dropped).
//
// Errors are kInvalidArgument "<file>:<line>: <message>": bad YAML, a service without image,
// a value of the wrong type, a dependency on a service the file does not define; a
// dependency cycle names the services in it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::docker {

struct ComposeService {
  std::string name{};
  std::string image{};
  std::string container_name{};  // as written; empty when docker-compose picks the name
  std::string network_mode{};    // as written: "", "host", "service:db", "container:x"...
  std::vector<std::string> dependencies{};  // services it starts after, no duplicates
  int line = 0;                             // where the service is defined (1-based)
};

class ComposeFile {
 public:
  // Reads and parses `file`; `project_name` as `docker-compose -p` (empty: none).
  static Expected<ComposeFile> Load(const std::filesystem::path& file,
                                    std::string_view project_name = {});
  // Parses `text`; `source` names it in errors, `directory_name` is the fallback project name.
  static Expected<ComposeFile> Parse(std::string_view text, std::string_view source,
                                     std::string_view directory_name,
                                     std::string_view project_name = {});

  const std::string& project() const { return project_; }
  // The services in dependency order.
  const std::vector<ComposeService>& services() const { return services_; }

  // The name of the (first) container docker-compose v1 creates for `service`.
  std::string ContainerName(const ComposeService& service) const;
  // ContainerName of every service, in dependency order: the containers of this stack, for
  // selecting them among an engine's containers.
  std::vector<std::string> ContainerNames() const;

 private:
  std::string project_;
  std::vector<ComposeService> services_;
};

// A project name as docker-compose normalises it: lower case, only [a-z0-9_-] kept.
std::string NormalizeComposeProjectName(std::string_view name);

}  // namespace galaos::docker
