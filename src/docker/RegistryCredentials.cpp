#include "docker/RegistryCredentials.h"

#include <fmt/format.h>
#include <sodium.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "docker/ImageReference.h"
#include "docker/detail/JsonField.h"

namespace galaos::docker {
namespace {

using detail::StringField;
using nlohmann::json;

// "https://index.docker.io/v1/" -> "docker.io"; "http://host:5000/x" -> "host:5000".
std::string NormaliseHost(std::string_view key) {
  for (const std::string_view scheme : {"https://", "http://"}) {
    if (key.starts_with(scheme)) key.remove_prefix(scheme.size());
  }
  key = key.substr(0, key.find('/'));
  if (key == "index.docker.io" || key == kDockerHubRegistry) return std::string(kDockerHubDomain);
  return std::string(key);
}

Expected<std::string> DecodeBase64(std::string_view text) {
  std::string bytes(text.size(), '\0');
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(),
                        text.size(), "\n\r ", &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "not valid base64");
  }
  bytes.resize(length);
  return bytes;
}

Expected<RegistryCredential> ParseEntry(const json& entry) {
  if (!entry.is_object()) return MakeError(ErrorCode::kInvalidArgument, "not a JSON object");
  RegistryCredential credential;
  credential.username = StringField(entry, "username");
  credential.password = StringField(entry, "password");
  credential.identity_token = StringField(entry, "identitytoken");
  if (const std::string auth = StringField(entry, "auth"); !auth.empty()) {
    const Expected<std::string> decoded = DecodeBase64(auth);
    const std::size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "\"auth\" is not the base64 encoding of user:password");
    }
    credential.username = decoded->substr(0, colon);
    credential.password = decoded->substr(colon + 1);
  }
  return credential;
}

}  // namespace

std::filesystem::path RegistryCredentials::DefaultPath(const std::filesystem::path& configured,
                                                       const config::Environment& environment) {
  if (!configured.empty()) return configured;
  if (const auto dir = environment("DOCKER_CONFIG")) {
    return std::filesystem::path(*dir) / "config.json";
  }
  const std::optional<std::string> home = environment("HOME");
  return std::filesystem::path(home.value_or("/root")) / ".docker" / "config.json";
}

Expected<RegistryCredentials> RegistryCredentials::Load(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::exists(file, error) && !error) return RegistryCredentials();
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf())) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("cannot read Docker credentials from {}", file.string()));
  }
  return Parse(text.str(), file.string());
}

Expected<RegistryCredentials> RegistryCredentials::Parse(std::string_view text,
                                                         std::string_view source) {
  const json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}: not a JSON object (a Docker config.json)", source));
  }
  RegistryCredentials credentials;
  if (const auto auths = document.find("auths"); auths != document.end()) {
    if (!auths->is_object()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{}: \"auths\" is not a JSON object", source));
    }
    for (const auto& [key, entry] : auths->items()) {
      const RegistryCredential credential =
          TRY(WithContext(ParseEntry(entry), fmt::format("{}: auths entry \"{}\"", source, key)));
      if (credential.username.empty() && !credential.HasSecret()) continue;  // kept by a helper
      credentials.by_host_.emplace(NormaliseHost(key), credential);
    }
  }
  if (const auto helpers = document.find("credHelpers"); helpers != document.end()) {
    if (!helpers->is_object()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{}: \"credHelpers\" is not a JSON object", source));
    }
    for (const auto& [key, helper] : helpers->items()) {
      if (helper.is_string()) credentials.helpers_.emplace(NormaliseHost(key), helper);
    }
  }
  credentials.store_ = StringField(document, "credsStore");
  return credentials;
}

RegistryCredential RegistryCredentials::Lookup(std::string_view domain) const {
  const std::string host = NormaliseHost(domain);
  RegistryCredential credential;
  if (const auto it = helpers_.find(host); it != helpers_.end()) {
    credential.helper = "docker-credential-" + it->second;
  } else if (const auto login = by_host_.find(host); login != by_host_.end()) {
    return login->second;
  } else if (!store_.empty()) {
    credential.helper = "docker-credential-" + store_;
  }
  return credential;
}

}  // namespace galaos::docker
