// Durations as written in config and on the command line: one or more <integer><unit>
// groups, units ms, s, m, h, d, largest first ("30s", "1h30m", "500ms"); a bare "0" is zero.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/Error.h"

namespace galaos::config {

Expected<std::chrono::milliseconds> ParseDuration(std::string_view text);

// The shortest form ParseDuration reads back: 90000ms -> "1m30s", 0 -> "0s".
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace galaos::config
