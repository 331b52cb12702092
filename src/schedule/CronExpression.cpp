#include "schedule/CronExpression.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <span>
#include <utility>
#include <vector>

namespace galaos::schedule {

using namespace std::chrono_literals;

namespace {

struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  std::span<const std::string_view> names;  // names[i] stands for min + i
  bool day_field;
};

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"sun", "mon", "tue", "wed",
                                                           "thu", "fri", "sat"};

constexpr FieldSpec kSecond{"second", 0, 59, {}, false};
constexpr FieldSpec kMinute{"minute", 0, 59, {}, false};
constexpr FieldSpec kHour{"hour", 0, 23, {}, false};
constexpr FieldSpec kDayOfMonth{"day-of-month", 1, 31, {}, true};
constexpr FieldSpec kMonth{"month", 1, 12, kMonthNames, false};
constexpr FieldSpec kDayOfWeek{"day-of-week", 0, 7, kWeekdayNames, true};

constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kMacros = {{
    {"@yearly", "0 0 0 1 1 *"},
    {"@annually", "0 0 0 1 1 *"},
    {"@monthly", "0 0 0 1 * *"},
    {"@weekly", "0 0 0 * * 0"},
    {"@daily", "0 0 0 * * *"},
    {"@midnight", "0 0 0 * * *"},
    {"@hourly", "0 0 * * * *"},
    {"@minutely", "0 * * * * *"},
    {"@secondly", "* * * * * *"},
    {"@weekdays", "0 0 0 * * 1-5"},
    {"@weekends", "0 0 0 * * 0,6"},
}};

constexpr int kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};  // longest

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool IsDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Range(const FieldSpec& spec) {
  std::string range = fmt::format("{}-{}", spec.min, spec.max);
  if (!spec.names.empty()) {
    std::string first = std::string(spec.names.front());
    std::string last = std::string(spec.names.back());
    for (char& c : first) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (char& c : last) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    range += fmt::format(" or {}-{}", first, last);
  }
  return range;
}

// A field's problem; the parser prefixes the expression and the field.
std::unexpected<Error> FieldError(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

Expected<int> Value(std::string_view token, const FieldSpec& spec) {
  if (IsDigits(token)) {
    int value = 0;
    const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (error != std::errc() || end != token.data() + token.size() || value < spec.min ||
        value > spec.max) {
      return FieldError(fmt::format("{} is out of range {}", token, Range(spec)));
    }
    return value;
  }
  if (!spec.names.empty()) {
    const std::string lower = Lower(token);
    const auto found = std::find(spec.names.begin(), spec.names.end(), lower);
    if (found != spec.names.end()) return spec.min + static_cast<int>(found - spec.names.begin());
    return FieldError(
        fmt::format("\"{}\" is neither a number nor a name ({})", token, Range(spec)));
  }
  return FieldError(fmt::format("\"{}\" is not a number ({})", token, Range(spec)));
}

Expected<int> Step(std::string_view token) {
  int step = 0;
  if (IsDigits(token)) {
    const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), step);
    if (error == std::errc() && step > 0) return step;
  }
  return FieldError(fmt::format("step \"{}\" is not a positive number", token));
}

std::uint64_t Bit(int value) {
  return std::uint64_t{1} << value;
}

// The first set bit at or after `from`, or -1.
int NextBit(std::uint64_t mask, int from) {
  if (from >= 64) return -1;
  const std::uint64_t rest = mask & (~std::uint64_t{0} << from);
  return rest == 0 ? -1 : std::countr_zero(rest);
}

int LastDay(std::chrono::year_month_day day) {
  return static_cast<int>(static_cast<unsigned>(
      std::chrono::year_month_day_last(day.year(), day.month() / std::chrono::last).day()));
}

}  // namespace

