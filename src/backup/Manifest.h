// Manifest: the description of one backup, stored as <backup>/manifest.json and as a copy in
// the store's backups index. Written last when a backup is created; Verify checks the files
// against it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::backup {

inline constexpr int kManifestFormatVersion = 1;

enum class DatabaseKind { kPostgres, kSqlite };

std::string_view Name(DatabaseKind kind);  // "postgres" | "sqlite"

struct ManifestFile {
  std::string path{};  // relative to the app root, '/'-separated; stored under files/<path>
  std::uint64_t size = 0;
  std::uint32_t mode = 0;  // permission bits of the original (07777)
  std::uint32_t uid = 0;   // owner of the original; restored when running as root
  std::uint32_t gid = 0;
  std::string sha256{};  // lowercase hex
  bool operator==(const ManifestFile&) const = default;
};

// A path that matched a glob but was not backed up (a symlink, a special file, an unreadable
// directory), so an operator can see what is missing.
struct SkippedPath {
  std::string path{};
  std::string reason{};
  bool operator==(const SkippedPath&) const = default;
};

struct ManifestDatabase {
  DatabaseKind kind = DatabaseKind::kSqlite;
  std::string file;  // "database.dump" (pg_dump custom format) or "database.sqlite"
  std::uint64_t size = 0;
  std::string sha256{};
  std::string source{};  // the database URL without its password, or the SQLite file's path
  bool operator==(const ManifestDatabase&) const = default;
};

struct Manifest {
  int format_version = kManifestFormatVersion;
  std::string id{};
  std::string created_at{};  // UTC, "2026-11-26T20:17:51.123Z"
  std::string version{};     // the app's version
  std::string commit{};
  std::string branch{};
  std::map<std::string, std::string> tools{};  // e.g. node -> v20.11.1
  std::vector<std::string> globs{};            // the critical-file globs the backup was made with
  std::vector<ManifestFile> files{};           // sorted by path
  std::vector<SkippedPath> skipped{};
  std::optional<ManifestDatabase> database{};
  bool operator==(const Manifest&) const = default;
};

std::string ToJson(const Manifest& manifest);

// kCorrupt when the text is not a manifest this build understands: malformed JSON, a missing
// or mistyped field, another format_version, a path that is absolute or has `.`/`..`
// segments, or a malformed hash.
Expected<Manifest> ParseManifest(std::string_view json);

// Relative, '/'-separated, no empty, `.` or `..` segment, no NUL: cannot leave its base.
bool IsSafeRelativePath(std::string_view path);

}  // namespace galaos::backup
