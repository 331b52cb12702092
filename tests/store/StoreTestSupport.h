// Helpers shared by the store tests: a fixture with a fresh database and a test clock, and a
// raw SQLite connection for what the Store API must not allow (tampering, old schemas,
// integrity checks).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/Clock.h"
#include "core/Error.h"
#include "core/TempDir.h"
#include "store/SqliteStore.h"
#include "store/Store.h"
#include "support/Assertions.h"

namespace galaos::store::testing {

using namespace std::chrono_literals;

// 2026-11-26 20:17:51 UTC.
inline const TimePoint kStart =
    TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 11 / 26)) + 20h + 17min + 51s;

// A plain connection to the database file, bypassing the store.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  ~RawDb() { sqlite3_close_v2(db_); }

  // Runs `sql`; returns SQLite's error message, empty on success.
  std::string Exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) == SQLITE_OK) return {};
    std::string message = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    return message;
  }

  // The first column of the first row as text ("<no row>" when none).
  std::string Text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      std::string message = std::string("<error: ") + sqlite3_errmsg(db_) + ">";
      sqlite3_finalize(stmt);
      return message;
    }
    std::string result = "<no row>";
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      result = text != nullptr ? text : "<null>";
    }
    sqlite3_finalize(stmt);
    return result;
  }

  std::int64_t Int(const std::string& sql) { return std::stoll(Text(sql)); }

 private:
  sqlite3* db_ = nullptr;
};

inline std::unique_ptr<Store> OpenOrDie(const std::filesystem::path& path, core::Clock& clock,
                                        const SqliteStoreOptions& options = {}) {
  auto store = OpenSqliteStore(path, clock, options);
  if (!store) {
    ADD_FAILURE() << store.error().message();
    return nullptr;
  }
  return std::move(*store);
}

// A fresh store in a temporary directory, on a test clock starting at kStart.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = core::TempDir::Create("galaos-store-");
    ASSERT_TRUE(dir) << dir.error().message();
    dir_.emplace(std::move(*dir));
    path_ = dir_->path() / "state.db";
    store_ = OpenOrDie(path_, clock_);
    ASSERT_NE(store_, nullptr);
  }

  // Closes and reopens the store, as a restarted process would.
  void Reopen() {
    store_.reset();
    store_ = OpenOrDie(path_, clock_);
    ASSERT_NE(store_, nullptr);
  }

  core::TestClock clock_{kStart};
  std::optional<core::TempDir> dir_;
  std::filesystem::path path_;
  std::unique_ptr<Store> store_;
};

}  // namespace galaos::store::testing
