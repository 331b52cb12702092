// Differential test: CronExpression against the npm `cron-parser` package (v5), installed
// from the npm registry into a temporary directory. Generated expressions covering every
// syntax feature, plus fixed edge cases, are asked for their next fire times in several zones
// from start times around DST transitions. Every disagreement fails the test, except the
// deliberate differences documented in docs/SCHEDULES.md, each recognised by a precise rule.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <vector>

#include "schedule/CronExpression.h"
#include "schedule/ScheduleTestSupport.h"
#include "support/NodeReference.h"
#include "support/SeededRandom.h"

namespace galaos::schedule {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Random = galaos::testing::SeededRandom;
using testing::UtcText;

constexpr std::uint64_t kSeed = 20261126;
constexpr std::size_t kGeneratedExpressions = 2400;
constexpr std::size_t kCasesPerExpression = 2;
constexpr int kFireTimes = 20;

constexpr std::string_view kZones[] = {
    "UTC",          "Europe/Berlin",     "America/New_York", "Australia/Lord_Howe",
    "Asia/Kolkata", "America/Sao_Paulo", "Pacific/Chatham",
};

struct FieldShape {
  int min;
  int max;
  std::initializer_list<std::string_view> names;  // empty: numbers only
  std::initializer_list<int> favourites;          // values near DST transitions and the like
};

const FieldShape kSecondShape{0, 59, {}, {0, 0, 30, 59}};
const FieldShape kMinuteShape{0, 59, {}, {0, 0, 15, 30, 45, 59}};
const FieldShape kHourShape{0, 23, {}, {0, 1, 2, 2, 3, 3, 23}};
const FieldShape kDayShape{1, 31, {}, {1, 15, 28, 29, 30, 31}};
const FieldShape kMonthShape{
    1,
    12,
    {"JAN", "feb", "Mar", "APR", "may", "JUN", "jul", "Aug", "SEP", "oct", "NOV", "dec"},
    {2, 3, 4, 9, 10, 11}};
const FieldShape kWeekdayShape{0, 7, {"SUN", "mon", "Tue", "WED", "thu", "FRI", "sat"}, {0, 7}};

// Cron text in every syntax both implementations accept, and some they must both reject.
class ExpressionGenerator {
 public:
  explicit ExpressionGenerator(Random& random) : random_(random) {}

  std::string Text() {
    if (random_.Percent(4)) {
      return std::string(random_.Pick({"@yearly", "@annually", "@monthly", "@weekly", "@daily",
                                       "@hourly", "@weekdays", "@weekends", "@minutely"}));
    }
    std::vector<std::string> fields;
    if (random_.Percent(30)) fields.push_back(random_.Percent(60) ? "0" : Field(kSecondShape));
    fields.push_back(random_.Percent(45) ? Value(kMinuteShape) : Field(kMinuteShape));
    fields.push_back(random_.Percent(45) ? Value(kHourShape) : Field(kHourShape));
    fields.push_back(random_.Percent(55) ? std::string(random_.Pick({"*", "*", "?"}))
                                         : DayOfMonth());
    fields.push_back(random_.Percent(65) ? "*" : Field(kMonthShape));
    fields.push_back(random_.Percent(55) ? std::string(random_.Pick({"*", "*", "?"}))
                                         : DayOfWeek());
    if (random_.Percent(4)) Break(fields);
    return fmt::format("{}", fmt::join(fields, random_.Percent(95) ? " " : "  "));
  }

 private:
  int Number(const FieldShape& shape) {
    if (random_.Percent(35))
      return shape.favourites.begin()[random_.Below(shape.favourites.size())];
    return shape.min +
           static_cast<int>(random_.Below(static_cast<std::size_t>(shape.max - shape.min + 1)));
  }

  std::string Value(const FieldShape& shape) {
    const int value = Number(shape);
    if (shape.names.size() > 0 && random_.Percent(30)) {
      return std::string(shape.names.begin()[(value - shape.min) % shape.names.size()]);
    }
    return std::to_string(value);
  }

