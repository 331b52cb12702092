// Shared by the config tests: a private temporary directory to write config files into, and
// LoadOptions that read nothing from the real environment or /etc.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/Config.h"
#include "core/AtomicFile.h"
#include "core/TempDir.h"

namespace galaos::config::testing {

using Variables = std::map<std::string, std::string, std::less<>>;

class ConfigTest : public ::testing::Test {
 protected:
  std::filesystem::path Write(const std::filesystem::path& relative, std::string_view text) {
    std::filesystem::path path = dir_.path() / relative;
    std::filesystem::create_directories(path.parent_path());
    EXPECT_TRUE(core::WriteFileAtomic(path, text).has_value());
    return path;
  }

  // No file unless `config_path` is given; the default path does not exist.
  LoadOptions Options(Variables variables = {}, std::vector<std::string> overrides = {},
                      std::filesystem::path config_path = {}) const {
    LoadOptions options;
    options.config_path = std::move(config_path);
    options.default_config_path = dir_.path() / "absent" / "config.toml";
    options.environment = FixedEnvironment(std::move(variables));
    options.overrides = std::move(overrides);
    options.working_directory = dir_.path();
    return options;
  }

  // Loads `toml` from a file named config.toml; fails the test on an error.
  Config LoadToml(std::string_view toml, Variables variables = {},
                  std::vector<std::string> overrides = {}) {
    Expected<Config> config =
        Load(Options(std::move(variables), std::move(overrides), Write("config.toml", toml)));
    EXPECT_TRUE(config.has_value()) << config.error().message();
    return config.value_or(Config{});
  }

  // The error lines of loading `toml`, with this test's directory shown as "DIR".
  std::vector<std::string> ErrorsOf(std::string_view toml, Variables variables = {},
                                    std::vector<std::string> overrides = {}) {
    return ErrorLines(
        Load(Options(std::move(variables), std::move(overrides), Write("config.toml", toml))));
  }

  std::vector<std::string> ErrorLines(const Expected<Config>& result) const {
    EXPECT_FALSE(result.has_value()) << "loaded although invalid";
    if (result.has_value()) return {};
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
    std::string text = result.error().message();
    for (std::size_t at = text.find(dir_.path().string()); at != std::string::npos;
         at = text.find(dir_.path().string())) {
      text.replace(at, dir_.path().string().size(), "DIR");
    }
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = std::min(text.find('\n', start), text.size());
      lines.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return lines;
  }

  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  core::TempDir dir_ = core::TempDir::Create("galaos-config-test-").value();
};

}  // namespace galaos::config::testing
