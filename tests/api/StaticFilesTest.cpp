// StaticFiles on a real directory: content types, caching, and every way out of the root.
#include <gtest/gtest.h>

#include "api/StaticFiles.h"
#include "core/AtomicFile.h"
#include "core/TempDir.h"
#include "support/Assertions.h"

namespace galaos::api {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(core::TempDir dir, core::TempDir::Create("static-files"));
    dir_ = std::make_unique<core::TempDir>(std::move(dir));
    fs::create_directories(web() / "views");
    Write(web() / "index.html", "<!doctype html>");
    Write(web() / "app.js", "export {};");
    Write(web() / "style.css", "body {}");
    Write(web() / "views" / "history.js", "export {};");
    Write(web() / ".env", "SECRET=1");
    Write(dir_->path() / "secret.txt", "outside");
    Write(dir_->path() / "web-sibling.txt", "sibling");
  }

  fs::path web() const { return dir_->path() / "web"; }
  static void Write(const fs::path& path, const std::string& text) {
    ASSERT_TRUE(core::WriteFileAtomic(path, text).has_value());
  }

  std::unique_ptr<core::TempDir> dir_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirContentTypeAndTheIndexAtTheRoot) {
  StaticFiles files(web());
  HttpReply index = files.Get("/", "");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html>");
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(files.Get("/app.js", "").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(files.Get("/style.css", "").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(files.Get("/views/history.js", "").body, "export {};");
  EXPECT_EQ(ContentTypeFor("logo.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("data.bin"), "application/octet-stream");
}

TEST_F(StaticFilesTest, RepliesCarryAnETagAndAMatchingIfNoneMatchGets304) {
  StaticFiles files(web());
  HttpReply first = files.Get("/app.js", "");
  auto header = [](const HttpReply& reply, std::string_view name) {
    for (const auto& [key, value] : reply.headers) {
      if (key == name) return value;
    }
    return std::string();
  };
  const std::string etag = header(first, "ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(header(first, "Cache-Control"), "no-cache");
  HttpReply again = files.Get("/app.js", etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(files.Get("/app.js", "\"other\"").status, 200);
}

TEST_F(StaticFilesTest, NoDirectoryListingNoDotFilesAndNoWayOutOfTheRoot) {
  fs::create_symlink(dir_->path() / "secret.txt", web() / "link.txt");
  fs::create_symlink(dir_->path(), web() / "up");
  StaticFiles files(web());
  for (std::string_view path :
       {"/views", "/views/", "/.env", "/../secret.txt", "/views/../../secret.txt", "/./app.js",
        "//app.js", "/..", "/link.txt", "/up/secret.txt", "/../web-sibling.txt",
        "/views\\..\\app.js", "app.js", "", "/missing.js"}) {
    HttpReply reply = files.Get(path, "");
    EXPECT_EQ(reply.status, 404) << path;
    EXPECT_EQ(reply.body, "not found\n") << path;
  }
}

TEST_F(StaticFilesTest, TheConfiguredWebRootIsUsedWhenItHasAnIndex) {
  EXPECT_EQ(FindWebRoot(web()), web());
  EXPECT_EQ(FindWebRoot(web() / "views"), std::nullopt);
}

}  // namespace
}  // namespace galaos::api