  std::string Step() {
    return std::to_string(random_.Percent(70) ? 2 + random_.Below(14) : 1 + random_.Below(40));
  }

  std::string Item(const FieldShape& shape) {
    const std::size_t roll = random_.Below(100);
    if (roll < 30) return Value(shape);
    if (roll < 48) {
      int low = Number(shape);
      int high = Number(shape);
      if (low > high) std::swap(low, high);
      return fmt::format("{}-{}", low, high);
    }
    if (roll < 63) return "*/" + Step();
    if (roll < 75) {
      int low = Number(shape);
      int high = Number(shape);
      if (low > high) std::swap(low, high);
      return fmt::format("{}-{}/{}", low, high, Step());
    }
    if (roll < 85) return fmt::format("{}/{}", Value(shape), Step());
    return "*";
  }

  // A list's items lie in separate segments of the field: cron-parser rejects overlapping
  // items (a deliberate difference, docs/SCHEDULES.md).
  std::string Field(const FieldShape& shape) {
    if (random_.Percent(75)) return Item(shape);
    const int max = &shape == &kWeekdayShape ? 6 : shape.max;  // 7 would repeat Sunday
    const int items = 2 + static_cast<int>(random_.Below(2));
    std::vector<int> cuts = {shape.min - 1, max};
    for (int i = 1; i < items; ++i) {
      cuts.push_back(shape.min +
                     static_cast<int>(random_.Below(static_cast<std::size_t>(max - shape.min))));
    }
    std::sort(cuts.begin(), cuts.end());
    std::vector<std::string> out;
    for (std::size_t i = 1; i < cuts.size(); ++i) {
      const int low = cuts[i - 1] + 1;
      const int high = cuts[i];
      if (low > high) continue;
      out.push_back(ItemWithin(shape, low, high));
    }
    return fmt::format("{}", fmt::join(out, ","));
  }

  std::string ItemWithin(const FieldShape& shape, int low, int high) {
    const int a = low + static_cast<int>(random_.Below(static_cast<std::size_t>(high - low + 1)));
    const int b = a + static_cast<int>(random_.Below(static_cast<std::size_t>(high - a + 1)));
    const std::size_t roll = random_.Below(100);
    if (roll < 40 || a == b) {
      if (shape.names.size() > 0 && random_.Percent(30)) {
        return std::string(shape.names.begin()[(a - shape.min) % shape.names.size()]);
      }
      return std::to_string(a);
    }
    if (roll < 75) return fmt::format("{}-{}", a, b);
    return fmt::format("{}-{}/{}", a, b, Step());
  }

  std::string DayOfMonth() {
    const std::size_t roll = random_.Below(100);
    if (roll < 10) return "L";
    if (roll < 15) return fmt::format("{},L", Value(kDayShape));
    return Field(kDayShape);
  }

  std::string DayOfWeek() {
    const std::size_t roll = random_.Below(100);
    if (roll < 12) return Value(kWeekdayShape) + "L";
    if (roll < 25) return fmt::format("{}#{}", Value(kWeekdayShape), 1 + random_.Below(5));
    return Field(kWeekdayShape);
  }

  // One field made invalid: both implementations must reject it.
  void Break(std::vector<std::string>& fields) {
    std::string& field = fields[random_.Below(fields.size())];
    field = std::string(random_.Pick(
        {"61", "*/0", "1-", "-1", "5-2", "1,,2", "a", "*/", "1/2/3", "1#2#3", "99", "L-2"}));
  }

