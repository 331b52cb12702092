#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/AtomicFile.h"
#include "core/Log.h"
#include "core/TempDir.h"

namespace galaos::core {
namespace {

// Sends fd 2 to a file while alive; Finish() restores it and returns what was written.
class StderrCapture {
 public:
  explicit StderrCapture(const std::filesystem::path& file) : file_(file) {
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    std::FILE* target = std::fopen(file.c_str(), "w");
    ::dup2(::fileno(target), STDERR_FILENO);
    std::fclose(target);
  }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  ~StderrCapture() { Restore(); }

  std::vector<std::string> Finish() {
    Restore();
    std::istringstream text(ReadFile(file_).value_or(""));
    std::vector<std::string> lines;
    for (std::string line; std::getline(text, line);) lines.push_back(line);
    return lines;
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    spdlog::default_logger()->flush();
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }

  std::filesystem::path file_;
  int saved_ = -1;
};

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    auto dir = TempDir::Create("galaos-log-test-");
    ASSERT_TRUE(dir.has_value()) << dir.error().message();
    dir_.emplace(std::move(*dir));
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }
  std::filesystem::path CaptureFile() const { return dir_->path() / "stderr"; }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::optional<TempDir> dir_;
};

TEST(LogParseTest, FormatsAreParsed) {
  EXPECT_EQ(ParseLogFormat("text").value(), LogFormat::kText);
  EXPECT_EQ(ParseLogFormat("json").value(), LogFormat::kJson);
  auto bad = ParseLogFormat("xml");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("'xml'"), std::string::npos);
}

TEST(LogParseTest, LevelsAreParsed) {
  EXPECT_EQ(ParseLogLevel("trace").value(), LogLevel::kTrace);
  EXPECT_EQ(ParseLogLevel("debug").value(), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("info").value(), LogLevel::kInfo);
  EXPECT_EQ(ParseLogLevel("warn").value(), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("error").value(), LogLevel::kError);
  EXPECT_EQ(ParseLogLevel("off").value(), LogLevel::kOff);
  auto bad = ParseLogLevel("INFO");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(LogTest, JsonFormatWritesOneParsableObjectPerLine) {
  StderrCapture capture(CaptureFile());
  InitLogging(LogFormat::kJson, LogLevel::kInfo);
  spdlog::info("update {} \"quoted\"\nsecond line", "tx-1");
  spdlog::warn("disk low");
  std::vector<std::string> lines = capture.Finish();
  ASSERT_EQ(lines.size(), 2u);
  auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first.at("level"), "info");
  EXPECT_EQ(first.at("msg"), "update tx-1 \"quoted\"\nsecond line");
  EXPECT_TRUE(std::regex_match(first.at("time").get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << first.at("time");
  EXPECT_EQ(nlohmann::json::parse(lines[1]).at("level"), "warning");
}

TEST_F(LogTest, TextFormatWritesLevelTimeAndMessage) {
  StderrCapture capture(CaptureFile());
  InitLogging(LogFormat::kText, LogLevel::kInfo);
  spdlog::info("hello {}", 42);
  std::vector<std::string> lines = capture.Finish();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(I \d\d:\d\d:\d\d\.\d{3} hello 42)")))
      << lines[0];
}

TEST_F(LogTest, MessagesBelowTheLevelAreDropped) {
  StderrCapture capture(CaptureFile());
  InitLogging(LogFormat::kJson, LogLevel::kWarn);
  spdlog::info("dropped");
  spdlog::error("kept");
  std::vector<std::string> lines = capture.Finish();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(lines[0]).at("msg"), "kept");
}

}  // namespace
}  // namespace galaos::core
