#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <optional>

#include "core/TempDir.h"

namespace galaos::core {
namespace {

TEST(TempDirTest, CreatesAPrivateDirectoryNamedWithThePrefix) {
  auto dir = TempDir::Create("galaos-tempdir-test-");
  ASSERT_TRUE(dir.has_value()) << dir.error().message();
  EXPECT_TRUE(std::filesystem::is_directory(dir->path()));
  EXPECT_TRUE(dir->path().filename().string().starts_with("galaos-tempdir-test-"));
  struct stat info {};
  ASSERT_EQ(::stat(dir->path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
}

TEST(TempDirTest, TwoDirectoriesAreDistinct) {
  auto first = TempDir::Create();
  auto second = TempDir::Create();
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_NE(first->path(), second->path());
}

TEST(TempDirTest, DestructionRemovesTheDirectoryWithItsContents) {
  std::filesystem::path path;
  {
    auto dir = TempDir::Create();
    ASSERT_TRUE(dir.has_value()) << dir.error().message();
    path = dir->path();
    std::filesystem::create_directories(path / "a" / "b");
    std::ofstream(path / "a" / "b" / "file") << "content";
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(TempDirTest, ReleaseKeepsTheDirectory) {
  std::filesystem::path kept;
  {
    auto dir = TempDir::Create();
    ASSERT_TRUE(dir.has_value()) << dir.error().message();
    kept = dir->Release();
    EXPECT_TRUE(dir->path().empty());
  }
  EXPECT_TRUE(std::filesystem::is_directory(kept));
  std::filesystem::remove_all(kept);
}

TEST(TempDirTest, CreatedUnderTheGivenParent) {
  auto parent = TempDir::Create();
  ASSERT_TRUE(parent.has_value()) << parent.error().message();
  auto child = TempDir::Create("inner-", parent->path());
  ASSERT_TRUE(child.has_value()) << child.error().message();
  EXPECT_EQ(child->path().parent_path(), parent->path());
}

TEST(TempDirTest, MissingParentIsIoErrorNamingIt) {
  auto parent = TempDir::Create();
  ASSERT_TRUE(parent.has_value()) << parent.error().message();
  auto child = TempDir::Create("inner-", parent->path() / "missing");
  ASSERT_FALSE(child.has_value());
  EXPECT_EQ(child.error().code(), ErrorCode::kIo);
  EXPECT_NE(child.error().message().find("missing"), std::string::npos);
}

TEST(TempDirTest, MoveTransfersOwnership) {
  auto created = TempDir::Create();
  ASSERT_TRUE(created.has_value()) << created.error().message();
  std::filesystem::path path = created->path();
  {
    TempDir owner = std::move(*created);
    { TempDir emptied = std::move(*created); }  // owns nothing: must remove nothing
    EXPECT_TRUE(std::filesystem::is_directory(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(TempDirTest, MoveAssignmentRemovesTheOverwrittenDirectory) {
  auto first = TempDir::Create();
  auto second = TempDir::Create();
  ASSERT_TRUE(first.has_value() && second.has_value());
  std::filesystem::path first_path = first->path();
  std::filesystem::path second_path = second->path();
  *first = std::move(*second);
  EXPECT_FALSE(std::filesystem::exists(first_path));
  EXPECT_EQ(first->path(), second_path);
  EXPECT_TRUE(std::filesystem::is_directory(second_path));
}

}  // namespace
}  // namespace galaos::core
