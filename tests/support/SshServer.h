// A real OpenSSH server on 127.0.0.1 for git-over-ssh tests, started by the test program
// (which runs as root, as CI does): its own host key, sshd_config and authorized_keys in a
// temporary directory, public-key authentication only (no passwords, no PAM). Remote
// commands such as git-upload-pack run as root, so `Url(path)` serves any repository.
// Destruction stops sshd (and every session it started).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/Error.h"
#include "core/TempDir.h"
#include "support/TestServices.h"

namespace galaos::testing {

class SshServer {
 public:
  static Expected<std::unique_ptr<SshServer>> Start();

  int port() const { return port_; }
  // ssh://root@127.0.0.1:<port><absolute path>
  std::string Url(const std::filesystem::path& repository) const;
  // The private ed25519 key sshd accepts.
  std::filesystem::path authorized_key() const { return dir_.path() / "client_ed25519"; }
  // A known_hosts file that lists this server's host key (as "[127.0.0.1]:<port> ...").
  std::filesystem::path known_hosts() const { return dir_.path() / "known_hosts"; }
  // The known_hosts line of this server's host key.
  const std::string& known_hosts_line() const { return known_hosts_line_; }
  // A new ed25519 key pair in the server's directory that sshd does not accept.
  Expected<std::filesystem::path> GenerateUnauthorizedKey(const std::string& name) const;

 private:
  explicit SshServer(core::TempDir dir) : dir_(std::move(dir)) {}

  core::TempDir dir_;
  int port_ = 0;
  std::string known_hosts_line_;
  std::unique_ptr<ServerProcess> process_;  // after dir_: stopped before dir_ is removed
};

// Generates an unencrypted ed25519 key pair at `path` and `path`.pub with ssh-keygen.
Status GenerateSshKey(const std::filesystem::path& path);

}  // namespace galaos::testing
