// Small ASCII text helpers for protocol parsing (headers, challenges, bodies in messages).
#pragma once

#include <string>
#include <string_view>

namespace galaos::core {

// Without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r).
std::string_view Trim(std::string_view text);

// ASCII letters in lower case; other bytes unchanged.
std::string AsciiLower(std::string_view text);

}  // namespace galaos::core