// Parses one expression into a CronExpression's bit sets.
class CronParser {
 public:
  static Expected<CronExpression> Parse(std::string_view text) {
    const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (!text.empty() && space(text.front())) text.remove_prefix(1);
    while (!text.empty() && space(text.back())) text.remove_suffix(1);
    CronExpression cron;
    cron.text_ = std::string(text);
    auto fail = [&](std::string message) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("invalid cron expression \"{}\": {}", cron.text_, message));
    };

    std::string_view body = text;
    if (text.starts_with('@')) {
      const auto macro = std::find_if(kMacros.begin(), kMacros.end(),
                                      [&](const auto& entry) { return entry.first == text; });
      if (macro == kMacros.end()) {
        return fail(
            "unknown macro (known: @yearly @annually @monthly @weekly @daily @midnight @hourly "
            "@minutely @secondly @weekdays @weekends)");
      }
      body = macro->second;
    }
    std::vector<std::string_view> fields;
    for (std::size_t i = 0; i < body.size();) {
      if (space(body[i])) {
        ++i;
        continue;
      }
      std::size_t end = i;
      while (end < body.size() && !space(body[end])) ++end;
      fields.push_back(body.substr(i, end - i));
      i = end;
    }
    if (fields.size() != 5 && fields.size() != 6) {
      return fail(fmt::format(
          "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), "
          "got {}",
          fields.size()));
    }
    if (fields.size() == 5) fields.insert(fields.begin(), "0");

    CronParser parser(cron);
    const std::array<std::pair<const FieldSpec*, std::string_view>, 6> named = {{
        {&kSecond, fields[0]},
        {&kMinute, fields[1]},
        {&kHour, fields[2]},
        {&kDayOfMonth, fields[3]},
        {&kMonth, fields[4]},
        {&kDayOfWeek, fields[5]},
    }};
    std::array<std::uint64_t, 6> masks{};
    for (std::size_t i = 0; i < named.size(); ++i) {
      const auto& [spec, field] = named[i];
      auto mask = parser.Field(field, *spec);
      if (!mask)
        return fail(fmt::format("{} \"{}\": {}", spec->name, field, mask.error().message()));
      masks[i] = *mask;
    }
    cron.seconds_ = masks[0];
    cron.minutes_ = masks[1];
    cron.hours_ = static_cast<std::uint32_t>(masks[2]);
    cron.days_of_month_ = static_cast<std::uint32_t>(masks[3]);
    cron.months_ = static_cast<std::uint16_t>(masks[4]);
    // 7 is Sunday too.
    cron.days_of_week_ = static_cast<std::uint8_t>((masks[5] | (masks[5] >> 7)) & 0x7f);
    cron.day_of_month_restricted_ = fields[3] != "*" && fields[3] != "?";
    cron.day_of_week_restricted_ = fields[5] != "*" && fields[5] != "?";

    // A day of month that no listed month has never fires (the day of week cannot rescue it
    // when it is unrestricted).
    if (!cron.last_day_of_month_ && !cron.day_of_week_restricted_ && cron.days_of_month_ != 0) {
      const int first_day = std::countr_zero(cron.days_of_month_);
      int longest = 0;
      for (int month = 1; month <= 12; ++month) {
        if (cron.months_ & Bit(month)) longest = std::max(longest, kDaysInMonth[month - 1]);
      }
      if (first_day > longest) {
        return fail(fmt::format("day-of-month \"{}\": day {} never occurs in month \"{}\"",
                                fields[3], first_day, fields[4]));
      }
    }
    return cron;
  }

 private:
  explicit CronParser(CronExpression& cron) : cron_(cron) {}

  Expected<std::uint64_t> Field(std::string_view text, const FieldSpec& spec) {
    if (&spec == &kDayOfWeek && text.find('#') != std::string_view::npos) return NthWeekday(text);
    std::uint64_t mask = 0;
    for (std::string_view item : Split(text, ',')) {
      if (item.empty()) return FieldError("empty list item");
      if (&spec == &kDayOfMonth && item == "L") {
        cron_.last_day_of_month_ = true;
        continue;
      }
      if (&spec == &kDayOfWeek && item.size() > 1 && (item.back() == 'L' || item.back() == 'l')) {
        const int day = TRY(Value(item.substr(0, item.size() - 1), spec));
        cron_.last_weekdays_ |= static_cast<std::uint8_t>(Bit(day % 7));
        continue;
      }
      const std::vector<std::string_view> parts = Split(item, '/');
      if (parts.size() > 2) return FieldError(fmt::format("more than one '/' in \"{}\"", item));
      const int step = parts.size() == 2 ? TRY(Step(parts[1])) : 1;
      const std::string_view base = parts[0];
      int low = spec.min;
      int high = spec.max;
      if (base == "?" && !spec.day_field) {
        return FieldError("'?' is only allowed in day-of-month and day-of-week");
      }
      if (base != "*" && base != "?") {
        const std::vector<std::string_view> bounds = Split(base, '-');
        if (bounds.size() > 2) return FieldError(fmt::format("\"{}\" is not a range a-b", base));
        low = TRY(Value(bounds[0], spec));
        high = bounds.size() == 2  ? TRY(Value(bounds[1], spec))
               : parts.size() == 2 ? spec.max
                                   : low;
        if (low > high) {
          return FieldError(fmt::format("range {} goes backwards ({} > {})", base, low, high));
        }
      }
      for (int value = low; value <= high; value += step) mask |= Bit(value);
    }
    return mask;
  }

  // `D#n`: the n-th (1-5) weekday D of the month; nothing else may be in the field.
  Expected<std::uint64_t> NthWeekday(std::string_view text) {
    const std::vector<std::string_view> parts = Split(text, '#');
    const auto usage = [&] {
      return FieldError(
          "'#' takes one day and an occurrence 1-5 and nothing else, like 1#2 (second Monday)");
    };
    if (parts.size() != 2 || parts[0].find_first_of(",-/*?") != std::string_view::npos) {
      return usage();
    }
    const int day = TRY(Value(parts[0], kDayOfWeek));
    if (!IsDigits(parts[1]) || parts[1].size() > 1 || parts[1][0] < '1' || parts[1][0] > '5') {
      return FieldError(fmt::format("occurrence \"{}\" is out of range 1-5", parts[1]));
    }
    cron_.nth_weekday_ = parts[1][0] - '0';
    return Bit(day);
  }

  CronExpression& cron_;
};

