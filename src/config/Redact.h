// Redaction of secrets that travel inside URLs, for `config show`, logs and API output.
#pragma once

#include <string>
#include <string_view>

namespace galaos::config {

inline constexpr std::string_view kRedacted = "***";

// postgres://user:pass@host/db -> postgres://user:***@host/db; the values of query parameters
// that name a secret (password, token, secret, key, ...) become *** too. Text that is not a
// URL with credentials is returned unchanged.
std::string RedactUrlCredentials(std::string_view url);

}  // namespace galaos::config
