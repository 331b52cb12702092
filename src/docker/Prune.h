// Pruning what Docker updates left behind: for each container, its rollback tags
// (galaos-rollback/<container>:<time>, see UpdateManager.h) beyond the newest `keep`, and the
// images only those tags still held. Never another image: only images carrying a
// galaos-rollback/ tag are looked at, an image that also has another tag loses only its
// rollback tag, and an image a container uses (running or stopped) keeps its tags.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "config/Config.h"
#include "core/Error.h"
#include "docker/Engine.h"

namespace galaos::docker {

struct PrunedTag {
  std::string tag{};  // galaos-rollback/<container>:<time>
  std::string image_id{};
  bool deletes_image = false;   // no other tag and no container holds the image
  std::int64_t size_bytes = 0;  // the image's size; freed when deletes_image
};

struct PrunePlan {
  int keep = 1;
  std::vector<PrunedTag> tags{};  // oldest first per container; never an image in use
  int images_deleted = 0;
  std::int64_t bytes_freed = 0;  // each deleted image counted once
};

// {keep, imagesDeleted, spaceReclaimed (MB, rounded to 0.1), bytesFreed, tags: [{tag, imageId,
// deletesImage, sizeBytes}]}
nlohmann::json ToJson(const PrunePlan& plan);

// What a prune keeping the newest `keep` (>= 1) rollback tags per container would remove,
// among the rollback tags of the containers `config` manages (ListManaged) and of containers
// that no longer exist: another updater's containers on the same engine keep theirs. Changes
// nothing.
Expected<PrunePlan> PlanPrune(Engine& engine, int keep, const config::DockerConfig& config);

// Removes the plan's tags, then the images only they held (their registry digests with them).
// An image the engine refuses to delete (a container started using it since the plan, another
// repository's digest) is kept: a kConflict with the engine's reasons, after every other
// removal.
Status ApplyPrune(Engine& engine, const PrunePlan& plan);

}  // namespace galaos::docker
