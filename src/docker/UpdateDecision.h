// UpdateDecision: whether a registry holds a different image than the local one under a tag.
//
// The local side is the image's RepoDigests from the engine (`docker image inspect`), e.g.
// ["127.0.0.1:5000/web@sha256:<a>"]. When `docker pull repo:tag` resolves the tag, the engine
// records in RepoDigests the digest of the manifest the registry served for the tag: for a
// multi-arch image that is the digest of the manifest list / OCI index, not of the platform
// manifest it then pulled (and not the image id, which is the config's digest). The registry
// side is RegistryClient::ManifestDigest, which accepts the index and list media types, so a
// registry answers with that same index digest. Equal digests therefore mean "what the tag
// points to now is what we pulled", on every architecture. Comparing the platform manifest or
// the image id instead would report every multi-arch image as changed.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "docker/ImageReference.h"

namespace galaos::docker {

struct UpdateDecision {
  bool update_available = false;
  // The local digest of the reference's repository: the one equal to the remote digest, else
  // the first recorded. Empty when the image has no RepoDigest for that repository (built or
  // loaded locally, or pulled under another name): then the remote image is an update.
  std::string current_digest;
  bool operator==(const UpdateDecision&) const = default;
};

// RepoDigests entries are matched to `reference` by canonical repository name, so
// "nginx@sha256:..." matches docker.io/library/nginx:latest. Entries that are not
// name@digest are ignored.
UpdateDecision DecideUpdate(const ImageReference& reference,
                            std::span<const std::string> repo_digests,
                            std::string_view remote_digest);

}  // namespace galaos::docker
