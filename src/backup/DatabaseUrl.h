// DatabaseUrl: what app.database_url names, split so that a password never reaches argv.
// Internal to the backup module (tests use it too).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "backup/Manifest.h"
#include "core/Error.h"

namespace galaos::backup {

struct DatabaseTarget {
  DatabaseKind kind = DatabaseKind::kSqlite;
  std::filesystem::path sqlite_path{};  // kSqlite: absolute, lexically normal
  std::string postgres_url{};           // kPostgres: the URL without any password
  std::string password{};               // kPostgres: secret; only ever passed as PGPASSWORD
};

// Accepts postgres:// and postgresql:// URLs (the password is taken out of the user info or a
// `password` query parameter and percent-decoded), sqlite: and file: URLs (`sqlite:///abs`,
// `sqlite:/abs`, `file:rel?mode=rw`, ...; the query is ignored) and plain paths of a SQLite
// file. Relative SQLite paths are resolved against `base_dir` (the app root).
// Errors never repeat the URL, which may hold a password.
Expected<DatabaseTarget> ParseDatabaseUrl(std::string_view url,
                                          const std::filesystem::path& base_dir);

}  // namespace galaos::backup
