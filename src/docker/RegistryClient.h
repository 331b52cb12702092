// RegistryClient: asks image registries (the OCI distribution / Docker Registry HTTP API v2)
// which manifest a tag points to now, and which tags a repository has.
//
// Digest: HEAD /v2/<path>/manifests/<tag> with Accept for the OCI image index, the Docker
// manifest list, the OCI manifest and the Docker v2 manifest, answered by its
// Docker-Content-Digest header; when a registry gives no digest, or the HEAD fails with a
// status whose explanation only a body carries (a 404, say; not 429/503 after the retries), a
// GET of the same manifest, whose digest is the header or the sha256 of the bytes received.
// So a multi-arch image yields the digest of its index, which is what `docker pull` records.
//
// Auth: anonymous first. A 401 with "WWW-Authenticate: Bearer realm=..,service=..,scope=.."
// fetches a token from the realm (with the registry's basic credentials, or its identity token
// as an OAuth2 refresh token, when config.json has them; anonymously otherwise) and retries;
// tokens are cached per registry and scope until they expire, and later requests to that
// registry send one at once. "Basic" challenges are answered with the username and password.
// Retries: 429 and 503 wait Retry-After (seconds) or an exponential backoff, each wait at most
// max_backoff, for at most max_attempts requests. Plain http only for localhost, 127.0.0.0/8,
// [::1] and insecure_registries (host or host:port); https otherwise. Errors name the
// registry, the request and the registry's own explanation (the "errors" array of its JSON
// body), never a credential or token.
//
// Thread-safe: one client may be used from several threads. ManifestDigests runs its checks
// on up to max_parallel threads, each with its own libcurl handle, all sharing the client's
// connection cache (keep-alive connections, DNS, TLS sessions): the auth and retry steps of a
// check stay plain sequential code, and later checks reuse the connections earlier ones opened.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "config/Config.h"
#include "core/Clock.h"
#include "core/Error.h"
#include "docker/ImageReference.h"
#include "docker/RegistryCredentials.h"

namespace galaos::docker {

struct RegistryOptions {
  RegistryCredentials credentials;
  std::vector<std::string> insecure_registries;  // host[:port] spoken to over plain http
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // per request, whole transfer
  int max_attempts = 4;                                         // per request, on 429 and 503
  std::chrono::milliseconds first_backoff{std::chrono::milliseconds(500)};  // doubles per retry
  std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
  std::size_t max_parallel = 8;  // transfers ManifestDigests runs at once
  std::size_t max_tag_pages = 50;
  // A stop request ends transfers and backoff waits at once: their results are kCancelled.
  std::stop_token cancel;
};

// Options from the configuration: the credentials of the Docker config file that
// RegistryCredentials::DefaultPath picks for docker.registry_auth. Errors name that file.
Expected<RegistryOptions> RegistryOptionsFrom(const config::DockerConfig& docker,
                                              const config::Environment& environment);

class RegistryClient {
 public:
  // `clock` (token expiry) must outlive the client.
  explicit RegistryClient(RegistryOptions options,
                          core::Clock& clock = core::SystemClock::Instance());
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // The digest ("sha256:...") the reference's tag points to in its registry; for a reference
  // pinned by digest only, that digest once the registry confirms it has the manifest.
  // Error codes: kUnauthorized (401, no or rejected credentials), kForbidden, kNotFound (no
  // such repository or tag), kUnavailable (unreachable, 5xx, 429 after the retries), kTimeout,
  // kCancelled.
  Expected<std::string> ManifestDigest(const ImageReference& reference);

  // ManifestDigest for each reference, in order, checked concurrently (max_parallel at once).
  // A failing registry fails only its own references.
  std::vector<Expected<std::string>> ManifestDigests(const std::vector<ImageReference>& references);

  // Every tag of the reference's repository (its tag and digest are ignored), following the
  // registry's Link pagination; more than max_tag_pages pages is an error.
  Expected<std::vector<std::string>> Tags(const ImageReference& repository);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace galaos::docker
