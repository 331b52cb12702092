#include "git/RemoteAuth.h"

#include <fcntl.h>
#include <libssh2.h>
#include <pwd.h>
#include <sodium.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

#include "core/Redact.h"
#include "core/SharedLibrary.h"
#include "core/UniqueFd.h"

namespace galaos::git {
namespace fs = std::filesystem;
namespace {

fs::path HomeDirectory() {
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') return home;
  if (const passwd* entry = getpwuid(geteuid()); entry != nullptr && entry->pw_dir != nullptr) {
    return entry->pw_dir;
  }
  return "/";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "%40" -> "@"; a '%' not followed by two hex digits is kept as it is.
std::string PercentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string Base64(std::string_view bytes, int variant) {
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(out.find('\0'));
  return out;
}

// "SHA256:<unpadded base64>", as `ssh-keygen -l` prints it.
std::string Fingerprint(std::string_view key_blob) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(key_blob.data()),
                     key_blob.size());
  return "SHA256:" +
         Base64(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()),
                sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

// The type name a public key blob starts with (a uint32 length, then the name).
Expected<std::string> KeyTypeName(std::string_view blob) {
  if (blob.size() < 4) return MakeError(ErrorCode::kFailed, "malformed host key");
  const auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(blob[i]));
  };
  const std::uint32_t length = byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
  if (length == 0 || length > blob.size() - 4) {
    return MakeError(ErrorCode::kFailed, "malformed host key");
  }
  return std::string(blob.substr(4, length));
}

int KnownHostKeyType(std::string_view type) {
  if (type == "ssh-rsa") return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
  if (type == "ssh-dss") return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
  if (type == "ecdsa-sha2-nistp256") return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
  if (type == "ecdsa-sha2-nistp384") return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
  if (type == "ecdsa-sha2-nistp521") return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
  if (type == "ssh-ed25519") return LIBSSH2_KNOWNHOST_KEY_ED25519;
  return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
}

// The host as known_hosts names it: "host" on port 22, "[host]:port" otherwise.
std::string KnownHostName(const SshEndpoint& endpoint) {
  if (endpoint.port == 22) return endpoint.host;
  return "[" + endpoint.host + "]:" + std::to_string(endpoint.port);
}

// The libssh2 functions of the known_hosts check. libssh2 is loaded on first use
// (core/SharedLibrary.h), like libgit2 which needs it too.
#define GALAOS_LIBSSH2_FUNCTIONS(X) \
  X(init)                           \
  X(knownhost_checkp)               \
  X(knownhost_free)                 \
  X(knownhost_init)                 \
  X(knownhost_readfile)             \
  X(session_free)                   \
  X(session_init_ex)

struct Ssh2Api {
#define GALAOS_DECLARE(function) decltype(&libssh2_##function) function = nullptr;
  GALAOS_LIBSSH2_FUNCTIONS(GALAOS_DECLARE)
#undef GALAOS_DECLARE
};

// Loads and initialises libssh2 once (a function-local static is initialised once).
const Expected<Ssh2Api>& LoadLibssh2() {
  static const Expected<Ssh2Api> loaded = []() -> Expected<Ssh2Api> {
    const core::SharedLibrary library = TRY(core::SharedLibrary::Open("libssh2.so.1", "libssh2-1"));
    Ssh2Api api;
#define GALAOS_BIND(function) TRY(library.Bind(api.function, "libssh2_" #function));
    GALAOS_LIBSSH2_FUNCTIONS(GALAOS_BIND)
#undef GALAOS_BIND
    if (api.init(0) != 0) return MakeError(ErrorCode::kFailed, "cannot initialise libssh2");
    return api;
  }();
  return loaded;
}

// libssh2's functions, once LoadLibssh2 succeeded.
const Ssh2Api& Ssh2() {
  return LoadLibssh2().value();
}

struct SessionDeleter {
  void operator()(LIBSSH2_SESSION* session) const { Ssh2().session_free(session); }
};
struct KnownHostsDeleter {
  void operator()(LIBSSH2_KNOWNHOSTS* hosts) const { Ssh2().knownhost_free(hosts); }
};

