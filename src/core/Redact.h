// Redaction of secrets in text meant for logs, errors, `config show` and API output.
#pragma once

#include <string>
#include <string_view>

namespace galaos::core {

inline constexpr std::string_view kRedacted = "***";

// One URL: scheme://user:pass@host -> scheme://user:***@host; an http(s) user without a
// password is taken for a token (https://TOKEN@host -> https://***@host); the values of query
// parameters that name a secret (password, token, secret, key, ...) become *** too. Anything
// else is returned unchanged.
std::string RedactUrlCredentials(std::string_view url);

// Free text: every URL in it as RedactUrlCredentials does, and the value of every
// "password=..." (a libpq conninfo keyword, possibly quoted, any case).
std::string RedactSecrets(std::string_view text);

}  // namespace galaos::core
