// JSON Web Tokens of the GalaOS API (RFC 7519), accepted as bearer tokens when
// api.jwt_enabled is set. Only what that API issues is accepted: a JWS in compact form signed
// with HS256 under the shared secret. Every other token is refused with the same kUnauthorized
// "invalid token" (no hint for a prober):
// - any "alg" but "HS256" (so "none", RS256 and the HS256/RS256 key-confusion trick fail),
//   a "crit" header, a "typ" other than JWT, malformed base64url or JSON, a wrong signature
//   (HMAC-SHA256 via libsodium, compared in constant time);
// - no "exp", or "exp"/"nbf" outside the clock with kJwtLeeway of slack;
// - a "role" claim other than "admin" or "viewer" (missing included).
// The caller's actor is "jwt:" + the "sub" claim, else "name", "username" or "email".
#pragma once

#include <chrono>
#include <string_view>

#include "api/Trpc.h"
#include "core/Error.h"

namespace galaos::api {

inline constexpr std::chrono::seconds kJwtLeeway{30};

// True when `token` has the shape of a compact JWS (three dot-separated parts); API tokens
// have one dot.
bool LooksLikeJwt(std::string_view token);

// The caller a GalaOS JWT stands for, verified with `secret` at `now`.
Expected<Caller> VerifyJwt(std::string_view token, std::string_view secret,
                           std::chrono::system_clock::time_point now);

}  // namespace galaos::api
