#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.h"
#include "release/Changelog.h"

namespace galaos::release {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Value;

semver::Version V(std::string_view text) {
  return Value(semver::Version::Parse(text));
}

Release WithNotes(std::string_view tag, std::string notes, bool prerelease = false) {
  Release release;
  release.tag = std::string(tag);
  release.version = Value(semver::Version::Parse(tag, semver::ParseMode::kLoose));
  release.name = release.tag;
  release.notes = std::move(notes);
  release.prerelease = prerelease;
  return release;
}

git::CommitInfo Commit(std::string id, std::string subject, std::string body = "") {
  git::CommitInfo commit;
  commit.id = std::move(id);
  commit.subject = std::move(subject);
  commit.body = std::move(body);
  return commit;
}

TEST(ParseKeepAChangelogTest, ReadsBracketedPlainAndPrefixedVersionHeadings) {
  const auto sections = ParseKeepAChangelog(
      "# Changelog\n\n## [1.2.0] - 2026-01-02\n- c\n\n## 1.1.0\n- b\n\n## v1.0.0 (2025-12-01)\n- "
      "a\n");
  ASSERT_EQ(sections.size(), 3u);
  EXPECT_EQ(sections[0].version, V("1.2.0"));
  EXPECT_EQ(sections[0].heading, "[1.2.0] - 2026-01-02");
  EXPECT_EQ(sections[0].body, "- c");
  EXPECT_EQ(sections[1].version, V("1.1.0"));
  EXPECT_EQ(sections[1].body, "- b");
  EXPECT_EQ(sections[2].version, V("1.0.0"));
  EXPECT_EQ(sections[2].heading, "v1.0.0 (2025-12-01)");
}

TEST(ParseKeepAChangelogTest, UnreleasedIsNoSectionAndEndsThePreviousOne) {
  const auto sections =
      ParseKeepAChangelog("## [1.0.0]\n- shipped\n## [Unreleased]\n- not yet\n## Notes\n- misc\n");
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].body, "- shipped");
}

TEST(ParseKeepAChangelogTest, KeepsSubsectionsAndDropsTrailingLinkReferences) {
  const auto sections = ParseKeepAChangelog(
      "## [1.1.0] - 2026-01-02\n\n### Added\n\n- Search.\n\n### Fixed\n\n- Crash.\n\n"
      "[1.1.0]: https://example.org/compare/v1.0.0...v1.1.0\n"
      "[1.0.0]: https://example.org/releases/v1.0.0\n");
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].body, "### Added\n\n- Search.\n\n### Fixed\n\n- Crash.");
}

TEST(ParseKeepAChangelogTest, HeadingsInsideCodeFencesDoNotStartSections) {
  const auto sections = ParseKeepAChangelog("## 1.0.0\n```\n## 9.9.9\n```\nafter the fence\n");
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].body, "```\n## 9.9.9\n```\nafter the fence");
}

struct BreakingCase {
  const char* subject;
  const char* body;
  bool breaking;
};

TEST(IsBreakingCommitTest, DetectsConventionalCommitBreakingMarks) {
  const std::vector<BreakingCase> cases = {
      {"feat!: drop node 16", "", true},
      {"fix(api)!: rename the endpoint", "", true},
      {"refactor(core-io)!: new layout", "", true},
      {"feat: new option", "Details.\n\nBREAKING CHANGE: the old option is gone", true},
      {"feat: new option", "BREAKING-CHANGE: the old option is gone", true},
      {"feat: new option", "", false},
      {"feat: use ! sparingly", "", false},
      {"fix(api): be loud!", "", false},
      {"Revert \"feat!: drop node 16\"", "", false},
      {"!: nothing before the mark", "", false},
      {"feat(api!: unbalanced", "", false},
      {"feat: new option", "this mentions a breaking change: in prose", false},
      {"feat: new option", "Not a footer: BREAKING CHANGE: inside a line", false},
  };
  for (const BreakingCase& c : cases) {
    EXPECT_EQ(IsBreakingCommit(c.subject, c.body), c.breaking)
        << "subject: " << c.subject << "\nbody: " << c.body;
  }
}

