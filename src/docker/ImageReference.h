// ImageReference: an image name as Docker reads it (github.com/distribution/reference,
// ParseNormalizedNamed): [domain/]path[:tag][@digest], normalised to its canonical form.
//   nginx                      -> docker.io/library/nginx:latest
//   127.0.0.1:5000/web:1.2     -> 127.0.0.1:5000/web:1.2
//   app@sha256:<64 hex>        -> docker.io/library/app@sha256:... (no tag)
// The first path component is a domain only when it contains '.' or ':', is "localhost", or
// has an uppercase letter (repository paths are lowercase, so Docker takes it for a host);
// otherwise the image is on Docker Hub. "index.docker.io" is Docker Hub's legacy name.
#pragma once

#include <string>
#include <string_view>

#include "core/Error.h"

namespace galaos::docker {

inline constexpr std::string_view kDockerHubDomain = "docker.io";
// Where Docker Hub's registry API is actually served.
inline constexpr std::string_view kDockerHubRegistry = "registry-1.docker.io";
// The key Docker Hub's credentials have in ~/.docker/config.json.
inline constexpr std::string_view kDockerHubAuthKey = "https://index.docker.io/v1/";

inline constexpr std::size_t kMaxNameLength = 255;  // domain + '/' + path
inline constexpr std::size_t kMaxTagLength = 128;

struct ImageReference {
  std::string domain;  // "docker.io", "127.0.0.1:5000", "[::1]:5000", "localhost"
  std::string path;    // "library/nginx", "gdr/web"
  std::string tag;     // "latest" when neither a tag nor a digest was given; empty: digest only
  std::string digest;  // "sha256:<64 hex>" or "sha512:<128 hex>"; empty when not pinned

  // kInvalidArgument naming the input and the offending part: an empty name, a 64-hex-digit
  // name (an image id, not a name), an uppercase repository, a bad path component, domain,
  // tag or digest, a name over kMaxNameLength or a tag over kMaxTagLength characters.
  static Expected<ImageReference> Parse(std::string_view text);

  // The host[:port] whose /v2/ API serves the repository: registry-1.docker.io for docker.io.
  std::string Registry() const;
  // "docker.io/library/nginx": the repository's canonical name, without tag and digest.
  std::string Name() const;
  // "nginx", "gdr/web", "127.0.0.1:5000/web": the short name `docker images` shows.
  std::string FamiliarName() const;
  // Canonical: Name()[:tag][@digest].
  std::string ToString() const;

  bool operator==(const ImageReference&) const = default;
};

}  // namespace galaos::docker
