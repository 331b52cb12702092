#include "release/Changelog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "release/Text.h"
#include "semver/UpdatePolicy.h"

namespace galaos::release {
namespace {

constexpr std::size_t kMaxBreakingReasons = 20;

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

bool IsBlank(std::string_view line) {
  return std::ranges::all_of(line, [](unsigned char c) { return std::isspace(c); });
}

// "```" or "~~~" (up to three spaces of indentation) opens or closes a fenced code block.
bool IsFence(std::string_view line) {
  const std::size_t start = line.find_first_not_of(' ');
  if (start == std::string_view::npos || start > 3) return false;
  line.remove_prefix(start);
  return line.starts_with("```") || line.starts_with("~~~");
}

// The level of an ATX heading ("## Title" is 2), 0 for other lines.
int HeadingLevel(std::string_view line) {
  const std::size_t start = line.find_first_not_of(' ');
  if (start == std::string_view::npos || start > 3) return 0;
  line.remove_prefix(start);
  std::size_t level = 0;
  while (level < line.size() && line[level] == '#') ++level;
  if (level == 0 || level > 6) return 0;
  if (level < line.size() && line[level] != ' ' && line[level] != '\t') return 0;
  return static_cast<int>(level);
}

// "[1.2.0]: https://..." — a link reference definition.
bool IsLinkReference(std::string_view line) {
  line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
  const std::size_t close = line.find("]:");
  return line.starts_with('[') && close != std::string_view::npos && close > 1;
}

std::string JoinTrimmed(const std::vector<std::string_view>& lines) {
  std::size_t begin = 0;
  std::size_t end = lines.size();
  while (begin < end && IsBlank(lines[begin])) ++begin;
  while (end > begin && IsBlank(lines[end - 1])) --end;
  std::string text;
  for (std::size_t i = begin; i < end; ++i) {
    text.append(lines[i]);
    if (i + 1 < end) text += '\n';
  }
  return text;
}

// Headings of `text` moved `levels` deeper (at most level 6), so embedded markdown nests
// under our own headings. Fenced code is left alone.
std::string DemoteHeadings(std::string_view text, int levels) {
  std::string out;
  bool in_fence = false;
  for (const std::string_view line : Lines(text)) {
    if (IsFence(line)) in_fence = !in_fence;
    const int level = in_fence ? 0 : HeadingLevel(line);
    if (level > 0) {
      const std::size_t start = line.find('#');
      out.append(line.substr(0, start));
      out.append(static_cast<std::size_t>(std::min(level + levels, 6)), '#');
      out.append(line.substr(start + static_cast<std::size_t>(level)));
    } else {
      out.append(line);
    }
    out += '\n';
  }
  while (out.ends_with('\n')) out.pop_back();
  return out;
}

// The version a section title names: "[1.2.0] - 2026-01-02", "1.2.0", "v1.2.0 (2026-01-02)".
std::optional<semver::Version> TitleVersion(std::string_view title) {
  title.remove_prefix(std::min(title.find_first_not_of(" \t"), title.size()));
  std::string_view token;
  if (title.starts_with('[')) {
    const std::size_t close = title.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    token = title.substr(1, close - 1);
  } else {
    token = title.substr(0, title.find_first_of(" \t"));
  }
  Expected<semver::Version> version = semver::Version::Parse(token, semver::ParseMode::kLoose);
  if (!version) return std::nullopt;
  return std::move(*version);
}

// type, optional "(scope)", then "!" right before the colon.
bool HasBreakingMark(std::string_view subject) {
  const std::size_t colon = subject.find(':');
  if (colon == std::string_view::npos || colon < 2 || subject[colon - 1] != '!') return false;
  std::string_view prefix = subject.substr(0, colon - 1);
  if (prefix.ends_with(')')) {
    const std::size_t open = prefix.find('(');
    if (open == std::string_view::npos ||
        prefix.find_first_of("()", open + 1) != prefix.size() - 1) {
      return false;
    }
    prefix = prefix.substr(0, open);
  }
  return !prefix.empty() && std::isalpha(static_cast<unsigned char>(prefix.front())) &&
         std::ranges::all_of(
             prefix, [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

std::string ShortId(std::string_view id) {
  return std::string(id.substr(0, 7));
}

bool InRange(const semver::Version& version, const ChangelogInput& input) {
  if (!input.target || version <= input.current || version > *input.target) return false;
  return !version.IsPrerelease() || input.include_prereleases || version == *input.target;
}

void AppendReleaseNotes(const ChangelogInput& input, std::string& out) {
  std::vector<const Release*> shown;
  for (const Release& release : input.releases) {
    if (!release.notes.empty() && InRange(release.version, input) &&
        (!release.prerelease || input.include_prereleases || release.version == *input.target)) {
      shown.push_back(&release);
    }
  }
  if (shown.empty()) return;
  std::ranges::stable_sort(
      shown, [](const Release* a, const Release* b) { return a->version > b->version; });
  out += "## Release notes\n";
  for (const Release* release : shown) {
    out += fmt::format("\n### {}", release->tag);
    if (release->name != release->tag) out += fmt::format(": {}", release->name);
    if (release->published_at)
      out += fmt::format(" ({})", detail::FormatUtc(*release->published_at).substr(0, 10));
    out += fmt::format("\n\n{}\n", DemoteHeadings(release->notes, 2));
  }
}

void AppendChangelogSections(const ChangelogInput& input, std::string& out) {
  std::vector<ChangelogSection> sections = ParseKeepAChangelog(input.changelog_file);
  std::erase_if(sections,
                [&](const ChangelogSection& section) { return !InRange(section.version, input); });
  if (sections.empty()) return;
  std::ranges::stable_sort(sections, [](const ChangelogSection& a, const ChangelogSection& b) {
    return a.version > b.version;
  });
  if (!out.empty()) out += '\n';
  out += "## CHANGELOG.md\n";
  for (const ChangelogSection& section : sections) {
    out += fmt::format("\n### {}\n", section.heading);
    if (!section.body.empty()) out += fmt::format("\n{}\n", DemoteHeadings(section.body, 1));
  }
}

void AppendCommits(const ChangelogInput& input, std::string& out) {
  if (input.commits.empty()) return;
  if (!out.empty()) out += '\n';
  out += "## Commits\n\n";
  const std::size_t listed = std::min(input.commits.size(), kMaxListedCommits);
  for (std::size_t i = 0; i < listed; ++i) {
    const git::CommitInfo& commit = input.commits[i];
    out += fmt::format("- {} ({})\n", commit.subject, ShortId(commit.id));
  }
  if (listed < input.commits.size()) {
    out += fmt::format("- ... and {} more commits\n", input.commits.size() - listed);
  }
}

}  // namespace

std::vector<ChangelogSection> ParseKeepAChangelog(std::string_view text) {
  std::vector<ChangelogSection> sections;
  std::vector<std::string_view> body;
  bool open = false;
  const auto close = [&] {
    if (!open) return;
    while (!body.empty() && (IsBlank(body.back()) || IsLinkReference(body.back()))) {
      body.pop_back();
    }
    sections.back().body = JoinTrimmed(body);
    body.clear();
    open = false;
  };
  bool in_fence = false;
  for (const std::string_view line : Lines(text)) {
    if (IsFence(line)) in_fence = !in_fence;
    const int level = in_fence ? 0 : HeadingLevel(line);
    if (level == 1 || level == 2) {
      close();
      if (level == 2) {
        std::string_view title = line.substr(line.find('#') + 2);  // after "##"
        title.remove_prefix(std::min(title.find_first_not_of(" \t"), title.size()));
        title = title.substr(0, title.find_last_not_of(" \t") + 1);
        if (std::optional<semver::Version> version = TitleVersion(title)) {
          sections.push_back({std::move(*version), std::string(title), {}});
          open = true;
        }
      }
      continue;
    }
    if (open) body.push_back(line);
  }
  close();
  return sections;
}

bool IsBreakingCommit(std::string_view subject, std::string_view body) {
  if (HasBreakingMark(subject)) return true;
  return std::ranges::any_of(Lines(body), [](std::string_view line) {
    return line.starts_with("BREAKING CHANGE:") || line.starts_with("BREAKING-CHANGE:");
  });
}

Changelog AssembleChangelog(const ChangelogInput& input) {
  Changelog changelog;
  AppendReleaseNotes(input, changelog.markdown);
  AppendChangelogSections(input, changelog.markdown);
  AppendCommits(input, changelog.markdown);
  while (changelog.markdown.ends_with('\n')) changelog.markdown.pop_back();

  if (input.target && semver::IsBreaking(input.current, *input.target)) {
    changelog.breaking = true;
    changelog.breaking_reasons.push_back(fmt::format("{} -> {} is a breaking version change",
                                                     input.current.ToString(),
                                                     input.target->ToString()));
  }
  std::size_t breaking_commits = 0;
  for (const git::CommitInfo& commit : input.commits) {
    if (!IsBreakingCommit(commit.subject, commit.body)) continue;
    changelog.breaking = true;
    if (++breaking_commits <= kMaxBreakingReasons) {
      changelog.breaking_reasons.push_back(
          fmt::format("commit {} marks a breaking change: {}", ShortId(commit.id), commit.subject));
    }
  }
  if (breaking_commits > kMaxBreakingReasons) {
    changelog.breaking_reasons.push_back(
        fmt::format("... and {} more breaking commits", breaking_commits - kMaxBreakingReasons));
  }
  return changelog;
}

}  // namespace galaos::release