// The known_hosts check of libssh2; a missing file is an empty one.
Expected<int> LookUpHostKey(const fs::path& file, const SshEndpoint& endpoint, int key_type,
                            std::string_view key_blob) {
  if (!LoadLibssh2()) return std::unexpected(LoadLibssh2().error());
  std::unique_ptr<LIBSSH2_SESSION, SessionDeleter> session(
      Ssh2().session_init_ex(nullptr, nullptr, nullptr, nullptr));
  if (!session) return MakeError(ErrorCode::kFailed, "cannot create an ssh session");
  std::unique_ptr<LIBSSH2_KNOWNHOSTS, KnownHostsDeleter> hosts(
      Ssh2().knownhost_init(session.get()));
  if (!hosts) return MakeError(ErrorCode::kFailed, "cannot read known hosts");
  std::error_code error;
  if (fs::exists(file, error) &&
      Ssh2().knownhost_readfile(hosts.get(), file.c_str(), LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot read known hosts file " + file.string());
  }
  libssh2_knownhost* found = nullptr;
  return Ssh2().knownhost_checkp(
      hosts.get(), endpoint.host.c_str(), endpoint.port, key_blob.data(), key_blob.size(),
      LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | key_type, &found);
}

// Appends "<host> <type> <base64 key>" to the known_hosts file (created 0600 if missing).
Status AddKnownHost(const fs::path& file, const SshEndpoint& endpoint, std::string_view type,
                    std::string_view key_blob) {
  const std::string context = "add the host key of " + endpoint.host + " to " + file.string();
  std::error_code error;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), error);
  core::UniqueFd fd(open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return MakeError(ErrorCode::kIo, context + ": " + std::strerror(errno));
  const std::string line = KnownHostName(endpoint) + " " + std::string(type) + " " +
                           Base64(key_blob, sodium_base64_VARIANT_ORIGINAL) + "\n";
  if (write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
      fsync(fd.get()) != 0) {
    return MakeError(ErrorCode::kIo, context + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace

std::vector<fs::path> DefaultSshKeys() {
  std::vector<fs::path> keys;
  for (const char* name : {"id_ed25519", "id_rsa"}) {
    const fs::path key = HomeDirectory() / ".ssh" / name;
    std::error_code error;
    if (fs::exists(key, error)) keys.push_back(key);
  }
  return keys;
}

fs::path DefaultKnownHosts() {
  return HomeDirectory() / ".ssh" / "known_hosts";
}

Expected<SshEndpoint> ParseSshEndpoint(std::string_view url) {
  const auto bad = [&] {
    return MakeError(ErrorCode::kInvalidArgument,
                     "'" + core::RedactUrlCredentials(url) + "' is not an ssh URL");
  };
  std::string_view authority;
  std::optional<std::string_view> port;
  if (url.starts_with("ssh://") || url.starts_with("git+ssh://") || url.starts_with("ssh+git://")) {
    std::string_view rest = url.substr(url.find("://") + 3);
    authority = rest.substr(0, rest.find('/'));
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority.remove_prefix(at + 1);
    }
    if (authority.starts_with('[')) {  // [::1]:2222
      const std::size_t close = authority.find(']');
      if (close == std::string_view::npos) return bad();
      if (close + 1 < authority.size()) {
        if (authority[close + 1] != ':') return bad();
        port = authority.substr(close + 2);
      }
      authority = authority.substr(1, close - 1);
    } else if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      authority = authority.substr(0, colon);
    }
  } else if (url.find("://") == std::string_view::npos) {
    const std::size_t colon = url.find(':');
    if (colon == std::string_view::npos || colon > url.find('/')) return bad();
    authority = url.substr(0, colon);
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority.remove_prefix(at + 1);
    }
  } else {
    return bad();
  }
  if (authority.empty()) return bad();
  SshEndpoint endpoint{.host = std::string(authority)};
  if (port && !port->empty()) {
    const auto [end, ec] =
        std::from_chars(port->data(), port->data() + port->size(), endpoint.port);
    if (ec != std::errc() || end != port->data() + port->size() || endpoint.port == 0) return bad();
  }
  return endpoint;
}

