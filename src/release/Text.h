// Small text helpers shared by the release module's implementation files (not a public API).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace galaos::release::detail {

// "2022-07-19T05:36:39Z".
std::string FormatUtc(std::chrono::sys_seconds time);

// "2022-07-19T05:36:39Z" (GitHub's timestamps); nullopt for anything else.
std::optional<std::chrono::sys_seconds> ParseUtc(std::string_view text);

// A rough human duration for messages: "45 s", "57 min", "5 h 3 min", "2 d 4 h".
std::string FormatDuration(std::chrono::seconds duration);

}  // namespace galaos::release::detail
