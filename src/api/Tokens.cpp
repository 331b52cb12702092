#include "api/Tokens.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "api/Crypto.h"

namespace galaos::api {
namespace {

constexpr size_t kIdBytes = 6;
constexpr size_t kSecretBytes = 32;
constexpr std::string_view kHashPrefix = "blake2b256:";

Status InitSodium() {
  if (sodium_init() < 0) return MakeError(ErrorCode::kFailed, "libsodium failed to initialise");
  return {};
}

std::string HashSecret(std::string_view secret) {
  return std::string(kHashPrefix) + Blake2bHex(secret);
}

bool ValidName(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return c >= 0x20 && c != 0x7f; });
}

store::TokenRole StoredRole(Role role) {
  return role == Role::kAdmin ? store::TokenRole::kAdmin : store::TokenRole::kViewer;
}

std::unexpected<Error> InvalidToken() {
  return MakeError(ErrorCode::kUnauthorized, "invalid token");
}

}  // namespace

Expected<IssuedToken> IssueToken(store::Store& store, std::string_view name, Role role) {
  if (!ValidName(name)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "token name: 1 to 64 printable characters expected");
  }
  TRY(InitSodium());
  std::array<unsigned char, kSecretBytes> secret_bytes{};
  randombytes_buf(secret_bytes.data(), secret_bytes.size());
  std::string secret(
      sodium_base64_ENCODED_LEN(kSecretBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(secret.data(), secret.size(), secret_bytes.data(), secret_bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  secret.resize(secret.find('\0'));
  sodium_memzero(secret_bytes.data(), secret_bytes.size());

  store::NewApiToken fresh{.id = RandomHex(kIdBytes),
                           .name = std::string(name),
                           .role = StoredRole(role),
                           .secret_hash = HashSecret(secret)};
  store::ApiToken record = TRY(WithContext(store.CreateApiToken(fresh), "storing the token"));
  return IssuedToken{.record = std::move(record), .token = fresh.id + "." + secret};
}

Expected<Caller> Authenticate(store::Store& store, std::string_view token) {
  size_t dot = token.find('.');
  if (dot != kIdBytes * 2 || token.size() > 256) return InvalidToken();
  std::string_view id = token.substr(0, dot);
  auto lower_hex = [](unsigned char c) { return std::isdigit(c) || (c >= 'a' && c <= 'f'); };
  if (!std::all_of(id.begin(), id.end(), lower_hex)) return InvalidToken();
  TRY(InitSodium());
  Expected<store::ApiToken> record = store.GetApiToken(id);
  if (!record) {
    if (record.error().code() == ErrorCode::kNotFound) return InvalidToken();
    return std::unexpected(record.error().WithContext("looking up the token"));
  }
  const std::string presented = HashSecret(token.substr(dot + 1));
  const std::string& stored = record->secret_hash;
  if (presented.size() != stored.size() ||
      sodium_memcmp(presented.data(), stored.data(), stored.size()) != 0 || record->revoked_at) {
    return InvalidToken();
  }
  TRY(WithContext(store.TouchApiToken(id), "recording the token's use"));
  return Caller{.role = record->role == store::TokenRole::kAdmin ? Role::kAdmin : Role::kViewer,
                .actor = record->name};
}

}  // namespace galaos::api
