#include "docker/ImageCheck.h"

#include <fmt/format.h>

#include "docker/ImageReference.h"
#include "docker/NewerTag.h"
#include "docker/UpdateDecision.h"
#include "docker/detail/JsonField.h"

namespace galaos::docker {
namespace {

// The local image's RepoDigests ("name@sha256:…") from an image inspect.
Expected<std::vector<std::string>> RepoDigests(Engine& engine, const std::string& image_id) {
  const nlohmann::json inspect = TRY(engine.InspectImage(image_id));
  std::vector<std::string> digests;
  if (const auto it = inspect.find("RepoDigests"); it != inspect.end() && it->is_array()) {
    for (const nlohmann::json& digest : *it) {
      if (digest.is_string()) digests.push_back(digest.get<std::string>());
    }
  }
  return digests;
}

// The reference the container was created with (Config.Image: the name, even after the tag
// moved to another image) and the RepoDigests of the image it runs.
Expected<std::pair<ImageReference, std::vector<std::string>>> LocalImage(
    Engine& engine, const ContainerSummary& container) {
  const nlohmann::json inspect =
      TRY(WithContext(engine.InspectContainer(container.id), "inspecting the container"));
  const auto config = inspect.find("Config");
  std::string name = config != inspect.end() ? detail::StringField(*config, "Image") : "";
  if (name.empty()) name = container.image;
  std::string image_id = detail::StringField(inspect, "Image");
  if (image_id.empty()) image_id = container.image_id;
  if (name.starts_with("sha256:")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "created from an image id, not a name: there is no tag to check");
  }
  ImageReference reference = TRY(ImageReference::Parse(name));
  std::vector<std::string> digests =
      TRY(WithContext(RepoDigests(engine, image_id), "inspecting the local image"));
  return std::pair{std::move(reference), std::move(digests)};
}

}  // namespace

nlohmann::json ToJson(const ContainerImageCheck& check) {
  return {
      {"container", check.container},
      {"image", check.image},
      {"currentDigest", check.current_digest},
      {"remoteDigest", check.remote_digest},
      {"updateAvailable", check.update_available},
      {"newerTag", check.newer_tag ? nlohmann::json(*check.newer_tag) : nlohmann::json(nullptr)},
      {"monitorOnly", check.monitor_only},
      {"error", check.error ? nlohmann::json(check.error->message()) : nlohmann::json(nullptr)}};
}

std::vector<ContainerImageCheck> CheckImages(Engine& engine, RegistryClient& registry,
                                             std::span<const ManagedContainer> containers,
                                             config::TagPolicy tag_policy) {
  std::vector<ContainerImageCheck> checks;
  std::vector<ImageReference> references;
  std::vector<std::size_t> checked;  // index into checks of each reference
  std::vector<std::vector<std::string>> repo_digests;
  for (const ManagedContainer& managed : containers) {
    const ContainerSummary& container = managed.container;
    ContainerImageCheck& check =
        checks.emplace_back(ContainerImageCheck{.container = container.name,
                                                .image = container.image,
                                                .monitor_only = managed.monitor_only});
    Expected<std::pair<ImageReference, std::vector<std::string>>> local =
        LocalImage(engine, container);
    if (!local) {
      check.error = local.error();
      continue;
    }
    check.image = local->first.ToString();
    references.push_back(std::move(local->first));
    repo_digests.push_back(std::move(local->second));
    checked.push_back(checks.size() - 1);
  }

  const std::vector<Expected<std::string>> remote = registry.ManifestDigests(references);
  for (std::size_t i = 0; i < references.size(); ++i) {
    ContainerImageCheck& check = checks[checked[i]];
    if (!remote[i]) {
      check.error = remote[i].error();
      continue;
    }
    const UpdateDecision decision = DecideUpdate(references[i], repo_digests[i], *remote[i]);
    check.remote_digest = *remote[i];
    check.current_digest = decision.current_digest;
    check.update_available = decision.update_available;
    if (tag_policy != config::TagPolicy::kOff && !references[i].tag.empty()) {
      Expected<std::vector<std::string>> tags = registry.Tags(references[i]);
      if (!tags) {
        check.error = tags.error().WithContext("listing tags");
        continue;
      }
      check.newer_tag = NewerTag(references[i].tag, *tags, tag_policy);
    }
  }
  return checks;
}

}  // namespace galaos::docker
