// Differential test: our Version and Range against the npm `semver` package (v7), installed
// from the npm registry into a temporary directory, on deterministically generated inputs.
// Every disagreement fails the test; a failing npm install fails it too.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "semver/Range.h"
#include "semver/Version.h"
#include "support/NodeReference.h"
#include "support/SeededRandom.h"

namespace galaos::semver {
namespace {

using nlohmann::json;

constexpr std::uint64_t kSeed = 20240611;
constexpr std::size_t kRandomVersions = 10000;
constexpr std::size_t kComparableVersions = 2000;
constexpr std::size_t kComparePairs = 14000;
constexpr std::size_t kRanges = 4000;
constexpr std::size_t kVersionsPerRange = 8;

using Random = testing::SeededRandom;

// Version-like text, valid and invalid: prefixes, leading zeros, huge numbers, missing or
// extra components, prereleases with numeric and alphanumeric identifiers, empty
// identifiers, build metadata, whitespace, stray characters.
class VersionTextGenerator {
 public:
  explicit VersionTextGenerator(Random& random) : random_(random) {}

  std::string Number() {
    const std::size_t roll = random_.Below(100);
    if (roll < 55) return std::to_string(random_.Below(6));
    if (roll < 70) return std::to_string(random_.Below(100));
    if (roll < 76) return fmt::format("0{}", random_.Below(10));
    if (roll < 84) {
      return std::string(random_.Pick({"9007199254740991", "9007199254740992", "9007199254740990",
                                       "10000000000000000", "18446744073709551616",
                                       "99999999999999999999999", "1234567890123"}));
    }
    if (roll < 88) return "";
    if (roll < 94) return std::string(random_.Pick({"x", "X", "*"}));
    return std::string(random_.Pick({"-1", "1a", "a", "1_0", " 1", "+1"}));
  }

  std::string PrereleaseIdentifier() {
    const std::size_t roll = random_.Below(100);
    if (roll < 30) return std::to_string(random_.Below(12));
    if (roll < 70) {
      return std::string(
          random_.Pick({"alpha", "beta",    "rc",  "pre", "dev",    "a",   "b",      "x",
                        "X",     "foo-bar", "--",  "-",   "0a",     "1a2", "alpha1", "Beta",
                        "RC",    "zeta",    "a-1", "00a", "123abc", "-1",  "0-0"}));
    }
    if (roll < 78) return fmt::format("0{}", random_.Below(20));
    if (roll < 86) {
      return std::string(random_.Pick({"9007199254740991", "9007199254740992", "90071992547409910",
                                       "18446744073709551616", "99999999999999999999999"}));
    }
    if (roll < 92) return "";
    return std::string(random_.Pick({"al_pha", "a b", "a!", "~", "a+b", "a..b"}));
  }

  std::string BuildIdentifier() {
    const std::size_t roll = random_.Below(100);
    if (roll < 30) return std::to_string(random_.Below(1000));
    if (roll < 75) {
      return std::string(random_.Pick(
          {"build", "sha", "5114f85", "exp", "001", "0", "linux-x64", "-", "20130313144700"}));
    }
    if (roll < 90) return "";
    return std::string(random_.Pick({"b_1", "b!", "+", "a b"}));
  }

  std::string Identifiers(bool prerelease) {
    std::string out;
    const std::size_t count = 1 + random_.Below(random_.Percent(80) ? 2 : 4);
    for (std::size_t i = 0; i < count; ++i) {
      if (i > 0) out += '.';
      out += prerelease ? PrereleaseIdentifier() : BuildIdentifier();
    }
    return out;
  }

