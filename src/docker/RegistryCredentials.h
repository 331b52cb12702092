// RegistryCredentials: registry logins from Docker's client config file (config.json), the
// file `docker login` writes. Read from its "auths" map:
//   {"auths": {"127.0.0.1:5000": {"auth": base64("user:password")},
//              "https://index.docker.io/v1/": {"username": "u", "password": "p"},
//              "registry.example.com": {"identitytoken": "<OAuth2 refresh token>"}}}
// Keys may be a bare host[:port] or a URL (http(s)://host[:port]/...); Docker Hub's key is
// "https://index.docker.io/v1/" (index.docker.io, docker.io and registry-1.docker.io match too).
// Credential helpers ("credsStore", "credHelpers") are not run: galaos-updater runs as a daemon
// without the user's keychain or desktop session the helpers depend on. A registry whose
// credentials live in a helper gets that helper's name, so a registry that then demands a
// login fails with an error saying where the credentials are and how to provide them.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "config/Config.h"
#include "core/Error.h"

namespace galaos::docker {

struct RegistryCredential {
  std::string username;
  std::string password;        // secret
  std::string identity_token;  // secret; when set, exchanged at the token realm (OAuth2)
  // "docker-credential-<name>" when credsStore/credHelpers keeps this registry's login and
  // "auths" has none: nothing above is known.
  std::string helper;

  bool HasSecret() const { return !password.empty() || !identity_token.empty(); }
  bool operator==(const RegistryCredential&) const = default;
};

class RegistryCredentials {
 public:
  RegistryCredentials() = default;  // no credentials: every registry anonymous

  // The file to read: `configured` (docker.registry_auth) when not empty, else
  // $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json.
  static std::filesystem::path DefaultPath(const std::filesystem::path& configured,
                                           const config::Environment& environment);

  // A file that does not exist means no credentials. Unreadable files, invalid JSON and
  // malformed entries are errors naming the file (and the entry), never the secrets.
  static Expected<RegistryCredentials> Load(const std::filesystem::path& file);
  // `source` names the text in errors.
  static Expected<RegistryCredentials> Parse(std::string_view json, std::string_view source);

  // The login for a registry given as ImageReference::domain ("docker.io", "host:port").
  // As in Docker, a credHelpers entry for the host wins over "auths", and "auths" over
  // credsStore. Empty (no username, no secret, no helper): pull anonymously.
  RegistryCredential Lookup(std::string_view domain) const;

 private:
  std::map<std::string, RegistryCredential, std::less<>> by_host_;  // normalised host[:port]
  std::map<std::string, std::string, std::less<>> helpers_;         // credHelpers
  std::string store_;                                               // credsStore
};

}  // namespace galaos::docker
