// The documentation and the example file stay true to the schema.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "ConfigTestSupport.h"

namespace galaos::config {
namespace {

using testing::ConfigTest;
using ::testing::HasSubstr;

const std::filesystem::path kSourceDir = GALAOS_SOURCE_DIR;

std::string ReadSource(const std::filesystem::path& relative) {
  Expected<std::string> text = core::ReadFile(kSourceDir / relative);
  EXPECT_TRUE(text.has_value()) << text.error().message();
  return text.value_or("");
}

// "a.b.c" for every scalar or array leaf of a JSON object.
void Flatten(const nlohmann::json& json, const std::string& prefix, std::set<std::string>& keys) {
  for (const auto& [key, value] : json.items()) {
    if (value.is_object()) {
      Flatten(value, prefix + key + ".", keys);
    } else {
      keys.insert(prefix + key);
    }
  }
}

class ConfigDocsTest : public ConfigTest {};

TEST_F(ConfigDocsTest, KeysListsEveryKeyThatShowPrints) {
  std::set<std::string> shown;
  Flatten(nlohmann::json::parse(ShowJson(Load(Options()).value())), "", shown);
  std::set<std::string> listed;
  for (const KeyInfo& info : Keys()) listed.insert(info.key);
  for (const std::string& key : shown) EXPECT_TRUE(listed.contains(key)) << key;
}

TEST_F(ConfigDocsTest, ConfigMdDocumentsEveryKeyWithItsDefaultAndVariable) {
  std::string doc = ReadSource("docs/CONFIG.md");
  for (const KeyInfo& info : Keys()) {
    // A table row whose first cell is the key.
    std::size_t row_start = doc.find("\n| `" + info.key + "` |");
    ASSERT_NE(row_start, std::string::npos) << info.key << " has no row in docs/CONFIG.md";
    ++row_start;
    std::string row = doc.substr(row_start, doc.find('\n', row_start) - row_start);
    EXPECT_THAT(row, HasSubstr(info.default_value)) << info.key << ": default";
    if (!info.environment.empty()) {
      EXPECT_THAT(row, HasSubstr("`" + info.environment + "`")) << info.key << ": variable";
    }
  }
  EXPECT_THAT(doc, HasSubstr("`GALAOS_UPDATER_CONFIG`"));
  EXPECT_THAT(doc, HasSubstr(std::string(kDefaultConfigPath)));
}

TEST_F(ConfigDocsTest, ConfigMdQuotesTheExampleFileAsItIs) {
  EXPECT_THAT(ReadSource("docs/CONFIG.md"),
              HasSubstr("```toml\n" + ReadSource("config/galaos-updater.example.toml") + "```"));
}

TEST_F(ConfigDocsTest, ExampleFileLoadsAndSetsWhatItShows) {
  LoadOptions options = Options({}, {}, kSourceDir / "config" / "galaos-updater.example.toml");
  Expected<Config> loaded = Load(options);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  // Not just defaults: the example exercises sections a reader will copy.
  EXPECT_NE(loaded->github.repo, "");
  EXPECT_FALSE(loaded->health.checks.empty());
  EXPECT_NE(loaded->notify.webhook.url, "");
  EXPECT_NE(*loaded, Load(Options()).value());
}

}  // namespace
}  // namespace galaos::config
