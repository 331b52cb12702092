#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/AtomicFile.h"
#include "core/TempDir.h"

namespace galaos::core {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("galaos-atomic-test-");
    ASSERT_TRUE(dir.has_value()) << dir.error().message();
    dir_.emplace(std::move(*dir));
  }
  const std::filesystem::path& dir() const { return dir_->path(); }

  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir())) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::optional<TempDir> dir_;
};

TEST_F(AtomicFileTest, NothingIsVisibleWithoutCommit) {
  std::filesystem::path target = dir() / "state.json";
  {
    auto file = AtomicFile::Create(target);
    ASSERT_TRUE(file.has_value()) << file.error().message();
    ASSERT_TRUE(file->Write("half written").has_value());
    EXPECT_FALSE(std::filesystem::exists(target));
  }
  EXPECT_FALSE(std::filesystem::exists(target));
  EXPECT_TRUE(Entries().empty()) << "temp file left behind";
}

TEST_F(AtomicFileTest, AbandonedWriteKeepsTheOldContent) {
  std::filesystem::path target = dir() / "state.json";
  ASSERT_TRUE(WriteFileAtomic(target, "old").has_value());
  {
    auto file = AtomicFile::Create(target);
    ASSERT_TRUE(file.has_value()) << file.error().message();
    ASSERT_TRUE(file->Write("new").has_value());
  }
  EXPECT_EQ(ReadFile(target).value(), "old");
  EXPECT_EQ(Entries(), std::vector<std::string>{"state.json"});
}

TEST_F(AtomicFileTest, CommitReplacesTheContentAndLeavesNoTempFile) {
  std::filesystem::path target = dir() / "state.json";
  ASSERT_TRUE(WriteFileAtomic(target, "old content that is longer").has_value());
  auto file = AtomicFile::Create(target);
  ASSERT_TRUE(file.has_value()) << file.error().message();
  ASSERT_TRUE(file->Write("new ").has_value());
  ASSERT_TRUE(file->Write("content").has_value());
  EXPECT_EQ(ReadFile(target).value(), "old content that is longer");
  auto committed = file->Commit();
  ASSERT_TRUE(committed.has_value()) << committed.error().message();
  EXPECT_EQ(ReadFile(target).value(), "new content");
  EXPECT_EQ(Entries(), std::vector<std::string>{"state.json"});
}

TEST_F(AtomicFileTest, ModeBitsAreApplied) {
  for (mode_t mode : {0600, 0640, 0755}) {
    std::filesystem::path target = dir() / ("file-" + std::to_string(mode));
    ASSERT_TRUE(WriteFileAtomic(target, "x", mode).has_value());
    struct stat info {};
    ASSERT_EQ(::stat(target.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, mode) << std::oct << mode;
  }
}

TEST_F(AtomicFileTest, BinaryContentSurvivesTheRoundTrip) {
  std::string data("a\0b\n\xff", 5);
  ASSERT_TRUE(WriteFileAtomic(dir() / "blob", data).has_value());
  EXPECT_EQ(ReadFile(dir() / "blob").value(), data);
}

TEST_F(AtomicFileTest, WriteIntoAMissingDirectoryIsIoErrorNamingTheTarget) {
  std::filesystem::path target = dir() / "missing" / "state.json";
  auto file = AtomicFile::Create(target);
  ASSERT_FALSE(file.has_value());
  EXPECT_EQ(file.error().code(), ErrorCode::kIo);
  EXPECT_NE(file.error().message().find(target.string()), std::string::npos)
      << file.error().message();
  auto written = WriteFileAtomic(target, "x");
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().code(), ErrorCode::kIo);
}

TEST_F(AtomicFileTest, CommitTwiceAndWriteAfterCommitFail) {
  auto file = AtomicFile::Create(dir() / "once");
  ASSERT_TRUE(file.has_value()) << file.error().message();
  ASSERT_TRUE(file->Commit().has_value());
  EXPECT_FALSE(file->Commit().has_value());
  EXPECT_FALSE(file->Write("late").has_value());
  EXPECT_EQ(ReadFile(dir() / "once").value(), "");
}

TEST_F(AtomicFileTest, MovedFileCommitsThroughItsNewOwner) {
  auto created = AtomicFile::Create(dir() / "moved");
  ASSERT_TRUE(created.has_value()) << created.error().message();
  AtomicFile file = std::move(*created);
  ASSERT_TRUE(file.Write("via move").has_value());
  ASSERT_TRUE(file.Commit().has_value());
  EXPECT_EQ(ReadFile(dir() / "moved").value(), "via move");
  EXPECT_EQ(Entries(), std::vector<std::string>{"moved"});
}

TEST_F(AtomicFileTest, MoveAssignmentDropsTheOverwrittenTempFile) {
  auto first = AtomicFile::Create(dir() / "first-target-with-a-long-name");
  auto second = AtomicFile::Create(dir() / "second-target-with-a-long-name");
  ASSERT_TRUE(first.has_value() && second.has_value());
  *first = std::move(*second);
  ASSERT_TRUE(first->Write("second").has_value());
  ASSERT_TRUE(first->Commit().has_value());
  EXPECT_EQ(Entries(), std::vector<std::string>{"second-target-with-a-long-name"});
}

TEST_F(AtomicFileTest, ReadingAMissingFileIsIoError) {
  auto content = ReadFile(dir() / "absent");
  ASSERT_FALSE(content.has_value());
  EXPECT_EQ(content.error().code(), ErrorCode::kIo);
  EXPECT_NE(content.error().message().find("absent"), std::string::npos);
}

TEST_F(AtomicFileTest, FsyncOfAMissingDirectoryIsIoError) {
  auto synced = FsyncDirectory(dir() / "absent");
  ASSERT_FALSE(synced.has_value());
  EXPECT_EQ(synced.error().code(), ErrorCode::kIo);
}

}  // namespace
}  // namespace galaos::core
