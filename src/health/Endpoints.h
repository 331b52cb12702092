// Parsers of the endpoint strings checks accept; internal to the health module.
#pragma once

#include <string>
#include <string_view>

#include "core/Error.h"

namespace galaos::health::detail {

struct RedisEndpoint {
  std::string host;
  int port = 6379;
  std::string user;  // empty: AUTH with the password only (the "default" user)
  std::string password;
  int db = 0;

  std::string Display() const;  // host:port/db, without credentials
};

// redis://[[user]:password@]host[:port][/db]; user and password may be percent-encoded.
Expected<RedisEndpoint> ParseRedisUrl(std::string_view url);

}  // namespace galaos::health::detail