  Random& random_;
};

// Fixed expressions at the edges of the syntax and of DST handling, including one example of
// each deliberate difference.
std::vector<std::string> EdgeExpressions() {
  return {"* * * * *",        "0 0 1 1 *",      "0 2 * * *",      "30 2 * * *",
          "0 3 * * 0",        "0 0 29 2 *",     "0 0 L 2 *",      "0 0 * * 5L",
          "0 0 * * 7L",       "0 0 * * SUN#5",  "0 0 31 * *",     "0 0 15,L * *",
          "0 0 13 * FRI",     "0 0 */2 * 1",    "*/15 * * * *",   "45 2 * * *",
          "15 0 * * *",       "*/30 1-3 * * *", "0,30 0-3 * * *", "* 2 * * *",
          "0 */5 * * *",      "59 23 * * *",    "0 0 0 * * *",    "*/10 * 2 * * *",
          "0 0 30 2 1",       "0 0 31 4 *",     "0 0 0 31 2,4 *", "0 12 * * mon-fri",
          "0 12 * JAN-mar *", "@daily",         "@midnight",      "1,1 * * * *",
          "0-5,3 * * * *",    "0 0 * * 0,7",    "? * * * *",      "0 0 * ? *",
          "0 0 * * *#2",      "H * * * *",      "* * *",          "",
          "0 0 * * 1#6",      "0 0 * * L",      "0 0 LW * *",     "0 0 1W * *",
          "0 25 * * *",       "0 0 0 * * * *",  "30 1 * * *"};
}

struct EdgeCase {
  std::string_view expression;  // one of EdgeExpressions()
  std::string_view zone;
  std::string_view start;  // UTC
};

// Starts next to and inside the local times DST changes skip or repeat.
std::vector<EdgeCase> EdgeCases() {
  return {
      {"30 2 * * *", "America/New_York", "2026-03-08 06:59:59"},
      {"30 2 * * *", "America/New_York", "2026-03-08 07:20:00"},
      {"30 1 * * *", "America/New_York", "2026-11-01 05:10:00"},
      {"30 1 * * *", "America/New_York", "2026-11-01 06:10:00"},
      {"*/15 * * * *", "Europe/Berlin", "2026-10-25 00:50:00"},
      {"30 2 * * *", "Europe/Berlin", "2026-10-25 01:10:00"},
      {"0,30 0-3 * * *", "Australia/Lord_Howe", "2026-10-03 15:00:00"},
      {"45 2 * * *", "Pacific/Chatham", "2026-09-26 13:00:00"},
      {"15 0 * * *", "America/Sao_Paulo", "2018-11-04 02:30:00"},
      {"15 0 * * *", "America/Sao_Paulo", "2018-11-04 03:05:00"},
  };
}

// A deliberate difference: its name in docs/SCHEDULES.md, and the rule that recognises it.
struct Difference {
  std::string_view name;
  bool (*applies)(std::string_view text, const Expected<CronExpression>& ours,
                  const json& reference_error);
};

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

const Difference kDifferences[] = {
    {"overlapping list items",
     [](std::string_view, const Expected<CronExpression>& ours, const json& error) {
       return ours.has_value() && error.is_string() &&
              Contains(error.get<std::string>(), "duplicate values found");
     }},
    {"@midnight",
     [](std::string_view text, const Expected<CronExpression>& ours, const json& error) {
       return text == "@midnight" && ours.has_value() && error.is_string();
     }},
    {"? outside the day fields",
     [](std::string_view, const Expected<CronExpression>& ours, const json& error) {
       return !ours && Contains(ours.error().message(), "'?' is only allowed") && error.is_null();
     }},
    {"# with a wildcard",
     [](std::string_view, const Expected<CronExpression>& ours, const json& error) {
       return !ours && Contains(ours.error().message(), "'#' takes one day") && error.is_null();
     }},
    {"H (hashed values)",
     [](std::string_view text, const Expected<CronExpression>& ours, const json& error) {
       return !ours && Contains(text, "H") && error.is_null();
     }},
    {"fewer than 5 fields",
     [](std::string_view, const Expected<CronExpression>& ours, const json& error) {
       return !ours && Contains(ours.error().message(), "expected 5 fields") && error.is_null();
     }},
};

// Start times around a zone's DST transitions in 2016-2030 (or any time where it has none).
class StartTimes {
 public:
  explicit StartTimes(Random& random) : random_(random) {}

