#include <gtest/gtest.h>

#include <string>

#include "backup/Manifest.h"

namespace galaos::backup {
namespace {

const std::string kHash(64, 'a');

Manifest Sample() {
  Manifest manifest;
  manifest.id = "bk-20261126-201751-0000abcd";
  manifest.created_at = "2026-11-26T20:17:51.000Z";
  manifest.version = "1.2.3";
  manifest.commit = "abc";
  manifest.branch = "main";
  manifest.tools = {{"node", "v20.11.1"}};
  manifest.globs = {"**/.env*"};
  manifest.files = {{.path = "apps/web/.env.local",
                     .size = 5,
                     .mode = 0640,
                     .uid = 1000,
                     .gid = 100,
                     .sha256 = kHash}};
  manifest.skipped = {{".env.link", "symbolic link (never followed)"}};
  manifest.database = ManifestDatabase{.kind = DatabaseKind::kPostgres,
                                       .file = "database.dump",
                                       .size = 10,
                                       .sha256 = kHash,
                                       .source = "postgresql://app@db/app"};
  return manifest;
}

TEST(ManifestTest, RoundTripsThroughJson) {
  const Manifest manifest = Sample();
  const std::string json = ToJson(manifest);
  EXPECT_NE(json.find("\"mode\": \"0640\""), std::string::npos) << json;
  auto parsed = ParseManifest(json);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(*parsed, manifest);
}

TEST(ManifestTest, UnsafePathsAndBadFieldsAreCorrupt) {
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"apps/web/.env.local", "../../etc/passwd"},
      {"apps/web/.env.local", "/etc/passwd"},
      {"apps/web/.env.local", "apps/./.env"},
      {"\"0640\"", "\"0999\""},
      {"\"database.dump\"", "\"../database.dump\""},
      {"\"format_version\": 1", "\"format_version\": 2"},
      {std::string(64, 'a'), std::string(63, 'a') + "Z"},
      {"\"version\": \"1.2.3\"", "\"version\": 7"},
  };
  const std::string json = ToJson(Sample());
  for (const auto& [from, to] : edits) {
    std::string edited = json;
    const auto at = edited.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    edited.replace(at, from.size(), to);
    auto parsed = ParseManifest(edited);
    ASSERT_FALSE(parsed) << to;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kCorrupt) << to;
  }
  EXPECT_FALSE(ParseManifest("{not json"));
}

}  // namespace
}  // namespace galaos::backup