Expected<CronExpression> CronExpression::Parse(std::string_view text) {
  return CronParser::Parse(text);
}

bool CronExpression::MatchesDay(std::chrono::year_month_day day) const {
  if (!(months_ & Bit(static_cast<int>(static_cast<unsigned>(day.month()))))) return false;
  const int d = static_cast<int>(static_cast<unsigned>(day.day()));
  const int weekday =
      static_cast<int>(std::chrono::weekday(std::chrono::sys_days(day)).c_encoding());
  const int last = LastDay(day);
  const bool day_of_month = (days_of_month_ & Bit(d)) || (last_day_of_month_ && d == last);
  const bool day_of_week =
      ((days_of_week_ & Bit(weekday)) && (nth_weekday_ == 0 || (d - 1) / 7 + 1 == nth_weekday_)) ||
      ((last_weekdays_ & Bit(weekday)) && d + 7 > last);
  if (day_of_month_restricted_ && day_of_week_restricted_) return day_of_month || day_of_week;
  if (day_of_week_restricted_) return day_of_week;
  return day_of_month;
}

namespace {

// The first matching local time in [low, high), searching the calendar without a zone.
std::optional<LocalSeconds> NextLocal(const CronExpression& cron, LocalSeconds low,
                                      LocalSeconds high) {
  using std::chrono::local_days;
  local_days day = std::chrono::floor<std::chrono::days>(low);
  auto time = low - day;
  int hour = static_cast<int>(time / 1h);
  int minute = static_cast<int>(time % 1h / 1min);
  int second = static_cast<int>(time % 1min / 1s);
  while (day < high) {
    const std::chrono::year_month_day ymd(day);
    if (!(cron.months() & Bit(static_cast<int>(static_cast<unsigned>(ymd.month()))))) {
      const std::chrono::year_month next = ymd.year() / ymd.month() + std::chrono::months(1);
      day = local_days(next / 1);
      hour = minute = second = 0;
      continue;
    }
    if (cron.MatchesDay(ymd)) {
      int h = NextBit(cron.hours(), hour);
      if (h != hour) minute = second = 0;
      while (h >= 0) {
        const int m = NextBit(cron.minutes(), minute);
        if (m < 0) {
          h = NextBit(cron.hours(), h + 1);
          minute = second = 0;
          continue;
        }
        if (m != minute) second = 0;
        const int s = NextBit(cron.seconds(), second);
        if (s < 0) {
          minute = m + 1;
          second = 0;
          continue;
        }
        const LocalSeconds found =
            day + std::chrono::hours(h) + std::chrono::minutes(m) + std::chrono::seconds(s);
        if (found >= high) return std::nullopt;
        return found;
      }
    }
    day += std::chrono::days(1);
    hour = minute = second = 0;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Seconds> CronExpression::Next(std::chrono::system_clock::time_point after,
                                            const Zone& zone) const {
  const Seconds from = std::chrono::floor<std::chrono::seconds>(after) + 1s;
  const Seconds horizon = from + std::chrono::days(146097);  // 400 Gregorian years
  const bool every_hour = hours_ == 0xffffff;
  // Period by period, each searched in its own offset. The local times skipped by a gap are
  // read with the offset before it, so their instants lie in the period after the gap, where
  // they may come after that period's own fire times: a search starts in the previous period
  // when `from` lies within such a gap's reach, and a candidate is final only once no later
  // period can begin before it.
  Seconds probe = from;
  {
    const OffsetPeriod current = zone.PeriodAt(from);
    const OffsetPeriod previous = zone.PeriodAt(current.begin - 1s);
    if (previous.offset < current.offset &&
        from < current.begin + (current.offset - previous.offset)) {
      probe = current.begin - 1s;
    }
  }
  std::optional<Seconds> best;
  while (probe < horizon && !(best && probe >= *best)) {
    const OffsetPeriod period = zone.PeriodAt(probe);
    const Seconds end = std::min(period.end, horizon);
    LocalSeconds low{std::max(from, period.begin).time_since_epoch() + period.offset};
    LocalSeconds high{end.time_since_epoch() + period.offset};
    if (!every_hour) {
      const OffsetPeriod previous = zone.PeriodAt(period.begin - 1s);
      // Fall back: the repeated local times had their turn in the previous period.
      if (previous.offset > period.offset) {
        low = std::max(low, LocalSeconds{period.begin.time_since_epoch() + previous.offset});
      }
    }
    if (period.end < horizon) {
      const OffsetPeriod following = zone.PeriodAt(period.end);
      // Spring forward: the skipped local times are read with this period's offset.
      if (following.offset > period.offset) {
        high = LocalSeconds{period.end.time_since_epoch() + following.offset};
      }
    }
    if (const auto local = NextLocal(*this, low, high)) {
      const Seconds instant{local->time_since_epoch() - period.offset};
      if (!best || instant < *best) best = instant;
    }
    probe = end;
  }
  return best;
}

}  // namespace galaos::schedule
