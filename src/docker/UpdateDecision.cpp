#include "docker/UpdateDecision.h"

namespace galaos::docker {

UpdateDecision DecideUpdate(const ImageReference& reference,
                            std::span<const std::string> repo_digests,
                            std::string_view remote_digest) {
  UpdateDecision decision;
  for (const std::string& entry : repo_digests) {
    const Expected<ImageReference> local = ImageReference::Parse(entry);
    if (!local || local->digest.empty() || local->Name() != reference.Name()) continue;
    if (local->digest == remote_digest)
      return {.update_available = false, .current_digest = local->digest};
    if (decision.current_digest.empty()) decision.current_digest = local->digest;
  }
  decision.update_available = true;
  return decision;
}

}  // namespace galaos::docker
