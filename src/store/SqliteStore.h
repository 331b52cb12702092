// The SQLite backend of Store: one database file, normally in the state directory.
// WAL mode, a busy timeout, foreign keys on, synchronous=FULL (see SqliteStore.cpp), and
// versioned schema migrations that run when the file is opened.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string_view>

#include "core/Clock.h"
#include "core/Error.h"
#include "store/Store.h"

namespace galaos::store {

// The file name the CLI and the daemon use inside the state directory.
inline constexpr std::string_view kDefaultSqliteFileName = "state.db";

// The schema version this build writes (PRAGMA user_version).
inline constexpr int kSqliteSchemaVersion = 6;

struct SqliteStoreOptions {
  // How long a write waits for another connection's write lock before kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
};

// Opens the database at `path`, creating it if missing (the file 0600, missing parent
// directories 0700), and migrates it to kSqliteSchemaVersion in one transaction. A database
// of a newer schema than this build knows is refused. `clock` must outlive the store.
Expected<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path,
                                                 core::Clock& clock,
                                                 const SqliteStoreOptions& options = {});

// Test hook: leaves the database at `path` at exactly schema `version` (0 = empty file), as
// an older galaos-updater would have; only upgrades. For migration tests.
Status MigrateSqliteTo(const std::filesystem::path& path, int version);

}  // namespace galaos::store