std::optional<UserInfo> ParseUserInfo(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  const std::size_t at = rest.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view userinfo = rest.substr(0, at);
  const std::size_t colon = userinfo.find(':');
  UserInfo info{.user = PercentDecode(userinfo.substr(0, colon))};
  if (colon != std::string_view::npos) info.password = PercentDecode(userinfo.substr(colon + 1));
  return info;
}

CredentialPlan::CredentialPlan(std::string url, RemoteAuth auth)
    : url_(std::move(url)), auth_(std::move(auth)) {
  if (auth_.ssh_keys.empty()) auth_.ssh_keys = DefaultSshKeys();
  if (auth_.known_hosts.empty()) auth_.known_hosts = DefaultKnownHosts();
}

std::string CredentialPlan::SshUser(std::string_view user_from_url) const {
  if (!user_from_url.empty()) return std::string(user_from_url);
  return auth_.username.empty() ? "git" : auth_.username;
}

std::optional<SshAgent> CredentialPlan::NextAgent() {
  if (agent_offered_) return std::nullopt;
  agent_offered_ = true;
  const char* socket = std::getenv("SSH_AUTH_SOCK");
  if (!auth_.use_agent || socket == nullptr || *socket == '\0') return std::nullopt;
  tried_.push_back("agent");
  return SshAgent{};
}

std::optional<SshKeyFile> CredentialPlan::NextKeyFile() {
  while (next_key_ < auth_.ssh_keys.size()) {
    const fs::path& key = auth_.ssh_keys[next_key_++];
    std::error_code error;
    if (!fs::exists(key, error)) {
      tried_.push_back("key file " + key.string() + " (missing)");
      continue;
    }
    tried_.push_back("key file " + key.string());
    return SshKeyFile{key};
  }
  return std::nullopt;
}

std::optional<UserPassword> CredentialPlan::NextUserPassword() {
  if (user_password_step_ == 0) {
    ++user_password_step_;
    if (std::optional<UserInfo> info = ParseUserInfo(url_); info && !info->user.empty()) {
      tried_.push_back("credentials in the URL");
      return UserPassword{info->user, info->password.value_or("")};
    }
  }
  if (user_password_step_ == 1) {
    ++user_password_step_;
    if (!auth_.token.empty()) {
      tried_.push_back("token");
      return UserPassword{auth_.username.empty() ? "x-access-token" : auth_.username, auth_.token};
    }
  }
  return std::nullopt;
}

Error CredentialPlan::Exhausted() const {
  std::string tried;
  for (const std::string& method : tried_) tried += (tried.empty() ? "" : ", ") + method;
  if (tried.empty()) tried = "no credentials configured";
  return Error(
      ErrorCode::kUnauthorized,
      "authentication failed for " + core::RedactUrlCredentials(url_) + " (tried: " + tried + ")");
}

Status CheckHostKey(const RemoteAuth& auth, const SshEndpoint& endpoint,
                    std::string_view key_blob) {
  const fs::path file = auth.known_hosts.empty() ? DefaultKnownHosts() : auth.known_hosts;
  const std::string type = TRY(KeyTypeName(key_blob));
  const std::string host = KnownHostName(endpoint);
  const int check = TRY(LookUpHostKey(file, endpoint, KnownHostKeyType(type), key_blob));
  switch (check) {
    case LIBSSH2_KNOWNHOST_CHECK_MATCH:
      return {};
    case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
      return MakeError(ErrorCode::kUnavailable, "host key for " + host + " has changed (" + type +
                                                    " " + Fingerprint(key_blob) +
                                                    " is not the one in " + file.string() +
                                                    "): refusing to connect");
    case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
      if (auth.accept_new_host_keys) return AddKnownHost(file, endpoint, type, key_blob);
      return MakeError(ErrorCode::kUnavailable,
                       "unknown ssh host " + host + " (" + type + " " + Fingerprint(key_blob) +
                           " is not in " + file.string() +
                           "); add it with ssh-keyscan, or set git.ssh_accept_new_host_keys");
    default:
      return MakeError(ErrorCode::kFailed, "cannot check the host key of " + host);
  }
}

}  // namespace galaos::git
