// libsodium helpers shared by tokens, sessions and request ids, as lowercase hex text.
// libsodium must be initialised (sodium_init) before either is called.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace galaos::api {

// `bytes` bytes from the system's CSPRNG.
std::string RandomHex(std::size_t bytes);

// The BLAKE2b-256 digest of `data`.
std::string Blake2bHex(std::string_view data);

}  // namespace galaos::api
