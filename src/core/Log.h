// Logging setup. Code logs with spdlog (spdlog::info(...)); this chooses where and how:
// human-readable lines to stderr, or one JSON object per line (--log-format json).
#pragma once

#include <string_view>

#include "core/Error.h"

namespace galaos::core {

enum class LogFormat { kText, kJson };
enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

Expected<LogFormat> ParseLogFormat(std::string_view text);  // "text" | "json"
Expected<LogLevel> ParseLogLevel(std::string_view text);    // "trace" .. "off"

// Replaces the default logger: writes to stderr in the given format at the given level.
void InitLogging(LogFormat format, LogLevel level);

}  // namespace galaos::core
