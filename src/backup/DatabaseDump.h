// Database dumps and restores for backups: pg_dump, pg_restore and psql run as child
// processes with the password in PGPASSWORD (never in argv), and the SQLite online backup API
// in both directions. Internal to the backup module.
#pragma once

#include <filesystem>

#include "backup/BackupStore.h"
#include "backup/DatabaseUrl.h"
#include "core/Error.h"
#include "core/Process.h"

namespace galaos::backup::detail {

// pg_dump --format=custom into `output` (which exists: the caller created it 0600).
core::ProcessOptions PgDumpCommand(const DatabaseTarget& target,
                                   const std::filesystem::path& output,
                                   const BackupStoreOptions& options);
// pg_restore of `dump` into the plain SQL script `script` (no database connection).
core::ProcessOptions PgRestoreScriptCommand(const std::filesystem::path& dump,
                                            const std::filesystem::path& script,
                                            const BackupStoreOptions& options);
// psql running, in one transaction that stops at the first error, a prologue that drops every
// schema except PostgreSQL's own (CASCADE) and recreates `public` as initdb makes it, then
// `script`. The database afterwards holds exactly the dump's objects.
core::ProcessOptions PsqlRestoreCommand(const DatabaseTarget& target,
                                        const std::filesystem::path& script,
                                        const BackupStoreOptions& options);

// `what` names the dump file in errors ("database.dump").
Status DumpPostgres(const DatabaseTarget& target, const std::filesystem::path& output,
                    std::string_view what, const BackupStoreOptions& options);
// PgRestoreScriptCommand into <scratch_dir>/restore.sql (an existing private directory the
// caller removes), then PsqlRestoreCommand: all or nothing.
Status RestorePostgres(const DatabaseTarget& target, const std::filesystem::path& dump,
                       const std::filesystem::path& scratch_dir, const BackupStoreOptions& options);

// Copies the live database `source` into `output` (an existing empty 0600 file) in one read
// transaction, so the copy is consistent while writers keep working; the copy is left in
// rollback-journal mode so it needs no -wal/-shm files.
Status BackupSqlite(const std::filesystem::path& source, const std::filesystem::path& output,
                    std::string_view what, const BackupStoreOptions& options);
// Copies `backup` into the live database `target` in one write transaction.
Status RestoreSqlite(const std::filesystem::path& backup, const std::filesystem::path& target,
                     const BackupStoreOptions& options);

}  // namespace galaos::backup::detail