  std::string Text() {
    std::string out;
    if (random_.Percent(25)) {
      out += random_.Pick({"v", "v", "=", "V", "v=", "=v", " ", "vv", "\t", " v ", "==", "v ", "= ",
                           "\n", "~", ">", "^"});
    }
    const std::size_t roll = random_.Below(100);
    const std::size_t components = roll < 85 ? 3 : roll < 93 ? 2 : roll < 97 ? 4 : 1;
    for (std::size_t i = 0; i < components; ++i) {
      if (i > 0) out += random_.Percent(98) ? "." : random_.Pick({"..", ",", "-", " "});
      out += Number();
    }
    if (random_.Percent(40)) {
      const std::size_t separator = random_.Below(100);
      if (separator < 85) {
        out += '-';
      } else if (separator < 95) {
        // no '-': a loose prerelease
      } else {
        out += random_.Pick({"_", ".", "--"});
      }
      out += Identifiers(true);
    }
    if (random_.Percent(20)) out += fmt::format("+{}", Identifiers(false));
    if (random_.Percent(8)) out += random_.Pick({" ", "\n", " \t", "  ", "+", "-", ".", "x"});
    return out;
  }

 private:
  Random& random_;
};

// Versions that are mostly valid and share cores, so comparisons exercise prerelease
// precedence rather than stopping at MAJOR.
std::string ComparableVersion(Random& random) {
  std::string out = random.Percent(10) ? "v" : "";
  out += fmt::format("{}.{}.{}", random.Below(3), random.Below(3), random.Below(3));
  if (random.Percent(70)) {
    const std::size_t count = 1 + random.Below(4);
    for (std::size_t i = 0; i < count; ++i) {
      out += i == 0 ? "-" : ".";
      out += random.Percent(45)
                 ? std::to_string(random.Below(random.Percent(90) ? 4 : 100))
                 : std::string(random.Pick({"alpha", "beta", "rc", "a", "b", "A", "Z", "-", "0a",
                                            "1a", "alpha-1", "alpha1", "9007199254740993"}));
    }
  }
  if (random.Percent(20)) out += random.Pick({"+build", "+1", "+sha.5114f85", "+001"});
  return out;
}

struct Core {
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t patch = 0;
};

// Range text in every syntax npm accepts, with partials, prereleases, odd whitespace,
// "||" alternatives and some invalid input. Records the versions it mentions.
class RangeTextGenerator {
 public:
  explicit RangeTextGenerator(Random& random) : random_(random) {}

  std::string Text() {
    mentioned_.clear();
    std::string out;
    const std::size_t roll = random_.Below(100);
    const std::size_t alternatives = roll < 65 ? 1 : roll < 90 ? 2 : 3;
    for (std::size_t i = 0; i < alternatives; ++i) {
      if (i > 0) {
        out += random_.Percent(95) ? random_.Pick({"||", " || ", "|| ", " ||", "  ||\t"})
                                   : random_.Pick({" | ", "|||", "||||"});
      }
      out += Alternative();
    }
    if (random_.Percent(5)) out = std::string(random_.Pick({" ", "\t", "\n "})) + out + " ";
    return out;
  }

  const std::vector<Core>& mentioned() const { return mentioned_; }

 private:
  std::string Alternative() {
    const std::size_t roll = random_.Below(100);
    if (roll < 18) {
      std::string out = Partial(true);
      out += random_.Percent(92) ? " - " : random_.Pick({"-", " -", "- ", "  -  ", " -- "});
      return out + Partial(true);
    }
    if (roll < 92) {
      std::string out;
      const std::size_t terms = 1 + random_.Below(3);
      for (std::size_t i = 0; i < terms; ++i) {
        if (i > 0) out += random_.Percent(95) ? " " : random_.Pick({"  ", "\t", ",", ""});
        out += Term();
      }
      return out;
    }
    if (roll < 94) return "";
    return std::string(random_.Pick({"foo",
                                     "1.2.3.4",
                                     ">=",
                                     "~>",
                                     "-",
                                     "1 - 2 - 3",
                                     "=",
                                     "<>1",
                                     "!1.2.3",
                                     "1.2.3 -",
                                     "*.1",
                                     "x.1",
                                     "1.x.2",
                                     "^",
                                     "~",
                                     ">*",
                                     "<x",
                                     ">=1.2.3 <",
                                     "1.2.3foo",
                                     "latest",
                                     "v",
                                     "~~1",
                                     "^^1",
                                     ">=0.0.0",
                                     ">=0.0.0-0",
                                     "<0.0.0-0",
                                     "<0.0.0",
                                     "*",
                                     "x",
                                     "X",
                                     "",
                                     ">= 1.2.3",
                                     "< 2",
                                     "~ 1.2",
                                     "^ 0.1",
                                     "~> 1.2.3",
                                     "1.2.3 || foo",
                                     ">01.2.3",
                                     "1.2.3-01",
                                     "^1.2.3+build",
                                     "1.2.3-beta+exp.sha.5114f85",
                                     "<=*",
                                     ">=*",
                                     "<*",
                                     ">x",
                                     "=*",
                                     "* 1.2.3"}));
  }

