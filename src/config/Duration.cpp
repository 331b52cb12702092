#include "config/Duration.h"

#include <array>
#include <cstdint>
#include <limits>
#include <utility>

namespace galaos::config {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t millis;
};
// Largest first: the order groups must be written in, and the order FormatDuration uses.
constexpr std::array<Unit, 5> kUnits{{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

std::unexpected<Error> Invalid(std::string_view text, std::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "invalid duration \"" + std::string(text) + "\": " + std::string(why) +
                       " (write e.g. \"30s\", \"5m\", \"1h30m\", \"500ms\"; units ms, s, m, h, d)");
}

}  // namespace

Expected<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty()) return Invalid(text, "empty");
  std::int64_t total = 0;
  std::size_t previous_unit = 0;  // index into kUnits + 1 of the last unit seen
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t number = 0;
    std::size_t digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
      if (number > (std::numeric_limits<std::int64_t>::max() - 9) / 10) {
        return Invalid(text, "too large");
      }
      number = number * 10 + (text[i] - '0');
    }
    if (digits == 0) return Invalid(text, "expected a number");
    std::size_t unit_end = i;
    while (unit_end < text.size() && (text[unit_end] < '0' || text[unit_end] > '9')) ++unit_end;
    std::string_view unit_name = text.substr(i, unit_end - i);
    if (unit_name.empty()) return Invalid(text, "missing unit after " + std::to_string(number));
    std::size_t unit = 0;
    while (unit < kUnits.size() && kUnits[unit].name != unit_name) ++unit;
    if (unit == kUnits.size()) {
      return Invalid(text, "unknown unit \"" + std::string(unit_name) + "\"");
    }
    if (unit + 1 <= previous_unit) return Invalid(text, "units must be in decreasing order");
    previous_unit = unit + 1;
    if (number > (std::numeric_limits<std::int64_t>::max() - total) / kUnits[unit].millis) {
      return Invalid(text, "too large");
    }
    total += number * kUnits[unit].millis;
    i = unit_end;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  std::int64_t rest = duration.count();
  if (rest == 0) return "0s";
  std::string text;
  if (rest < 0) {
    text = "-";
    rest = -rest;
  }
  for (const Unit& unit : kUnits) {
    if (rest >= unit.millis) {
      text += std::to_string(rest / unit.millis);
      text += unit.name;
      rest %= unit.millis;
    }
  }
  return text;
}

}  // namespace galaos::config
