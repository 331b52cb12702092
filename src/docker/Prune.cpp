#include "docker/Prune.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "docker/ManagedContainers.h"
#include "docker/UpdateManager.h"

namespace galaos::docker {

nlohmann::json ToJson(const PrunePlan& plan) {
  nlohmann::json tags = nlohmann::json::array();
  for (const PrunedTag& tag : plan.tags) {
    tags.push_back({{"tag", tag.tag},
                    {"imageId", tag.image_id},
                    {"deletesImage", tag.deletes_image},
                    {"sizeBytes", tag.size_bytes}});
  }
  const double megabytes = static_cast<double>(plan.bytes_freed) / (1024.0 * 1024.0);
  return {{"keep", plan.keep},
          {"imagesDeleted", plan.images_deleted},
          {"spaceReclaimed", std::round(megabytes * 10.0) / 10.0},
          {"bytesFreed", plan.bytes_freed},
          {"tags", tags}};
}

Expected<PrunePlan> PlanPrune(Engine& engine, int keep, const config::DockerConfig& config) {
  if (keep < 1) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        fmt::format("keep must be at least 1 (the newest rollback image), not {}", keep));
  }
  const std::vector<ImageSummary> images =
      TRY(engine.ListImages(std::string(kRollbackRepositoryPrefix) + "*"));
  const std::vector<ContainerSummary> containers = TRY(engine.ListContainers());
  std::set<std::string> used;
  std::set<std::string> unmanaged;  // the rollback repositories of containers not ours
  for (const ContainerSummary& container : containers) {
    used.insert(container.image_id);
    unmanaged.insert(RollbackRepository(container.name));
  }
  for (const ManagedContainer& managed : TRY(SelectConfigured(containers, config))) {
    unmanaged.erase(RollbackRepository(managed.container.name));
  }
  // Rollback tags per repository (one per container); the tag's time sorts as text.
  std::map<std::string, std::vector<std::pair<std::string, const ImageSummary*>>> by_repository;
  for (const ImageSummary& image : images) {
    for (const std::string& tag : image.repo_tags) {
      if (!tag.starts_with(kRollbackRepositoryPrefix)) continue;
      by_repository[tag.substr(0, tag.rfind(':'))].emplace_back(tag, &image);
    }
  }
  PrunePlan plan{.keep = keep};
  std::set<std::string> pruned;
  for (auto& [repository, tags] : by_repository) {
    if (unmanaged.contains(repository)) continue;
    std::ranges::sort(tags);
    const std::size_t prune = tags.size() > static_cast<std::size_t>(keep)
                                  ? tags.size() - static_cast<std::size_t>(keep)
                                  : 0;
    for (std::size_t i = 0; i < prune; ++i) {
      // What a container runs keeps its tag (the engine would not untag it unforced anyway).
      if (used.contains(tags[i].second->id)) continue;
      plan.tags.push_back({.tag = tags[i].first,
                           .image_id = tags[i].second->id,
                           .size_bytes = tags[i].second->size});
      pruned.insert(tags[i].first);
    }
  }
  std::set<std::string> deleted;
  for (PrunedTag& tag : plan.tags) {
    // The list shows only the tags the filter matched: every tag is in the image's inspect.
    const nlohmann::json image = TRY(engine.InspectImage(tag.image_id));
    const nlohmann::json repo_tags = image.value("RepoTags", nlohmann::json::array());
    tag.deletes_image = std::ranges::all_of(repo_tags, [&](const auto& t) {
      return t.is_string() && pruned.contains(t.template get<std::string>());
    });
    if (tag.deletes_image && deleted.insert(tag.image_id).second) {
      ++plan.images_deleted;
      plan.bytes_freed += tag.size_bytes;
    }
  }
  return plan;
}

Status ApplyPrune(Engine& engine, const PrunePlan& plan) {
  for (const PrunedTag& tag : plan.tags) {
    const Status removed = engine.RemoveImage(tag.tag);
    if (!removed && removed.error().code() != ErrorCode::kNotFound) {
      return std::unexpected(removed.error().WithContext("untag " + tag.tag));
    }
  }
  std::vector<std::string> kept;  // the engine's reasons
  std::set<std::string> done;
  for (const PrunedTag& tag : plan.tags) {
    if (!tag.deletes_image || !done.insert(tag.image_id).second) continue;
    const Status removed = engine.RemoveImage(tag.image_id);
    if (!removed && removed.error().code() == ErrorCode::kConflict) {
      kept.push_back(removed.error().message());
    } else if (!removed && removed.error().code() != ErrorCode::kNotFound) {
      return std::unexpected(removed.error().WithContext("remove " + tag.image_id));
    }
  }
  if (!kept.empty()) {
    return MakeError(ErrorCode::kConflict, fmt::format("images kept: {}", fmt::join(kept, "; ")));
  }
  return {};
}

}  // namespace galaos::docker