TEST(AssembleChangelogTest, ShowsReleaseNotesOnlyOfVersionsAfterCurrentUpToTarget) {
  ChangelogInput input;
  input.current = V("1.0.0");
  input.target = V("1.2.0");
  input.releases = {WithNotes("v2.0.0", "notes 2.0.0"), WithNotes("v1.2.0", "notes 1.2.0"),
                    WithNotes("v1.1.0", "notes 1.1.0"), WithNotes("v1.0.0", "notes 1.0.0")};
  const std::string markdown = AssembleChangelog(input).markdown;
  EXPECT_THAT(markdown, HasSubstr("## Release notes"));
  EXPECT_THAT(markdown, HasSubstr("### v1.2.0\n\nnotes 1.2.0"));
  EXPECT_THAT(markdown, HasSubstr("### v1.1.0\n\nnotes 1.1.0"));
  EXPECT_LT(markdown.find("notes 1.2.0"), markdown.find("notes 1.1.0"));  // newest first
  EXPECT_THAT(markdown, Not(HasSubstr("notes 1.0.0")));
  EXPECT_THAT(markdown, Not(HasSubstr("notes 2.0.0")));
}

TEST(AssembleChangelogTest, PrereleaseNotesShowOnlyWhenIncludedOrTheTarget) {
  ChangelogInput input;
  input.current = V("1.0.0");
  input.target = V("1.1.0");
  input.releases = {WithNotes("v1.1.0", "final notes"),
                    WithNotes("v1.1.0-rc.1", "candidate notes", true)};
  EXPECT_THAT(AssembleChangelog(input).markdown, Not(HasSubstr("candidate notes")));
  input.include_prereleases = true;
  EXPECT_THAT(AssembleChangelog(input).markdown, HasSubstr("candidate notes"));
  input.include_prereleases = false;
  input.target = V("1.1.0-rc.1");
  EXPECT_THAT(AssembleChangelog(input).markdown, HasSubstr("candidate notes"));
}

TEST(AssembleChangelogTest, JoinsNotesChangelogSectionsAndCommitsWithNestedHeadings) {
  ChangelogInput input;
  input.current = V("1.0.0");
  input.target = V("1.1.0");
  input.releases = {WithNotes("v1.1.0", "## What's Changed\n```\n## not a heading\n```")};
  input.changelog_file = "## [1.1.0] - 2026-01-02\n### Added\n- Search.\n## [1.0.0]\n- Old.\n";
  input.commits = {Commit("0123456789abcdef0123456789abcdef01234567", "feat: add search")};
  const std::string markdown = AssembleChangelog(input).markdown;
  EXPECT_EQ(markdown,
            "## Release notes\n"
            "\n"
            "### v1.1.0\n"
            "\n"
            "#### What's Changed\n"
            "```\n"
            "## not a heading\n"
            "```\n"
            "\n"
            "## CHANGELOG.md\n"
            "\n"
            "### [1.1.0] - 2026-01-02\n"
            "\n"
            "#### Added\n"
            "- Search.\n"
            "\n"
            "## Commits\n"
            "\n"
            "- feat: add search (0123456)");
}

TEST(AssembleChangelogTest, ListsAtMostTheCommitLimitButCountsTheRest) {
  ChangelogInput input;
  input.current = V("1.0.0");
  input.target = V("1.1.0");
  for (std::size_t i = 0; i < kMaxListedCommits + 50; ++i) {
    input.commits.push_back(Commit(std::string(40, 'a'), "chore: commit " + std::to_string(i)));
  }
  const std::string markdown = AssembleChangelog(input).markdown;
  EXPECT_THAT(markdown, HasSubstr("- chore: commit 199 (aaaaaaa)"));
  EXPECT_THAT(markdown, Not(HasSubstr("chore: commit 200 ")));
  EXPECT_THAT(markdown, HasSubstr("- ... and 50 more commits"));
}

TEST(AssembleChangelogTest, BreakingForMajorBumpsZeroMinorBumpsAndMarkedCommits) {
  ChangelogInput input;
  input.current = V("1.4.0");
  input.target = V("1.9.0");
  input.commits = {Commit(std::string(40, 'b'), "feat: compatible")};
  EXPECT_FALSE(AssembleChangelog(input).breaking);

  input.target = V("2.0.0");
  Changelog major = AssembleChangelog(input);
  EXPECT_TRUE(major.breaking);
  EXPECT_THAT(major.breaking_reasons,
              ::testing::ElementsAre("1.4.0 -> 2.0.0 is a breaking version change"));

  input.current = V("0.2.0");
  input.target = V("0.3.0");
  EXPECT_TRUE(AssembleChangelog(input).breaking);

  input.current = V("1.4.0");
  input.target = V("1.5.0");
  input.commits.push_back(Commit("c0ffee0000000000000000000000000000000000", "fix(api)!: rename"));
  Changelog marked = AssembleChangelog(input);
  EXPECT_TRUE(marked.breaking);
  EXPECT_THAT(marked.breaking_reasons,
              ::testing::ElementsAre("commit c0ffee0 marks a breaking change: fix(api)!: rename"));
}

}  // namespace
}  // namespace galaos::release
