#include "schedule/MaintenanceWindow.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace galaos::schedule {

namespace {

constexpr std::array<std::string_view, 7> kDays = {"sunday",   "monday", "tuesday", "wednesday",
                                                   "thursday", "friday", "saturday"};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// 0 = Sunday; the three-letter abbreviation or the full name.
Expected<int> Day(std::string_view name) {
  const std::string lower = Lower(name);
  for (std::size_t i = 0; i < kDays.size(); ++i) {
    if (lower.size() >= 3 && (lower == kDays[i] || lower == kDays[i].substr(0, 3))) {
      return static_cast<int>(i);
    }
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   fmt::format("\"{}\" is not a day (Mon, Tue, ... Sun or full names)", name));
}

Expected<std::uint8_t> Days(std::string_view text) {
  std::uint8_t days = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    if (item.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty list item");
    const std::size_t dash = item.find('-');
    const int first = TRY(Day(item.substr(0, dash)));
    const int last = dash == std::string_view::npos ? first : TRY(Day(item.substr(dash + 1)));
    for (int day = first;; day = (day + 1) % 7) {  // Fri-Mon wraps over the weekend
      days |= static_cast<std::uint8_t>(1u << day);
      if (day == last) break;
    }
    start = comma + 1;
  }
  return days;
}

// "HH:MM", 00:00-23:59, or 24:00 when `allow_24` (an end of day).
Expected<std::chrono::minutes> TimeOfDay(std::string_view text, bool allow_24) {
  const auto digit = [&](std::size_t i) {
    return std::isdigit(static_cast<unsigned char>(text[i]));
  };
  if (text.size() == 5 && digit(0) && digit(1) && text[2] == ':' && digit(3) && digit(4)) {
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    if ((hours < 24 && minutes < 60) || (allow_24 && hours == 24 && minutes == 0)) {
      return std::chrono::minutes(hours * 60 + minutes);
    }
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   fmt::format("\"{}\" is not a time of day HH:MM (00:00-{})", text,
                               allow_24 ? "24:00" : "23:59"));
}

}  // namespace

Expected<MaintenanceWindow> MaintenanceWindow::Parse(std::string_view text,
                                                     const Zone& default_zone) {
  std::vector<std::string_view> parts;
  for (std::size_t i = 0; i < text.size();) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    parts.push_back(text.substr(i, end - i));
    i = end;
  }
  const auto fail = [&](const std::string& message) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("invalid maintenance window \"{}\": {}", text, message));
  };
  if (parts.size() != 2 && parts.size() != 3) {
    return fail("expected DAYS HH:MM-HH:MM [ZONE], like \"Sat,Sun 02:00-05:00 Europe/Berlin\"");
  }
  Zone zone = default_zone;
  if (parts.size() == 3) {
    auto located = Zone::Locate(parts[2]);
    if (!located) return fail(located.error().message());
    zone = std::move(*located);
  }
  MaintenanceWindow window(fmt::format("{}", fmt::join(parts, " ")), std::move(zone));
  const auto days = Days(parts[0]);
  if (!days) return fail(fmt::format("days \"{}\": {}", parts[0], days.error().message()));
  window.days_ = *days;

  const std::string_view range = parts[1];
  const std::size_t dash = range.find('-');
  if (dash == std::string_view::npos) {
    return fail(fmt::format("time range \"{}\": expected HH:MM-HH:MM", range));
  }
  const auto start = TimeOfDay(range.substr(0, dash), false);
  if (!start) return fail(fmt::format("start time: {}", start.error().message()));
  const auto end = TimeOfDay(range.substr(dash + 1), true);
  if (!end) return fail(fmt::format("end time: {}", end.error().message()));
  if (*start == *end) {
    return fail(fmt::format("time range \"{}\" is empty: start and end are equal", range));
  }
  window.start_ = *start;
  window.end_ = *end;
  return window;
}

bool MaintenanceWindow::OpenAtLocal(LocalSeconds local) const {
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const auto time = local - day;
  const unsigned weekday = std::chrono::weekday(day).c_encoding();
  const auto listed = [&](unsigned d) { return (days_ >> d & 1u) != 0; };
  if (start_ < end_) return listed(weekday) && time >= start_ && time < end_;
  // Overnight: the evening of a listed day, or the morning after one.
  return (listed(weekday) && time >= start_) || (listed((weekday + 6) % 7) && time < end_);
}

bool MaintenanceWindow::Contains(std::chrono::system_clock::time_point time) const {
  return OpenAtLocal(zone_.ToLocal(std::chrono::floor<std::chrono::seconds>(time)));
}

std::optional<Seconds> MaintenanceWindow::NextOpening(
    std::chrono::system_clock::time_point after) const {
  const Seconds from = std::chrono::floor<std::chrono::seconds>(after);
  const auto today = std::chrono::floor<std::chrono::days>(zone_.ToLocal(from));
  for (int offset = -1; offset <= 21; ++offset) {
    const auto day = today + std::chrono::days(offset);
    if ((days_ >> std::chrono::weekday(day).c_encoding() & 1u) == 0) continue;
    const LocalSeconds opening = day + start_;
    Seconds instant = zone_.FromLocal(opening);
    // In a gap: the window opens when the gap ends, if it is still open then.
    if (zone_.ToLocal(instant) != opening) instant = zone_.PeriodAt(instant).begin;
    if (instant > from && OpenAtLocal(zone_.ToLocal(instant))) return instant;
  }
  return std::nullopt;
}

}  // namespace galaos::schedule