  std::chrono::system_clock::time_point Pick(const Zone& zone) {
    const Seconds first = testing::Utc("2016-01-01 00:00:00");
    const Seconds year_later = first + std::chrono::days(365 * 15);
    std::vector<Seconds>& transitions = transitions_[zone.name()];
    if (transitions.empty()) {
      for (Seconds t = first; t < year_later;) {
        const OffsetPeriod period = zone.PeriodAt(t);
        if (period.end >= year_later) break;
        transitions.push_back(period.end);
        t = period.end;
      }
    }
    Seconds base = first + std::chrono::seconds(random_.Below(15 * 365 * 86400));
    if (!transitions.empty()) base = transitions[random_.Below(transitions.size())];
    const auto offset = std::chrono::seconds(random_.Below(46 * 3600)) - std::chrono::hours(40);
    std::chrono::system_clock::time_point start = base + offset;
    if (random_.Percent(30))
      start -= std::chrono::minutes(random_.Below(60)) + std::chrono::seconds(random_.Below(60));
    if (random_.Percent(20)) start += std::chrono::milliseconds(1 + random_.Below(999));
    return start;
  }

 private:
  Random& random_;
  std::map<std::string, std::vector<Seconds>> transitions_;
};

// Fire times cron-parser gets wrong by design or that our tz data cannot know: each window
// is a span of instants not compared, with the documented difference it stands for.
struct Window {
  Seconds begin;
  Seconds end;
  std::string_view difference;
};

constexpr std::string_view kOffTheHour = "offset changes off the hour";
constexpr std::string_view kStartInChange = "a start inside the local times a DST change moved";
constexpr std::string_view kWindowDifferences[] = {kOffTheHour, kStartInChange};

// The windows of the offset changes from a day before `start` up to `until`.
std::vector<Window> UncomparedWindows(const Zone& zone, std::chrono::system_clock::time_point start,
                                      Seconds until) {
  std::vector<Window> windows;
  const Seconds from = std::chrono::floor<std::chrono::seconds>(start);
  OffsetPeriod period = zone.PeriodAt(from - std::chrono::days(1));
  while (period.end <= until) {
    const OffsetPeriod next = zone.PeriodAt(period.end);
    const Seconds change = period.end;
    const auto whole_hour = [](std::chrono::seconds s) { return s % std::chrono::hours(1) == 0s; };
    // cron-parser steps whole wall-clock hours: a change by 30 minutes (Lord Howe) or at
    // hh:45 (Chatham) makes it skip, repeat or shift local times around the change.
    if (!whole_hour(next.offset - period.offset) ||
        !whole_hour(change.time_since_epoch() + period.offset) ||
        !whole_hour(change.time_since_epoch() + next.offset)) {
      windows.push_back(
          {change - std::chrono::hours(2), change + std::chrono::hours(3), kOffTheHour});
    }
    // Started within a change's length after it, among local times it skipped or repeated:
    // our Next depends on the start only, cron-parser's on where its iteration came from.
    const std::chrono::seconds moved = std::chrono::abs(next.offset - period.offset);
    if (from >= change && from < change + moved) {
      windows.push_back({change, change + moved, kStartInChange});
    }
    period = next;
  }
  return windows;
}

std::int64_t Millis(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

std::string ShowMillis(std::int64_t millis) {
  const auto time =
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(millis));
  std::string text = UtcText(std::chrono::floor<std::chrono::seconds>(time));
  if (millis % 1000 != 0) text += fmt::format(".{:03}", millis % 1000);
  return text;
}

TEST(CronReferenceTest, AgreesWithCronParserOnGeneratedExpressionsAcrossDst) {
  Random random(kSeed);
  ExpressionGenerator generator(random);
  std::vector<std::string> expressions = EdgeExpressions();
  for (std::size_t i = 0; i < kGeneratedExpressions; ++i) expressions.push_back(generator.Text());

  std::vector<Zone> zones;
  for (std::string_view name : kZones) {
    auto zone = Zone::Locate(name);
    ASSERT_TRUE(zone) << zone.error().message();
    zones.push_back(std::move(*zone));
  }
  StartTimes starts(random);
  struct Case {
    std::size_t expression;
    const Zone* zone;
    std::chrono::system_clock::time_point start;
  };
  std::vector<Case> cases;
  json input_cases = json::array();
  const auto add_case = [&](std::size_t e, const Zone& zone,
                            std::chrono::system_clock::time_point start) {
    cases.push_back({e, &zone, start});
    input_cases.push_back({{"expression", e},
                           {"zone", zone.name()},
                           {"start", Millis(start)},
                           {"count", kFireTimes}});
  };
  // Hand-picked: starts inside the local times a DST change skipped or repeated.
  for (const auto& [expression, zone, start] : EdgeCases()) {
    const auto e =
        std::find(expressions.begin(), expressions.end(), expression) - expressions.begin();
    ASSERT_LT(static_cast<std::size_t>(e), expressions.size()) << expression;
    const auto found =
        std::find_if(zones.begin(), zones.end(), [&](const Zone& z) { return z.name() == zone; });
    ASSERT_NE(found, zones.end()) << zone;
    add_case(static_cast<std::size_t>(e), *found, testing::Utc(start));
  }
  for (std::size_t e = 0; e < expressions.size(); ++e) {
    for (std::size_t i = 0; i < kCasesPerExpression; ++i) {
      const Zone& zone = zones[random.Below(zones.size())];
      add_case(e, zone, starts.Pick(zone));
    }
  }

  const auto reference = galaos::testing::NodeReference::Install(
      "galaos-cron-reference-", {"cron-parser@5.10.6", "luxon@3.7.2"});
  ASSERT_TRUE(reference) << reference.error().message();
  const auto answers =
      reference->Ask(std::string(GALAOS_SOURCE_DIR) + "/tests/schedule/reference.js",
                     {{"expressions", expressions}, {"cases", input_cases}});
  ASSERT_TRUE(answers) << answers.error().message();
  const json& npm = *answers;

  std::vector<std::string> disagreements;
  std::map<std::string_view, std::vector<std::string>> deliberate;
  std::vector<std::optional<CronExpression>> parsed;
  std::size_t valid = 0;
  for (std::size_t e = 0; e < expressions.size(); ++e) {
    const std::string& text = expressions[e];
    const json& error = npm["parse"][e];
    auto ours = CronExpression::Parse(text);
    parsed.push_back(ours ? std::optional<CronExpression>(*ours) : std::nullopt);
    if (ours.has_value() == error.is_null()) {
      if (ours) ++valid;
      continue;
    }
    const Difference* known = nullptr;
    for (const Difference& difference : kDifferences) {
      if (difference.applies(text, ours, error)) known = &difference;
    }
    const std::string line = fmt::format("\"{}\": cron-parser {}, ours {}", text,
                                         error.is_null() ? "accepts" : error.get<std::string>(),
                                         ours ? "accepts" : ours.error().message());
    if (known) {
      deliberate[known->name].push_back(line);
    } else {
      disagreements.push_back(line);
    }
    parsed.back().reset();  // a documented difference: no fire times to compare
  }

  std::size_t compared_cases = 0;
  std::size_t compared_times = 0;
  std::size_t cases_across_dst = 0;
  for (std::size_t c = 0; c < cases.size(); ++c) {
    const Case& each = cases[c];
    const std::optional<CronExpression>& cron = parsed[each.expression];
    if (!cron || !npm["parse"][each.expression].is_null()) continue;
    const json& answer = npm["cases"][c];
    std::vector<std::int64_t> ours;
    std::chrono::system_clock::time_point at = each.start;
    const std::size_t wanted = answer.contains("error") ? answer["times"].size() : kFireTimes;
    while (ours.size() < wanted) {
      const auto next = cron->Next(at, *each.zone);
      if (!next) break;
      ours.push_back(Millis(*next));
      at = *next;
    }
    const auto theirs = answer["times"].get<std::vector<std::int64_t>>();
    ++compared_cases;
    if (!ours.empty() &&
        each.zone->PeriodAt(std::chrono::floor<std::chrono::seconds>(each.start)).end <=
            Seconds(std::chrono::seconds(ours.back() / 1000))) {
      ++cases_across_dst;
    }
    // Both lists hold every fire time from the start up to their last one.
    const std::int64_t up_to =
        ours.empty() || theirs.empty() ? 0 : std::min(ours.back(), theirs.back());
    const std::int64_t last =
        std::max(ours.empty() ? 0 : ours.back(), theirs.empty() ? 0 : theirs.back());
    const std::vector<Window> windows =
        UncomparedWindows(*each.zone, each.start, Seconds(std::chrono::seconds(last / 1000)));
    const auto window_of = [&](std::int64_t millis) -> const Window* {
      const Seconds time{std::chrono::seconds(millis / 1000)};
      for (const Window& window : windows) {
        if (time >= window.begin && time < window.end) return &window;
      }
      return nullptr;
    };
    std::vector<std::int64_t> ours_compared;
    std::vector<std::int64_t> theirs_compared;
    std::vector<std::int64_t> ours_uncompared;
    std::vector<std::int64_t> theirs_uncompared;
    const auto split = [&](const std::vector<std::int64_t>& all,
                           std::vector<std::int64_t>& compared,
                           std::vector<std::int64_t>& uncompared) {
      for (const std::int64_t time : all) {
        if (time > up_to) break;
        (window_of(time) ? uncompared : compared).push_back(time);
      }
    };
    split(ours, ours_compared, ours_uncompared);
    split(theirs, theirs_compared, theirs_uncompared);
    compared_times += theirs_compared.size();
    const std::string where = fmt::format("\"{}\" in {} after {}", expressions[each.expression],
                                          each.zone->name(), ShowMillis(Millis(each.start)));
    if (ours.empty() != theirs.empty() || ours_compared != theirs_compared) {
      std::size_t first = 0;
      while (first < ours_compared.size() && first < theirs_compared.size() &&
             ours_compared[first] == theirs_compared[first]) {
        ++first;
      }
      disagreements.push_back(fmt::format(
          "{}: compared fire time {} is {} in cron-parser{}, {} in ours", where, first + 1,
          first < theirs_compared.size() ? ShowMillis(theirs_compared[first]) : "missing",
          answer.contains("error") ? " (" + answer["error"].get<std::string>() + ")" : "",
          first < ours_compared.size() ? ShowMillis(ours_compared[first]) : "missing"));
    } else if (ours_uncompared != theirs_uncompared) {
      const std::int64_t first = ours_uncompared.empty() ? theirs_uncompared.front()
                                 : theirs_uncompared.empty()
                                     ? ours_uncompared.front()
                                     : std::min(ours_uncompared.front(), theirs_uncompared.front());
      deliberate[window_of(first)->difference].push_back(
          fmt::format("{}: cron-parser [{}], ours [{}]", where,
                      fmt::join(std::views::transform(theirs_uncompared, ShowMillis), ", "),
                      fmt::join(std::views::transform(ours_uncompared, ShowMillis), ", ")));
    }
  }

  for (const auto& [name, lines] : deliberate) {
    std::cout << fmt::format("deliberate difference \"{}\": {} expressions, e.g. {}\n", name,
                             lines.size(), lines.front());
  }
  EXPECT_TRUE(disagreements.empty())
      << disagreements.size() << " disagreements with cron-parser, first ones:\n"
      << fmt::format("{}", fmt::join(std::vector<std::string>(
                                         disagreements.begin(),
                                         disagreements.begin() +
                                             std::min<std::size_t>(disagreements.size(), 40)),
                                     "\n"));
  // The inputs must be meaningful, or agreement proves little.
  EXPECT_GE(valid, 2000u) << "valid expressions";
  EXPECT_GE(compared_times, 80000u);
  EXPECT_GE(cases_across_dst, 1000u) << "cases whose fire times cross a zone's offset change";
  EXPECT_EQ(deliberate.size(), std::size(kDifferences) + std::size(kWindowDifferences))
      << "each documented difference is exercised";
  std::cout << fmt::format(
      "cron-parser {}: {} expressions ({} valid in both), {} cases in {} zones, {} fire times "
      "compared, {} cases crossing an offset change, {} disagreements\n",
      npm["version"].get<std::string>(), expressions.size(), valid, compared_cases,
      std::size(kZones), compared_times, cases_across_dst, disagreements.size());
}

}  // namespace
}  // namespace galaos::schedule
