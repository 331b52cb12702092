// Timestamps as text, one format for logs, JSON and the API.
#pragma once

#include <chrono>
#include <string>

namespace galaos::core {

// RFC 3339 UTC with milliseconds: "2026-11-26T20:17:51.123Z".
std::string FormatIsoUtc(std::chrono::system_clock::time_point time);

}  // namespace galaos::core
