#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backup/Glob.h"

namespace galaos::backup {
namespace {

struct GlobCase {
  std::string pattern;
  std::string path;
  bool matches;
};

TEST(GlobTest, MatchesSegmentsStarsAndDoubleStarsAsDocumented) {
  const std::vector<GlobCase> cases = {
      {"package.json", "package.json", true},
      {"package.json", "apps/web/package.json", false},  // no `**`: top level only
      {".env*", ".env", true},
      {".env*", ".env.production", true},
      {".env*", "apps/web/.env.local", false},
      {"**/.env*", "apps/web/.env.local", true},
      {"**/.env*", ".env.local", true},  // `**` matches zero segments
      {"**/docker-compose*.yml", "docker-compose.yml", true},
      {"**/docker-compose*.yml", "deploy/docker-compose.yml", true},
      {"**/docker-compose*.yml", "deploy/prod/eu/docker-compose.override.yml", true},
      {"**/docker-compose*.yml", "deploy/docker-compose.yaml", false},
      {"**/docker-compose*.yml", "deploy/docker-compose.yml/extra", false},
      {"deploy/*.yml", "deploy/a.yml", true},
      {"deploy/*.yml", "deploy/sub/a.yml", false},  // `*` stays within a segment
      {"deploy/**", "deploy/sub/a.yml", true},
      {"deploy/**/a.yml", "deploy/a.yml", true},
      {"deploy/**/a.yml", "deploy/x/y/a.yml", true},
      {"deploy/**/a.yml", "other/x/a.yml", false},
      {"**/**/a.yml", "a.yml", true},
      {"config.?s", "config.js", true},
      {"config.?s", "config.ts", true},
      {"config.?s", "config.mjs", false},
      {"*.lock", "yarn.lock", true},
      {"*.lock", ".lock", true},  // `*` matches a leading dot too
      {"*a*b*c", "xaybzc", true},
      {"*a*b*c", "xaybzcd", false},
      {"a**b", "axxb", true},  // `**` inside a segment is a plain `*`
  };
  for (const GlobCase& test : cases) {
    auto glob = Glob::Parse(test.pattern);
    ASSERT_TRUE(glob) << glob.error().message();
    EXPECT_EQ(glob->Matches(test.path), test.matches) << test.pattern << " vs " << test.path;
  }
}

TEST(GlobTest, RejectsPatternsThatCouldLeaveTheAppRoot) {
  for (const std::string pattern : {"", "/etc/passwd", "../secrets", "a/../b", "./a", "a//b"}) {
    auto glob = Glob::Parse(pattern);
    ASSERT_FALSE(glob) << pattern;
    EXPECT_EQ(glob.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(glob.error().message().find("critical-file glob"), std::string::npos);
  }
}

}  // namespace
}  // namespace galaos::backup
