// RemoteAuth: how the git module authenticates to a remote and checks its ssh host key.
// Every remote operation of Repository (tag listing, branch heads, fetch) uses it.
//   ssh:   the ssh-agent (when SSH_AUTH_SOCK is set), then each key file, each tried once;
//          the server's host key must be in the known_hosts file (unknown hosts are refused
//          unless accept_new_host_keys adds them; a changed key is always refused).
//   https: the user info of the URL, else the configured token, each tried once.
// When every method was refused the operation fails with kUnauthorized:
// "authentication failed for <url> (tried: agent, key file /root/.ssh/id_ed25519)".
// Secrets never appear in errors or logs: URLs are shown through core::RedactUrlCredentials.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::git {

struct RemoteAuth {
  // The ssh user when the URL names none; the https user sent with `token` (empty:
  // "x-access-token", which GitHub, Gitea and GitLab accept with a token).
  std::string username{};
  std::string token{};  // https password or access token, used when the URL carries none
  bool use_agent = true;
  std::vector<std::filesystem::path> ssh_keys{};  // private keys; empty: DefaultSshKeys()
  std::filesystem::path known_hosts{};            // empty: ~/.ssh/known_hosts
  bool accept_new_host_keys = false;
  bool operator==(const RemoteAuth&) const = default;
};

// ~/.ssh/id_ed25519 and ~/.ssh/id_rsa, those that exist (~ from HOME, else the passwd entry).
std::vector<std::filesystem::path> DefaultSshKeys();
std::filesystem::path DefaultKnownHosts();

// The host and port an ssh URL connects to: "ssh://[user@]host[:port]/path" or the scp-like
// "[user@]host:path" (port 22). kInvalidArgument for anything else.
struct SshEndpoint {
  std::string host{};
  std::uint16_t port = 22;
  bool operator==(const SshEndpoint&) const = default;
};
Expected<SshEndpoint> ParseSshEndpoint(std::string_view url);

// The user info of a URL, percent-decoded: "https://u:p%40ss@host/" -> {"u", "p@ss"};
// nullopt when the URL has none.
struct UserInfo {
  std::string user{};
  std::optional<std::string> password{};
  bool operator==(const UserInfo&) const = default;
};
std::optional<UserInfo> ParseUserInfo(std::string_view url);

struct SshKeyFile {
  std::filesystem::path private_key{};
};
struct SshAgent {};
struct UserPassword {
  std::string user{};
  std::string password{};
};

// The credentials of one remote operation, each method offered once, in order. The
// credential callback of libgit2 asks again after every refusal; the plan then offers the
// next method, and nothing once all were tried.
class CredentialPlan {
 public:
  CredentialPlan(std::string url, RemoteAuth auth);

  // The user for ssh: the URL's, else RemoteAuth::username, else "git".
  std::string SshUser(std::string_view user_from_url) const;
  // nullopt: every ssh method was tried. The agent is offered when use_agent and
  // SSH_AUTH_SOCK is set; key files that do not exist are skipped.
  std::optional<SshAgent> NextAgent();
  std::optional<SshKeyFile> NextKeyFile();
  // nullopt: the URL's user info and the token were tried (or there are none).
  std::optional<UserPassword> NextUserPassword();

  // "authentication failed for <redacted url> (tried: ...)", kUnauthorized.
  Error Exhausted() const;

  const RemoteAuth& auth() const { return auth_; }
  const std::string& url() const { return url_; }

 private:
  std::string url_;
  RemoteAuth auth_;
  bool agent_offered_ = false;
  std::size_t next_key_ = 0;
  int user_password_step_ = 0;
  std::vector<std::string> tried_;
};

// Checks an ssh host key (the public key blob as the server sent it, which starts with its
// type name such as "ssh-ed25519") against the known_hosts file of `auth` for `endpoint`.
// Unknown host: kUnavailable naming the host, the key's SHA256 fingerprint and the file,
// unless auth.accept_new_host_keys (then the key is appended to the file). Mismatch:
// kUnavailable "host key for ... has changed", always.
Status CheckHostKey(const RemoteAuth& auth, const SshEndpoint& endpoint, std::string_view key_blob);

}  // namespace galaos::git