  std::string Term() {
    std::string op = random_.Percent(96)
                         ? std::string(random_.Pick(
                               {"", "", "=", "<", "<=", ">", ">=", "~", "~>", "^", "^", "~"}))
                         : std::string(random_.Pick({"==", "=>", "<<", "v", "!", "~^"}));
    if (random_.Percent(8)) op += random_.Pick({" ", "  ", "\t"});
    return op + Partial(false);
  }

  std::string Number(std::uint64_t& value) {
    const std::size_t roll = random_.Below(100);
    value = random_.Below(roll < 70 ? 3 : 12);
    if (roll < 96) return std::to_string(value);
    value = 0;
    if (roll < 97) return fmt::format("0{}", random_.Below(5));
    if (roll < 99) {
      return std::string(random_.Pick(
          {"9007199254740991", "9007199254740990", "9007199254740992", "99999999999999999999999"}));
    }
    return std::string(random_.Pick({"", "a", "-1", "xx"}));
  }

  // 1 to 3 components; once one is a wildcard the rest usually are too (1.x.x, not x.1).
  std::string Partial(bool in_hyphen) {
    std::string out;
    if (random_.Percent(6)) out += random_.Pick({"v", "=", "v=", "V", "v "});
    Core core;
    const std::size_t roll = random_.Below(100);
    const std::size_t components = roll < 15 ? 1 : roll < 35 ? 2 : 3;
    const std::size_t first_wildcard = random_.Percent(75) ? 3 : random_.Below(3);
    std::uint64_t* values[] = {&core.major, &core.minor, &core.patch};
    bool wildcard = false;
    for (std::size_t i = 0; i < components; ++i) {
      if (i > 0) out += '.';
      wildcard = i >= first_wildcard ? random_.Percent(97) : random_.Percent(2);
      if (wildcard) {
        out += random_.Pick({"x", "X", "*"});
      } else {
        out += Number(*values[i]);
      }
    }
    if (components == 3 && random_.Percent(25)) {
      out += random_.Percent(95) ? "-" : "";
      out += random_.Pick({"alpha", "beta.1", "rc.0", "0", "1a", "alpha.beta", "beta", "rc.1",
                           "pre", "-", "alpha.1", "01", "x"});
    }
    if (random_.Percent(in_hyphen ? 4 : 6)) {
      out += random_.Pick({"+build", "+001", "+exp.sha", "+build", "+", "+a_b"});
    }
    mentioned_.push_back(core);
    return out;
  }

