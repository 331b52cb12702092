// Helpers shared by the backup tests: a fixture with an app tree, a backup directory outside
// it, a real SQLite store as the index and a test clock; file helpers; a raw SQLite connection.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "backup/BackupStore.h"
#include "core/Clock.h"
#include "core/Error.h"
#include "core/TempDir.h"
#include "store/SqliteStore.h"
#include "store/Store.h"
#include "support/Assertions.h"

namespace galaos::backup::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// 2026-11-26 20:17:51 UTC.
inline const store::TimePoint kStart =
    store::TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 11 / 26)) + 20h + 17min + 51s;

inline std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Writes `content` to `path` (parents created) and sets `mode` exactly.
inline void WriteText(const fs::path& path, const std::string& content, mode_t mode = 0644) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

inline mode_t ModeOf(const fs::path& path) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0) return 0;
  return status.st_mode & 07777;
}

// The default critical-file globs of the config, plus nested .env files of a monorepo.
inline std::vector<std::string> TestGlobs() {
  return {"package.json", "package-lock.json", ".env*", "**/.env*", "**/docker-compose*.yml"};
}

// A tmpfs of `size` mounted on `path` until destruction (needs root): a real small disk.
class TmpfsMount {
 public:
  TmpfsMount(const fs::path& path, const std::string& size) : path_(path) {
    fs::create_directories(path_);
    const std::string options = "size=" + size + ",mode=0700";
    if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  ~TmpfsMount() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  fs::path path_;
  bool mounted_ = false;
  std::string error_;
};

// A connection to a SQLite file, for setting up and inspecting test databases.
class SqliteDb {
 public:
  explicit SqliteDb(const fs::path& path, int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb() { sqlite3_close_v2(db_); }

  void Exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (error != nullptr ? error : "unknown error");
    }
    sqlite3_free(error);
  }

  // The first column of the first row as text ("<no row>" when none).
  std::string Text(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      std::string message = std::string("<error: ") + sqlite3_errmsg(db_) + ">";
      sqlite3_finalize(statement);
      return message;
    }
    std::string result = "<no row>";
    if (sqlite3_step(statement) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
      result = text != nullptr ? text : "<null>";
    }
    sqlite3_finalize(statement);
    return result;
  }

 private:
  sqlite3* db_ = nullptr;
};

// An app tree in <tmp>/app, backups in <tmp>/backups, the index in <tmp>/state/state.db.
class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = core::TempDir::Create("galaos-backup-test-");
    ASSERT_TRUE(dir) << dir.error().message();
    temp_.emplace(std::move(*dir));
    app_ = temp_->path() / "app";
    fs::create_directories(app_);
    backup_dir_ = temp_->path() / "backups";
    auto index = store::OpenSqliteStore(temp_->path() / "state" / "state.db", clock_);
    ASSERT_TRUE(index) << index.error().message();
    index_ = std::move(*index);
    backups_ = std::make_unique<BackupStore>(backup_dir_, *index_, clock_);
  }

  fs::path App(const std::string& relative) const { return app_ / relative; }
  void WriteApp(const std::string& relative, const std::string& content, mode_t mode = 0644) {
    WriteText(App(relative), content, mode);
  }

  BackupRequest Request() const {
    return BackupRequest{.app_root = app_,
                         .critical_files = TestGlobs(),
                         .commit = "0123456789abcdef0123456789abcdef01234567",
                         .branch = "main",
                         .version = "1.0.0",
                         .database_url = "",
                         .tools = {{"node", "v20.11.1"}, {"npm", "10.2.4"}}};
  }

  RestoreOptions RestoreFiles() const { return RestoreOptions{.app_root = app_}; }

  // Creates a backup, failing the test on error; advances the clock a second afterwards.
  store::BackupRecord CreateOrFail(const BackupRequest& request) {
    auto created = backups_->Create(request);
    EXPECT_TRUE(created) << created.error().message();
    clock_.Advance(1s);
    return created ? *created : store::BackupRecord{};
  }

  // Names directly inside the backup directory, sorted.
  std::vector<std::string> BackupDirEntries() const {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(backup_dir_, error)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  core::TestClock clock_{kStart};
  std::optional<core::TempDir> temp_;
  fs::path app_;
  fs::path backup_dir_;
  std::unique_ptr<store::Store> index_;
  std::unique_ptr<BackupStore> backups_;
};

}  // namespace galaos::backup::testing
