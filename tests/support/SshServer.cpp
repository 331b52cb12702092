#include "support/SshServer.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "core/Process.h"

namespace galaos::testing {
namespace {

constexpr int kPortAttempts = 3;
constexpr const char* kSshd = "/usr/sbin/sshd";  // sshd re-executes itself: an absolute path

Expected<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return MakeError(ErrorCode::kIo, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
  if (!out.flush()) return MakeError(ErrorCode::kIo, "cannot write " + path.string());
  return {};
}

std::string FirstLine(std::string text) {
  if (const std::size_t end = text.find('\n'); end != std::string::npos) text.resize(end);
  return text;
}

}  // namespace

Status GenerateSshKey(const std::filesystem::path& path) {
  core::ProcessOptions options;
  options.argv = {"ssh-keygen", "-q", "-t",          "ed25519", "-N",
                  "",           "-C", "galaos-test", "-f",      path.string()};
  const core::ProcessResult result = TRY(core::RunProcess(std::move(options)));
  if (!result.Succeeded()) {
    return MakeError(ErrorCode::kFailed, "ssh-keygen " + path.string() + ": " + result.Describe() +
                                             "\n" + result.stderr_tail);
  }
  return {};
}

Expected<std::unique_ptr<SshServer>> SshServer::Start() {
  std::unique_ptr<SshServer> server(new SshServer(TRY(core::TempDir::Create("galaos-sshd-"))));
  const std::filesystem::path& dir = server->dir_.path();
  TRY(GenerateSshKey(dir / "host_ed25519"));
  TRY(GenerateSshKey(server->authorized_key()));
  TRY(WriteFile(dir / "authorized_keys", TRY(ReadFile(dir / "client_ed25519.pub"))));
  const std::string host_key = FirstLine(TRY(ReadFile(dir / "host_ed25519.pub")));
  // sshd refuses to start without its privilege separation directory.
  ::mkdir("/run/sshd", 0755);

  std::string failures;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    server->port_ = FreePort();
    TRY(WriteFile(dir / "sshd_config", "Port " + std::to_string(server->port_) +
                                           "\n"
                                           "ListenAddress 127.0.0.1\n"
                                           "HostKey " +
                                           (dir / "host_ed25519").string() +
                                           "\n"
                                           "PidFile none\n"
                                           "AuthorizedKeysFile " +
                                           (dir / "authorized_keys").string() +
                                           "\n"
                                           "PubkeyAuthentication yes\n"
                                           "PasswordAuthentication no\n"
                                           "KbdInteractiveAuthentication no\n"
                                           "UsePAM no\n"
                                           "StrictModes no\n"
                                           "PermitRootLogin prohibit-password\n"
                                           "LogLevel VERBOSE\n"));
    core::ProcessOptions options;
    options.argv = {kSshd, "-D", "-e", "-f", (dir / "sshd_config").string()};
    auto process = ServerProcess::Start(std::move(options), "Server listening on 127.0.0.1");
    if (process) {
      server->process_ = std::move(*process);
      server->known_hosts_line_ =
          "[127.0.0.1]:" + std::to_string(server->port_) + " " + host_key + "\n";
      TRY(WriteFile(server->known_hosts(), server->known_hosts_line_));
      return server;
    }
    failures += process.error().message() + "\n";
  }
  return MakeError(ErrorCode::kUnavailable, "cannot start sshd:\n" + failures);
}

std::string SshServer::Url(const std::filesystem::path& repository) const {
  return "ssh://root@127.0.0.1:" + std::to_string(port_) + repository.string();
}

Expected<std::filesystem::path> SshServer::GenerateUnauthorizedKey(const std::string& name) const {
  const std::filesystem::path path = dir_.path() / name;
  TRY(GenerateSshKey(path));
  return path;
}

}  // namespace galaos::testing