  Random& random_;
  std::vector<Core> mentioned_;
};

// Versions near the bounds and near what a range mentions, so satisfies() answers both ways.
std::vector<std::string> VersionsAround(const std::vector<Core>& mentioned, Random& random,
                                        const std::vector<std::string>& pool) {
  std::vector<std::string> out;
  while (out.size() < kVersionsPerRange) {
    if (mentioned.empty() || random.Percent(15)) {
      out.push_back(pool[random.Below(pool.size())]);
      continue;
    }
    Core core = mentioned[random.Below(mentioned.size())];
    switch (random.Below(7)) {
      case 0:
        break;
      case 1:
        ++core.patch;
        break;
      case 2:
        ++core.minor;
        core.patch = random.Below(2);
        break;
      case 3:
        ++core.major;
        core.minor = 0;
        core.patch = 0;
        break;
      case 4:
        if (core.patch > 0) --core.patch;
        break;
      case 5:
        if (core.minor > 0) --core.minor;
        break;
      default:
        if (core.major > 0) --core.major;
        break;
    }
    std::string text = fmt::format("{}.{}.{}", core.major, core.minor, core.patch);
    if (random.Percent(35)) {
      text += random.Pick({"-alpha", "-beta.1", "-0", "-rc.1", "-beta", "-alpha.0", "-1", "-pre"});
    }
    if (random.Percent(5)) text += "+build.1";
    if (random.Percent(3)) text = std::string(random.Pick({"v", " ", "=", "01."})) + text;
    out.push_back(std::move(text));
  }
  return out;
}

// Fixed inputs at the edges: the length bound and spec examples.
std::vector<std::string> EdgeVersions() {
  std::vector<std::string> out = {
      "",
      " ",
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-0.3.7",
      "1.0.0-x.7.z.92",
      "1.0.0-x-y-z.--",
      "1.0.0-alpha+001",
      "1.0.0+20130313144700",
      "1.0.0-beta+exp.sha.5114f85",
      "1.0.0+21AF26D3----117B344092BD",
      "1.0.0-alpha.beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
      "2.0.0",
      "2.1.0",
      "2.1.1",
      "1.2.3----RC-SNAPSHOT.12.9.1--.12+788",
      "1.2.3-",
      "1.2.3+",
      "1.2.3-+",
      "1.2.3-a.",
      "1.2.3-.a",
      "1.2.3+a..b",
  };
  out.emplace_back(
      "\0"
      "1.2.3",
      6);
  for (const std::size_t length : {255, 256, 257}) {
    out.push_back(fmt::format("1.2.3-{}", std::string(length - 6, 'a')));
    out.push_back(fmt::format("1.2.3+{}", std::string(length - 6, '0')));
    out.push_back(fmt::format(" 1.2.3 {}", std::string(length - 7, ' ')));
    out.push_back(fmt::format("1.2.{}", std::string(length - 4, '9')));
  }
  return out;
}

// Fixed ranges at the edges: very long numbers and identifiers, increments past 2^53 and
// 1e21, whitespace and empty alternatives.
std::vector<std::string> EdgeRanges() {
  std::vector<std::string> out = {
      "",
      " ",
      "||",
      " || ",
      "*",
      "x || 1.2.3",
      "* - 999999999999999999999 || 1.2.3",
      "^999999999999999999999",
      "<=999999999999999999999.x",
      "* - 999999999999999999999.x",
      "^9007199254740990.1.2",
      "^9007199254740991",
      "~9007199254740991.9007199254740990",
      ">9007199254740990",
      "<=9007199254740990.x",
      "1.2.3 - 9007199254740991",
      ">=1.2.3 <1.2.3",
      "<0.0.0-0 || <0.0.0-0",
      "<0.0.0-0 || *",
      ">=0.0.0 || >1",
      "~> 1.2.3",
      "~ > 1.2.3",
      "> = 1.2.3",
      ">= v1.2.3",
      ">=v 1.2.3",
      "^ v1",
      "1.2.3 - v2",
      "1.2.3 -v2",
      "1.2.3- 2",
      "v 1.2.3 - 2",
      "= 1 - 2",
      "1.2.3+a.b.c+d - 2+e",
  };
  const std::string digits(300, '7');
  const std::string letters(300, 'a');
  for (const std::string& long_text :
       {digits, fmt::format("1.{}", digits), fmt::format("1.2.{}", digits),
        fmt::format("1.2.3-{}", letters), fmt::format("1.2.3-{}", digits),
        fmt::format("1.2.3+{}", letters), fmt::format("~1.2.{}", digits),
        fmt::format("^{}.x", digits), fmt::format("1.2.3-{}a", digits),
        fmt::format("1.2.3-{}a", std::string(256, '1')),
        fmt::format("1.2.3-a{}", std::string(250, 'b')),
        fmt::format("1.2.3-a{}", std::string(251, 'b')),
        fmt::format("> {}.0.0", std::string(257, '1'))}) {
    out.push_back(long_text);
    out.push_back(fmt::format("1.2.3 || {}", long_text));
    out.push_back(long_text + " - 2");
  }
  return out;
}

std::string Show(std::string_view text) {
  return json(std::string(text)).dump();
}

// Collects disagreements of one question and reports the first few.
class Disagreements {
 public:
  explicit Disagreements(std::string question) : question_(std::move(question)) {}

