#include "api/Jwt.h"

#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/Hmac.h"

namespace galaos::api {
namespace {

using nlohmann::json;

// Bounds the work an unauthenticated client can ask for.
constexpr std::size_t kMaxTokenBytes = 8 * 1024;

std::unexpected<Error> InvalidToken() {
  return MakeError(ErrorCode::kUnauthorized, "invalid token");
}

// Strict base64url without padding: any other character, or trailing bits, is an error.
std::optional<std::string> DecodeBase64Url(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t size = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &size, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(size);
  return out;
}

std::optional<json> DecodeJsonObject(std::string_view part) {
  std::optional<std::string> text = DecodeBase64Url(part);
  if (!text) return std::nullopt;
  json value = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!value.is_object()) return std::nullopt;
  return value;
}

// A NumericDate claim (seconds since the epoch, possibly fractional); nullopt when absent,
// an error when present but not a number.
Expected<std::optional<double>> NumericDate(const json& claims, const char* name) {
  if (!claims.contains(name)) return std::nullopt;
  const json& value = claims[name];
  if (!value.is_number()) return InvalidToken();
  return value.get<double>();
}

std::string Actor(const json& claims) {
  for (const char* name : {"sub", "name", "username", "email"}) {
    if (claims.contains(name) && claims[name].is_string() &&
        !claims[name].get<std::string>().empty()) {
      return "jwt:" + claims[name].get<std::string>();
    }
  }
  return "jwt:unknown";
}

}  // namespace

bool LooksLikeJwt(std::string_view token) {
  return std::ranges::count(token, '.') == 2;
}

Expected<Caller> VerifyJwt(std::string_view token, std::string_view secret,
                           std::chrono::system_clock::time_point now) {
  if (secret.empty() || token.size() > kMaxTokenBytes || !LooksLikeJwt(token)) {
    return InvalidToken();
  }
  if (sodium_init() < 0) return MakeError(ErrorCode::kFailed, "libsodium failed to initialise");
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  const std::string_view signing_input = token.substr(0, second);

  std::optional<json> header = DecodeJsonObject(token.substr(0, first));
  if (!header || header->value("alg", json()) != "HS256" || header->contains("crit") ||
      (header->contains("typ") && header->value("typ", json()) != "JWT")) {
    return InvalidToken();
  }
  // The signature before the claims: nothing of an unauthenticated payload is interpreted.
  std::optional<std::string> signature = DecodeBase64Url(token.substr(second + 1));
  const auto expected = core::HmacSha256(secret, signing_input);
  if (!signature || signature->size() != expected.size() ||
      sodium_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return InvalidToken();
  }
  std::optional<json> claims = DecodeJsonObject(token.substr(first + 1, second - first - 1));
  if (!claims) return InvalidToken();

  const double seconds_now = std::chrono::duration<double>(now.time_since_epoch()).count();
  const double leeway = static_cast<double>(kJwtLeeway.count());
  const std::optional<double> expires = TRY(NumericDate(*claims, "exp"));
  const std::optional<double> not_before = TRY(NumericDate(*claims, "nbf"));
  if (!expires || seconds_now >= *expires + leeway) return InvalidToken();
  if (not_before && seconds_now + leeway < *not_before) return InvalidToken();

  const json& role_claim = claims->value("role", json());
  if (!role_claim.is_string()) return InvalidToken();
  Expected<Role> role = ParseRole(role_claim.get<std::string>());
  if (!role) return InvalidToken();
  return Caller{.role = *role, .actor = Actor(*claims)};
}

}  // namespace galaos::api
