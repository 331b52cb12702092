// BackupStore: the backups an update transaction snapshots and rolls back to (DESIGN.md §3,
// §7). One backup is a directory <dir>/<id>/ holding
//   files/<relative path>  the app's critical files (globs), nested paths kept, 0600
//   database.dump          pg_dump -Fc of a PostgreSQL database, or
//   database.sqlite        a copy made with the SQLite online backup API
//   manifest.json          Manifest.h: version, commit, tools, sha256 of every file
// in 0700 directories, and one row in the store's backups index (with a copy of the manifest).
// A backup is built in <dir>/.<id>.partial/, fsynced, and renamed into place: it exists whole
// or not at all. Create, Restore, Remove and Prune take <dir>/.lock, so a second process
// mutating the same backup directory gets kConflict; List, Get, Resolve and Verify only read.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "backup/Manifest.h"
#include "core/Clock.h"
#include "core/Error.h"
#include "store/Records.h"
#include "store/Store.h"

namespace galaos::backup {

struct BackupRequest {
  std::filesystem::path app_root{};           // must exist; the backup dir must be outside it
  std::vector<std::string> critical_files{};  // globs, see Glob.h
  std::string commit{};
  std::string branch{};
  std::string version{};
  // postgres://, postgresql://, sqlite:, file: or a SQLite file path (DatabaseUrl.h);
  // empty: no database in this backup.
  std::string database_url{};
  std::map<std::string, std::string> tools{};  // e.g. DetectToolVersions(...)
};

struct RestoreOptions {
  std::filesystem::path app_root{};
  bool restore_files = true;
  // Critical files (matching the backup's globs) that exist now but did not when the backup
  // was made are moved out of the app into <dir>/displaced/<time>-<id>-<random>/ (0700/0600,
  // never pruned), so the app's critical files equal the backup's afterwards and nothing an
  // operator added is lost.
  bool displace_new_files = true;
  bool restore_database = false;
  std::string database_url{};  // required with restore_database; the same kind as the backup's
};

struct RestoreReport {
  std::vector<std::string> restored{};   // relative paths written back
  std::vector<std::string> displaced{};  // relative paths moved out of the app
  std::filesystem::path displaced_to{};  // where they went; empty when none
  bool database_restored = false;
};

struct BackupStoreOptions {
  std::string pg_dump = "pg_dump";  // looked up in PATH unless it has a '/'
  std::string pg_restore = "pg_restore";
  std::string psql = "psql";
  // Limit for pg_dump / pg_restore / psql, and how long SQLite waits for another connection's lock.
  std::chrono::milliseconds database_timeout{std::chrono::minutes(30)};
};

class BackupStore {
 public:
  // Touches nothing until an operation runs; `index` and `clock` must outlive the store.
  BackupStore(std::filesystem::path dir, store::Store& index, core::Clock& clock,
              BackupStoreOptions options = {});

  // Makes a backup and indexes it. The app tree is walked without following any symlink
  // (matching symlinks are listed in Manifest::skipped, not copied). Any failure (kIo for a
  // full disk or a file-size limit, naming the file being written) removes the partial
  // directory and indexes nothing. The backup directory must not be inside the app root.
  Expected<store::BackupRecord> Create(const BackupRequest& request);

  // Re-hashes every file and the database dump against the manifest, and checks the manifest
  // against the index's copy. The first mismatch or missing file is kCorrupt.
  Expected<Manifest> Verify(std::string_view id);

  // Verifies, then restores: every file atomically (temp + rename, parents created, mode and,
  // when running as root, owner as recorded), never through a symlink in the app tree; new
  // critical files are displaced (RestoreOptions); then the database, which afterwards holds
  // exactly what was dumped — objects created since (a migration's tables, columns, schemas)
  // are gone. PostgreSQL: in one transaction, every schema but PostgreSQL's own is dropped and
  // the dump replayed (pg_restore writes it as SQL into <dir>/.<id>.restore.partial/ first,
  // so that much free space is needed; the URL's role must own the database). SQLite: the
  // online backup API copies into the live file, so open connections see the old or the
  // restored database, never a mix. Idempotent, so an interrupted restore is finished by
  // running it again.
  Expected<RestoreReport> Restore(std::string_view id, const RestoreOptions& options);

  // Newest first.
  Expected<std::vector<store::BackupRecord>> List();
  Expected<store::BackupRecord> Get(std::string_view id);
  // An id, or a path that resolves (symlinks included) to a backup directly inside the backup
  // directory; relative paths are taken relative to it. Anything else is kInvalidArgument.
  Expected<store::BackupRecord> Resolve(std::string_view id_or_path);

  // Keeps the newest `keep` (>= 1) backups and removes the others from disk and index;
  // returns how many it removed.
  Expected<int> Prune(int keep);
  Status Remove(std::string_view id);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  Status RemoveLocked(std::string_view id);
  Expected<std::filesystem::path> CanonicalDir() const;

  std::filesystem::path dir_;
  store::Store& index_;
  core::Clock& clock_;
  BackupStoreOptions options_;
};

// Backup ids: 1..128 of [A-Za-z0-9._-], starting with a letter or digit. Generated ones look
// like bk-20261126-201751-1a2b3c4d.
bool IsValidBackupId(std::string_view id);

// Each tool's version as `<tool> --version` prints it: read from the package.json of a tool
// installed as an npm package (npm, pnpm, yarn: no Node.js start-up), else the first line of
// `<tool> --version` run in `app_root` (10 s each). Versions are informational: a tool that is
// missing or fails is left out.
std::map<std::string, std::string> DetectToolVersions(const std::filesystem::path& app_root,
                                                      const std::vector<std::string>& tools);

}  // namespace galaos::backup
