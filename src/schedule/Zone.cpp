#include "schedule/Zone.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <filesystem>
#include <optional>

#include "core/AtomicFile.h"

namespace galaos::schedule {

namespace {

using std::chrono::seconds;

// A POSIX TZ rule such as "EST5EDT,M3.2.0,M11.1.0": the footer of a tz database file, which
// says how the zone's clocks change after the file's last explicit transition.
struct PosixRule {
  struct Change {  // Mm.w.d/time: weekday d of week w (5: the last) of month m, at local time
    unsigned month = 0;
    unsigned week = 0;
    unsigned weekday = 0;
    seconds time{2 * 3600};
  };
  seconds standard{0};  // offsets as local = UTC + offset
  seconds daylight{0};
  Change start;  // of daylight time, in standard time
  Change end;    // of daylight time, in daylight time
};

class PosixParser {
 public:
  explicit PosixParser(std::string_view text) : text_(text) {}

  // Only rules with daylight time given as Mm.w.d; others are left to the tz files.
  std::optional<PosixRule> Parse() {
    PosixRule rule;
    if (!Name()) return std::nullopt;
    const auto standard = Time();
    if (!standard || !Name()) return std::nullopt;
    rule.standard = -*standard;
    rule.daylight = rule.standard + std::chrono::hours(1);
    if (Peek() != ',') {
      const auto daylight = Time();
      if (!daylight) return std::nullopt;
      rule.daylight = -*daylight;
    }
    if (!Take(',') || !Change(rule.start) || !Take(',') || !Change(rule.end)) return std::nullopt;
    if (pos_ != text_.size()) return std::nullopt;
    return rule;
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool Take(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  bool Name() {
    if (Take('<')) {
      const std::size_t close = text_.find('>', pos_);
      if (close == std::string_view::npos) return false;
      pos_ = close + 1;
      return true;
    }
    const std::size_t start = pos_;
    while (std::isalpha(static_cast<unsigned char>(Peek()))) ++pos_;
    return pos_ - start >= 3;
  }
  std::optional<int> Number() {
    if (!std::isdigit(static_cast<unsigned char>(Peek()))) return std::nullopt;
    int value = 0;
    while (std::isdigit(static_cast<unsigned char>(Peek())))
      value = value * 10 + (text_[pos_++] - '0');
    return value;
  }
  // [+-]hh[:mm[:ss]]
  std::optional<seconds> Time() {
    const int sign = Take('-') ? -1 : (Take('+'), 1);
    const auto hours = Number();
    if (!hours) return std::nullopt;
    int total = *hours * 3600;
    for (int unit : {60, 1}) {
      if (!Take(':')) break;
      const auto part = Number();
      if (!part) return std::nullopt;
      total += *part * unit;
    }
    return seconds(sign * total);
  }
  bool Change(PosixRule::Change& change) {
    if (!Take('M')) return false;
    const auto month = Number();
    if (!month || !Take('.')) return false;
    const auto week = Number();
    if (!week || !Take('.')) return false;
    const auto weekday = Number();
    if (!weekday || *month < 1 || *month > 12 || *week < 1 || *week > 5 || *weekday > 6) {
      return false;
    }
    change = {static_cast<unsigned>(*month), static_cast<unsigned>(*week),
              static_cast<unsigned>(*weekday), change.time};
    if (Take('/')) {
      const auto time = Time();
      if (!time) return false;
      change.time = *time;
    }
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// The rule in the footer of a TZif file ("\n<rule>\n" at its end), if it has daylight time.
std::optional<PosixRule> ReadFooter(const std::filesystem::path& file) {
  const auto content = core::ReadFile(file);
  if (!content || content->size() < 2 || content->back() != '\n') return std::nullopt;
  const std::size_t start = content->rfind('\n', content->size() - 2);
  if (start == std::string::npos) return std::nullopt;
  return PosixParser(std::string_view(*content).substr(start + 1, content->size() - start - 2))
      .Parse();
}

Seconds ChangeInstant(std::chrono::year year, const PosixRule::Change& change, seconds offset) {
  using namespace std::chrono;
  const month m{change.month};
  const weekday wd{change.weekday};
  const sys_days day =
      change.week == 5 ? sys_days(year / m / wd[last]) : sys_days(year / m / wd[change.week]);
  return day + change.time - offset;
}

}  // namespace

struct Zone::Impl {
  const date::time_zone* tz;
  std::optional<PosixRule> rule;  // for times after the tz file's last transition
};

Expected<Zone> Zone::Locate(std::string_view name) {
  const std::string text(name);
  try {
    const date::time_zone* tz = text == "local"
                                    ? date::current_zone()
                                    : date::locate_zone(text == "UTC" ? "Etc/UTC" : text);
    const std::filesystem::path file =
        std::filesystem::path("/usr/share/zoneinfo") / std::string(tz->name());
    return Zone(text, std::make_shared<const Impl>(Impl{tz, ReadFooter(file)}));
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("unknown time zone \"{}\" (expected an IANA name such as "
                                 "Europe/Berlin, \"UTC\" or \"local\"): {}",
                                 text, e.what()));
  }
}

Zone Zone::Utc() {
  static const std::shared_ptr<const Impl> utc =
      std::make_shared<const Impl>(Impl{date::locate_zone("Etc/UTC"), std::nullopt});
  return Zone("UTC", utc);
}

OffsetPeriod Zone::PeriodAt(Seconds instant) const {
  const date::sys_info info = impl_->tz->get_info(instant);
  // date reads only the explicit transitions of the tz file (up to 2037); its last period
  // never ends. The file's footer rule continues the changes from there.
  if (!impl_->rule || info.end < date::sys_days(date::year(9999) / 1 / 1)) {
    return {info.begin, info.end, info.offset};
  }
  const PosixRule& rule = *impl_->rule;
  const std::chrono::year year =
      std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(instant)).year();
  OffsetPeriod period{info.begin, info.end, info.offset};
  for (std::chrono::year y = year - std::chrono::years(1); y <= year + std::chrono::years(1);
       y += std::chrono::years(1)) {
    const std::array<std::pair<Seconds, seconds>, 2> changes = {{
        {ChangeInstant(y, rule.start, rule.standard), rule.daylight},
        {ChangeInstant(y, rule.end, rule.daylight), rule.standard},
    }};
    for (const auto& [at, offset] : changes) {
      if (at <= info.begin) continue;
      if (at <= instant && at >= period.begin) period = {at, period.end, offset};
      if (at > instant && at < period.end) period.end = at;
    }
  }
  return period;
}

LocalSeconds Zone::ToLocal(Seconds instant) const {
  return LocalSeconds{instant.time_since_epoch() + PeriodAt(instant).offset};
}

Seconds Zone::FromLocal(LocalSeconds local) const {
  // Read with the offsets a day before and a day after (offset changes are further apart):
  // each reading that lands in a period of its own offset is a real occurrence.
  const Seconds naive{local.time_since_epoch()};
  const std::chrono::seconds before = PeriodAt(naive - std::chrono::days(1)).offset;
  const std::chrono::seconds after = PeriodAt(naive + std::chrono::days(1)).offset;
  const Seconds early = naive - before;
  const Seconds late = naive - after;
  const bool early_real = PeriodAt(early).offset == before;
  const bool late_real = PeriodAt(late).offset == after;
  if (early_real && late_real) return std::min(early, late);
  if (late_real) return late;
  return early;  // a real time, or one in a gap read with the offset before it
}

}  // namespace galaos::schedule
