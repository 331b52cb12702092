// JWTs made in tests: base64url JSON parts, HMAC-SHA256 signed (sodium_init must have run).
#pragma once

#include <sodium.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/Hmac.h"

namespace galaos::api::testing {

inline std::string Base64Url(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

// The base64url HMAC-SHA256 of `input` under `secret`.
inline std::string HmacSignature(std::string_view input, std::string_view secret) {
  const auto mac = core::HmacSha256(secret, input);
  return Base64Url(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

inline std::string MakeJwt(const nlohmann::json& header, const nlohmann::json& claims,
                           std::string_view secret) {
  const std::string input = Base64Url(header.dump()) + "." + Base64Url(claims.dump());
  return input + "." + HmacSignature(input, secret);
}

}  // namespace galaos::api::testing
