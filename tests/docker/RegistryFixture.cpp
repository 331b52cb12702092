#include "docker/RegistryFixture.h"

#include <crypt.h>
#include <httplib.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/Process.h"
#include "docker/DockerTestSupport.h"

namespace galaos::docker::testing {
namespace {

std::filesystem::path TestRegistryStorage() {
  const char* dir = std::getenv("GALAOS_DOCKER_DIR");  // as scripts/docker-engine.sh
  return std::filesystem::path(dir != nullptr ? dir : "/tmp/galaos-docker") / "registry" / "data";
}

Expected<core::ProcessResult> Run(std::vector<std::string> argv) {
  core::ProcessOptions options;
  options.argv = std::move(argv);
  options.timeout = std::chrono::seconds(120);
  return core::RunChecked(std::move(options));
}

}  // namespace

const std::string& RunPrefix() {
  static const std::string prefix = [] {
    std::random_device random;
    return "gdr-" + std::to_string(::getpid()) + "-" + std::to_string(random() % 1000000);
  }();
  return prefix;
}

Expected<std::string> PushImage(const std::string& name, const std::string& content) {
  const core::TempDir dir = TRY(core::TempDir::Create("gdr-image-"));
  std::filesystem::create_directory(dir.path() / "rootfs");
  std::ofstream(dir.path() / "rootfs" / "version") << content;
  const std::string tar = (dir.path() / "image.tar").string();
  TRY(Run({"tar", "-C", (dir.path() / "rootfs").string(), "-cf", tar, "."}));
  TRY(DockerCli({"import", tar, name}));
  const Expected<std::string> pushed = DockerCli({"push", name});
  TRY(DockerCli({"rmi", name}));
  if (!pushed) return std::unexpected(pushed.error());
  // "<tag>: digest: sha256:<hex> size: <n>"
  const std::size_t at = pushed->find("digest: ");
  if (at == std::string::npos) {
    return MakeError(ErrorCode::kFailed, "docker push printed no digest:\n" + *pushed);
  }
  return pushed->substr(at + 8, pushed->find(' ', at + 8) - at - 8);
}

Expected<std::string> PushManifestList(const std::string& name, const std::string& content) {
  const std::string amd64 = name + "-amd64";
  const std::string arm64 = name + "-arm64";
  TRY(PushImage(amd64, content + " amd64"));
  TRY(PushImage(arm64, content + " arm64"));
  TRY(DockerCli({"manifest", "create", "--insecure", "--amend", name, amd64, arm64}));
  TRY(DockerCli({"manifest", "annotate", "--arch", "arm64", name, arm64}));
  const std::string pushed = TRY(DockerCli({"manifest", "push", "--insecure", "--purge", name}));
  const std::size_t digest = pushed.find("sha256:");
  if (digest == std::string::npos) {
    return MakeError(ErrorCode::kFailed, "docker manifest push printed no digest:\n" + pushed);
  }
  return pushed.substr(digest, 7 + 64);
}

Expected<std::vector<std::string>> PullRepoDigests(const std::string& name) {
  TRY(DockerCli({"pull", "-q", name}));
  const Expected<std::string> inspected =
      DockerCli({"image", "inspect", "--format", "{{json .RepoDigests}}", name});
  TRY(DockerCli({"rmi", name}));
  if (!inspected) return std::unexpected(inspected.error());
  return nlohmann::json::parse(*inspected).get<std::vector<std::string>>();
}

Expected<std::unique_ptr<ExtraRegistry>> ExtraRegistry::Start(const std::string& auth_yaml,
                                                              const core::TempDir& dir) {
  auto registry = std::unique_ptr<ExtraRegistry>(new ExtraRegistry());
  registry->address_ = "127.0.0.1:" + std::to_string(galaos::testing::FreePort());
  const std::filesystem::path config = dir.path() / "registry.yml";
  std::ofstream(config) << "version: 0.1\n"
                        << "log: {level: info}\n"
                        << "storage: {filesystem: {rootdirectory: "
                        << TestRegistryStorage().string() << "}}\n"
                        << "http: {addr: " << registry->address_ << "}\n"
                        << "auth: " << auth_yaml << "\n";
  core::ProcessOptions options;
  options.argv = {"docker-registry", "serve", config.string()};
  registry->process_ =
      TRY(galaos::testing::ServerProcess::Start(std::move(options), "listening on"));
  return registry;
}

Expected<std::string> HtpasswdLine(const std::string& user, const std::string& password) {
  char* salt = crypt_gensalt_ra("$2b$", 4, nullptr, 0);  // bcrypt, the cheapest cost
  if (salt == nullptr) return MakeError(ErrorCode::kFailed, "crypt_gensalt_ra failed");
  auto data = std::make_unique<crypt_data>();
  const char* hash = crypt_r(password.c_str(), salt, data.get());
  std::free(salt);
  if (hash == nullptr || hash[0] == '*') return MakeError(ErrorCode::kFailed, "crypt_r failed");
  return user + ":" + hash;
}

Expected<std::unique_ptr<TokenServer>> TokenServer::Start(const Options& options,
                                                          const core::TempDir& dir) {
  auto server = std::unique_ptr<TokenServer>(new TokenServer());
  const std::string key = (dir.path() / "token-key.pem").string();
  server->cert_file_ = (dir.path() / "token-cert.pem").string();
  TRY(Run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
           "-nodes", "-keyout", key, "-out", server->cert_file_, "-days", "1", "-subj",
           "/CN=gdr-token-issuer"}));
  server->port_ = galaos::testing::FreePort();
  core::ProcessOptions process;
  process.argv = {"node",
                  GALAOS_SOURCE_DIR "/tests/docker/token-server.js",
                  std::to_string(server->port_),
                  key,
                  server->cert_file_,
                  "gdr-issuer",
                  options.user,
                  options.password,
                  options.refresh_token,
                  std::to_string(options.lifetime_seconds)};
  server->process_ =
      TRY(galaos::testing::ServerProcess::Start(std::move(process), "token server listening"));
  return server;
}

std::string TokenServer::realm() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/token";
}

Expected<int> TokenServer::Issued() const {
  httplib::Client client("127.0.0.1", port_);
  const httplib::Result result = client.Get("/stats");
  if (!result || result->status != 200) {
    return MakeError(ErrorCode::kUnavailable, "token server /stats did not answer");
  }
  return nlohmann::json::parse(result->body).at("issued").get<int>();
}

}  // namespace galaos::docker::testing
