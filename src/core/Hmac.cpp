#include "core/Hmac.h"

#include <sodium.h>

namespace galaos::core {

static_assert(kHmacSha256Bytes == crypto_auth_hmacsha256_BYTES);

std::array<unsigned char, kHmacSha256Bytes> HmacSha256(std::string_view key,
                                                       std::string_view message) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  std::array<unsigned char, kHmacSha256Bytes> mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);
  return mac;
}

}  // namespace galaos::core
