// ComposeStack: which containers of the engine make up a docker-compose stack, and the image
// each must run according to the compose file — what UpdateManager updates for
// DockerUpdateOptions::compose_file, in one transaction with the file's dependency order.
//
// The file: a relative path is taken from the app directory (config.app.root); after
// following every symlink it must lie inside that directory, else kForbidden naming both.
// A missing file is kNotFound; a file ComposeFile cannot read, kInvalidArgument with its line.
// The project name is docker.compose_project when set, else the file's (see ComposeFile.h).
//
// The containers of a service: those labelled com.docker.compose.project = the project and
// com.docker.compose.service = the service (one-off `docker-compose run` containers and
// recovery containers of an unfinished recreate excluded), else the one named as docker-compose
// v1 names it (container_name or <project>_<service>_1). A service of the file without a
// container is kNotFound (the stack is started with `docker-compose up -d`, not by the
// updater); so are a container carrying docker.exclude_label and, kInvalidArgument, one named
// in docker.monitor_only. Every error comes before anything changes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/Config.h"
#include "core/Error.h"
#include "docker/Engine.h"

namespace galaos::docker {

struct StackContainer {
  std::string service{};
  std::string container{};  // name
  std::string image{};      // the file's image for the service
};

// What can be told of `file` without the file system: a relative path must not climb out of
// `app_root`, an absolute one must lie below it (kInvalidArgument). A full update checks this
// before its code update, which may still add the file.
Status CheckComposeFileName(const std::filesystem::path& app_root,
                            const std::filesystem::path& file);

// The compose file `file` names, resolved (see above): its canonical path.
Expected<std::filesystem::path> ResolveComposeFile(const std::filesystem::path& app_root,
                                                   const std::filesystem::path& file);

// The containers of the stack `file` describes, services in the file's dependency order.
Expected<std::vector<StackContainer>> ListStackContainers(Engine& engine,
                                                          const config::Config& config,
                                                          const std::filesystem::path& file);

}  // namespace galaos::docker
