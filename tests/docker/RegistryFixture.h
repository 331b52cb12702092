// Real registries for the registry tests: images pushed with the docker CLI to the registry of
// scripts/docker-engine.sh (GALAOS_TEST_REGISTRY), and extra docker-registry processes with
// htpasswd or token auth that serve the same storage, so they hold the same images.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/Error.h"
#include "core/TempDir.h"
#include "support/TestServices.h"

namespace galaos::docker::testing {

// "gdr-<pid>-<random>": the prefix of every repository and image a test run creates.
const std::string& RunPrefix();

// Imports an image whose only file is /version holding `content`, tags it `name` (a full
// reference on the test registry), pushes it and returns the digest `docker push` printed.
// The local image is removed again; the registry keeps it.
Expected<std::string> PushImage(const std::string& name, const std::string& content);

// Pushes a multi-arch manifest list `name` of two images on the test registry (pushed here
// under `name`-amd64 and `name`-arm64 tags, with `content` + the architecture as their file);
// returns the list's digest.
Expected<std::string> PushManifestList(const std::string& name, const std::string& content);

// Pulls `name` into the engine like `docker pull` and returns the RepoDigests the engine
// recorded; the local image is removed again.
Expected<std::vector<std::string>> PullRepoDigests(const std::string& name);

// A docker-registry on a free port of 127.0.0.1 serving the test registry's storage.
class ExtraRegistry {
 public:
  // `auth_yaml`: the value of the config's `auth:` key, e.g. {htpasswd: {...}}.
  static Expected<std::unique_ptr<ExtraRegistry>> Start(const std::string& auth_yaml,
                                                        const core::TempDir& dir);
  const std::string& address() const { return address_; }  // "127.0.0.1:PORT"

 private:
  std::string address_;
  std::unique_ptr<galaos::testing::ServerProcess> process_;
};

// An htpasswd file line "user:<bcrypt hash>" as the registry requires.
Expected<std::string> HtpasswdLine(const std::string& user, const std::string& password);

// tests/docker/token-server.js on a free port with a fresh ES256 key and certificate.
class TokenServer {
 public:
  struct Options {
    std::string user, password, refresh_token;
    int lifetime_seconds = 300;
  };
  static Expected<std::unique_ptr<TokenServer>> Start(const Options& options,
                                                      const core::TempDir& dir);
  std::string realm() const;  // http://127.0.0.1:PORT/token
  const std::string& cert_file() const { return cert_file_; }
  Expected<int> Issued() const;  // tokens issued so far

 private:
  int port_ = 0;
  std::string cert_file_;
  std::unique_ptr<galaos::testing::ServerProcess> process_;
};

}  // namespace galaos::docker::testing