  // describe() names the input; it is only called for a disagreement.
  template <class Describe>
  void Check(const json& npm, const json& ours, Describe describe) {
    ++checked_;
    if (npm == ours) return;
    if (examples_.size() < 15) {
      examples_.push_back(fmt::format("  {}: npm {} ours {}", describe(), npm.dump(), ours.dump()));
    }
    ++count_;
  }

  void Report() const {
    EXPECT_EQ(count_, 0u) << question_ << ": " << count_ << " of " << checked_
                          << " answers differ from npm semver, first ones:\n"
                          << fmt::format("{}", fmt::join(examples_, "\n"));
  }

 private:
  std::string question_;
  std::size_t checked_ = 0;
  std::size_t count_ = 0;
  std::vector<std::string> examples_;
};

json VersionAnswer(std::string_view text, ParseMode mode) {
  const auto version = Version::Parse(text, mode);
  if (!version) return nullptr;
  const std::string full = version->ToString();
  return full.substr(0, full.find('+'));  // npm's valid() leaves the build out
}

TEST(SemverReferenceTest, AgreesWithNpmSemver7OnGeneratedVersionsAndRanges) {
  Random random(kSeed);
  VersionTextGenerator version_text(random);
  std::vector<std::string> versions = EdgeVersions();
  for (std::size_t i = 0; i < kRandomVersions; ++i) versions.push_back(version_text.Text());
  const std::size_t comparable_begin = versions.size();
  for (std::size_t i = 0; i < kComparableVersions; ++i) {
    versions.push_back(ComparableVersion(random));
  }
  const std::vector<std::string> comparable(versions.begin() + comparable_begin, versions.end());

  json compare = json::array();
  for (std::size_t i = 0; i < kComparePairs; ++i) {
    compare.push_back({comparable_begin + random.Below(kComparableVersions),
                       comparable_begin + random.Below(kComparableVersions)});
  }

  RangeTextGenerator range_text(random);
  std::vector<std::string> ranges = EdgeRanges();
  json satisfies = json::array();
  for (std::size_t i = 0; i < kRanges; ++i) {
    const std::size_t r = ranges.size();
    ranges.push_back(range_text.Text());
    for (std::string& version : VersionsAround(range_text.mentioned(), random, comparable)) {
      satisfies.push_back({versions.size(), r});
      versions.push_back(std::move(version));
    }
  }

  const auto reference =
      testing::NodeReference::Install("galaos-semver-reference-", {"semver@7.8.6"});
  ASSERT_TRUE(reference) << reference.error().message();
  const json input = {
      {"versions", versions}, {"ranges", ranges}, {"compare", compare}, {"satisfies", satisfies}};
  const auto answers =
      reference->Ask(std::string(GALAOS_SOURCE_DIR) + "/tests/semver/reference.js", input);
  ASSERT_TRUE(answers) << answers.error().message();
  const json& npm = *answers;

  Disagreements valid("valid(v)");
  Disagreements valid_loose("valid(v, {loose})");
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const auto describe = [&] { return Show(versions[i]); };
    valid.Check(npm["valid"][i], VersionAnswer(versions[i], ParseMode::kNpm), describe);
    valid_loose.Check(npm["validLoose"][i], VersionAnswer(versions[i], ParseMode::kLoose),
                      describe);
  }

