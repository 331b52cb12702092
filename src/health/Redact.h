// Redaction of credentials in text meant for logs, reports and API output.
#pragma once

#include <string>
#include <string_view>

namespace galaos::health {

// Replaces the password of every "scheme://user:password@" and the value of every
// "password=..." (conninfo keyword or query parameter, any case) with "***".
std::string RedactSecrets(std::string_view text);

}  // namespace galaos::health
