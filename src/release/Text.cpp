#include "release/Text.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <charconv>

namespace galaos::release::detail {
namespace {

// Parses exactly `digits` decimal digits at `text[pos]`.
std::optional<int> Number(std::string_view text, std::size_t pos, std::size_t digits) {
  if (pos + digits > text.size()) return std::nullopt;
  int value = 0;
  const char* begin = text.data() + pos;
  const auto [end, error] = std::from_chars(begin, begin + digits, value);
  if (error != std::errc() || end != begin + digits) return std::nullopt;
  return value;
}

}  // namespace

std::string FormatUtc(std::chrono::sys_seconds time) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", time);
}

std::optional<std::chrono::sys_seconds> ParseUtc(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SSZ
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return std::nullopt;
  }
  const auto year = Number(text, 0, 4);
  const auto month = Number(text, 5, 2);
  const auto day = Number(text, 8, 2);
  const auto hour = Number(text, 11, 2);
  const auto minute = Number(text, 14, 2);
  const auto second = Number(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
         std::chrono::seconds(*second);
}

std::string FormatDuration(std::chrono::seconds duration) {
  const long long total = duration.count() < 0 ? 0 : duration.count();
  const auto two_units = [](long long big, std::string_view big_unit, long long small,
                            std::string_view small_unit) {
    return small == 0 ? fmt::format("{} {}", big, big_unit)
                      : fmt::format("{} {} {} {}", big, big_unit, small, small_unit);
  };
  if (total < 60) return fmt::format("{} s", total);
  if (total < 3600) return fmt::format("{} min", total / 60);
  if (total < 86400) return two_units(total / 3600, "h", total % 3600 / 60, "min");
  return two_units(total / 86400, "d", total % 86400 / 3600, "h");
}

}  // namespace galaos::release::detail