  valid.Report();
  valid_loose.Report();

  Disagreements comparisons("compare(a, b)");
  std::size_t valid_pairs = 0;
  for (std::size_t i = 0; i < compare.size(); ++i) {
    const std::string& a = versions[compare[i][0].get<std::size_t>()];
    const std::string& b = versions[compare[i][1].get<std::size_t>()];
    const auto va = Version::Parse(a, ParseMode::kNpm);
    const auto vb = Version::Parse(b, ParseMode::kNpm);
    json ours = nullptr;
    if (va && vb) {
      ++valid_pairs;
      const auto order = *va <=> *vb;
      ours = order < 0 ? -1 : order > 0 ? 1 : 0;
    }
    comparisons.Check(npm["compare"][i], ours, [&] { return Show(a) + " vs " + Show(b); });
  }

  comparisons.Report();

  struct RangeQuestion {
    std::string name;
    RangeOptions options;
    std::string valid_key;
    std::string satisfies_key;
  };
  const RangeQuestion questions[] = {
      {"default", {}, "validRange", "satisfies"},
      {"loose", {.loose = true}, "validRangeLoose", "satisfiesLoose"},
      {"includePrerelease",
       {.include_prerelease = true},
       "validRangeIncludePrerelease",
       "satisfiesIncludePrerelease"},
  };
  std::size_t valid_ranges = 0;
  std::size_t satisfied = 0;
  for (const RangeQuestion& question : questions) {
    Disagreements valid_range("validRange(r, " + question.name + ")");
    std::vector<std::optional<Range>> parsed;
    for (std::size_t r = 0; r < ranges.size(); ++r) {
      auto range = Range::Parse(ranges[r], question.options);
      valid_range.Check(npm[question.valid_key][r], range ? json(range->ToString()) : json(nullptr),
                        [&] { return Show(ranges[r]); });
      if (range && question.name == "default") ++valid_ranges;
      parsed.push_back(range ? std::optional<Range>(std::move(*range)) : std::nullopt);
    }
    valid_range.Report();

    Disagreements satisfies_question("satisfies(v, r, " + question.name + ")");
    const ParseMode mode = question.options.loose ? ParseMode::kLoose : ParseMode::kNpm;
    for (std::size_t i = 0; i < satisfies.size(); ++i) {
      const std::string& v = versions[satisfies[i][0].get<std::size_t>()];
      const std::size_t r = satisfies[i][1].get<std::size_t>();
      const auto version = Version::Parse(v, mode);
      const bool ours = parsed[r] && version && parsed[r]->Satisfies(*version);
      if (ours && question.name == "default") ++satisfied;
      satisfies_question.Check(npm[question.satisfies_key][i], ours,
                               [&] { return Show(v) + " in " + Show(ranges[r]); });
    }
    satisfies_question.Report();
  }

  // The generated inputs must be meaningful, or agreement proves little.
  EXPECT_GE(versions.size(), 10000u);
  EXPECT_GE(valid_pairs, 10000u) << "comparisons of two valid versions";
  EXPECT_GE(ranges.size(), 2000u);
  EXPECT_GE(valid_ranges, 2000u) << "valid ranges";
  EXPECT_GE(satisfied, satisfies.size() / 10) << "satisfied pairs";
  std::cout << fmt::format(
      "npm semver {}: {} versions, {} comparisons ({} of valid pairs), {} ranges ({} valid), {} "
      "satisfies pairs ({} satisfied) checked in 3 option sets\n",
      npm["semverVersion"].get<std::string>(), versions.size(), compare.size(), valid_pairs,
      ranges.size(), valid_ranges, satisfies.size(), satisfied);
}

}  // namespace
}  // namespace galaos::semver
