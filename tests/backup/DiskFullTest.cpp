// A full disk while writing a backup. The backup directory is a real 256 KiB tmpfs (mounting
// needs root, which CI has): writes fail with ENOSPC exactly as on a full disk. A second test
// lowers RLIMIT_FSIZE so writes fail with EFBIG, which must take the same path.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <string>

#include "BackupTestSupport.h"

namespace galaos::backup::testing {
namespace {

// Lowers this process's file-size limit until destruction; SIGXFSZ is ignored meanwhile so
// that an oversized write fails with EFBIG instead of killing the process.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    const rlimit lowered{bytes, old_.rlim_max};
    ::setrlimit(RLIMIT_FSIZE, &lowered);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = SIG_DFL;
};

class DiskFullTest : public BackupTest {
 protected:
  void ExpectAbortedCleanly(const Expected<store::BackupRecord>& created,
                            const std::string& message) {
    ASSERT_FALSE(created) << "the backup should not fit";
    EXPECT_EQ(created.error().code(), ErrorCode::kIo);
    EXPECT_TRUE(created.error().message().starts_with(message)) << created.error().message();
    EXPECT_EQ(BackupDirEntries(), std::vector<std::string>{".lock"}) << "partial backup left";
    auto listed = backups_->List();
    ASSERT_TRUE(listed) << listed.error().message();
    EXPECT_TRUE(listed->empty()) << "an aborted backup was indexed";
  }
};

TEST_F(DiskFullTest, FullFileSystemWhileCopyingFilesAbortsAndRemovesThePartialBackup) {
  TmpfsMount tmpfs(backup_dir_, "256k");
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << tmpfs.error();
  WriteApp("package.json", "{}");
  WriteApp("apps/web/.env.local", std::string(1024 * 1024, 'x'));

  ExpectAbortedCleanly(backups_->Create(Request()),
                       "backup aborted: no space left on device while writing "
                       "files/apps/web/.env.local");

  // The space came back with the partial directory: a backup that fits now succeeds.
  WriteApp("apps/web/.env.local", "API_KEY=small\n");
  const store::BackupRecord record = CreateOrFail(Request());
  ASSERT_OK(backups_->Verify(record.id));
}

TEST_F(DiskFullTest, FullFileSystemWhileCopyingTheSqliteDatabaseAbortsCleanly) {
  TmpfsMount tmpfs(backup_dir_, "256k");
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << tmpfs.error();
  WriteApp("package.json", "{}");
  fs::create_directories(App("data"));
  {
    SqliteDb db(App("data/app.db"));
    db.Exec("CREATE TABLE blobs (data BLOB)");
    for (int i = 0; i < 10; ++i) db.Exec("INSERT INTO blobs VALUES (randomblob(100000))");
  }
  BackupRequest request = Request();
  request.database_url = "sqlite:data/app.db";
  ExpectAbortedCleanly(backups_->Create(request),
                       "backup aborted: no space left on device while writing database.sqlite");
}

TEST_F(DiskFullTest, FileSizeLimitIsHandledLikeAFullDisk) {
  WriteApp("package.json", "{}");
  WriteApp(".env.big", std::string(512 * 1024, 'x'));
  Expected<store::BackupRecord> created = MakeError(ErrorCode::kFailed, "not run");
  {
    FileSizeLimit limit(128 * 1024);
    created = backups_->Create(Request());
  }
  ExpectAbortedCleanly(created, "backup aborted: file too large");
  EXPECT_NE(created.error().message().find("while writing files/.env.big"), std::string::npos)
      << created.error().message();
}

}  // namespace
}  // namespace galaos::backup::testing
