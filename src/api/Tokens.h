// API tokens: "<id>.<secret>", issued once and stored as a hash. The id (12 lowercase hex
// characters) finds the row; the secret (43 base64url characters, 256 random bits) is
// hashed with BLAKE2b-256 and compared in constant time. The store never sees a secret.
#pragma once

#include <string>
#include <string_view>

#include "api/Trpc.h"
#include "core/Error.h"
#include "store/Store.h"

namespace galaos::api {

struct IssuedToken {
  store::ApiToken record;
  std::string token;  // "<id>.<secret>": shown to the operator once, never stored
};

// A new token for `name` (1..64 printable characters) with `role`.
Expected<IssuedToken> IssueToken(store::Store& store, std::string_view name, Role role);

// The caller a bearer token stands for. Malformed, unknown, revoked and wrong-secret tokens
// all give the same kUnauthorized "invalid token", so a prober learns nothing from the
// message. Records the token's last use.
Expected<Caller> Authenticate(store::Store& store, std::string_view token);

}  // namespace galaos::api
