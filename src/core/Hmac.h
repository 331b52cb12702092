// HMAC-SHA256 (RFC 2104) over libsodium, with a key of any length: webhook signatures and
// JWT (HS256) verification.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace galaos::core {

inline constexpr std::size_t kHmacSha256Bytes = 32;

// The MAC of `message` under `key`. libsodium must be initialised (sodium_init).
std::array<unsigned char, kHmacSha256Bytes> HmacSha256(std::string_view key,
                                                       std::string_view message);

}  // namespace galaos::core
