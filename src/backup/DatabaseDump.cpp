#include "backup/DatabaseDump.h"

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <memory>
#include <system_error>

#include "backup/FileTree.h"

namespace galaos::backup::detail {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

struct BackupFinisher {
  void operator()(sqlite3_backup* backup) const { sqlite3_backup_finish(backup); }
};

void AddEnvironment(core::ProcessOptions& options, const DatabaseTarget& target) {
  if (!target.password.empty()) options.environment["PGPASSWORD"] = target.password;
  // Untranslated messages: RunPgTool recognizes a full disk by its text. The dump's encoding
  // is the database's, whatever the locale.
  options.environment.insert_or_assign("LC_ALL", std::string("C"));
}

// The last non-empty line of a tool's stderr: its error message.
std::string LastLine(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  const std::size_t newline = text.rfind('\n');
  return std::string(newline == std::string_view::npos ? text : text.substr(newline + 1));
}

// Runs a PostgreSQL client tool; its failure becomes an error naming the database (without
// its password) and the tool's own message.
Status RunPgTool(core::ProcessOptions options, std::string_view tool, const DatabaseTarget& target,
                 std::string_view output_what) {
  auto result = core::RunProcess(std::move(options));
  if (!result) {
    return std::unexpected(result.error().WithContext("cannot run " + std::string(tool)));
  }
  if (result->Succeeded()) return {};
  const std::string message = LastLine(result->stderr_tail);
  const std::string details =
      std::string(tool) + " " + result->Describe() + (message.empty() ? "" : ": " + message);
  if (!output_what.empty()) {
    if (message.contains("No space left on device")) {
      return MakeError(ErrorCode::kIo,
                       WriteError(ENOSPC, output_what).message() + " (" + details + ")");
    }
    if (message.contains("File too large")) {
      return MakeError(ErrorCode::kIo,
                       WriteError(EFBIG, output_what).message() + " (" + details + ")");
    }
  }
  const bool unreachable = message.contains("Connection refused") ||
                           message.contains("timeout expired") ||
                           message.contains("could not translate host name");
  const ErrorCode code = result->timed_out ? ErrorCode::kTimeout
                         : unreachable     ? ErrorCode::kUnavailable
                                           : ErrorCode::kFailed;
  return MakeError(code, std::string(tool) + " of " + target.postgres_url + " failed: " + details);
}

int BusyTimeoutMs(const BackupStoreOptions& options) {
  return static_cast<int>(std::min<std::int64_t>(options.database_timeout.count(), INT_MAX));
}

Expected<Db> OpenSqlite(const std::filesystem::path& path, int flags,
                        const BackupStoreOptions& options) {
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);
  if (opened != SQLITE_OK) {
    return MakeError(opened == SQLITE_NOTADB ? ErrorCode::kCorrupt : ErrorCode::kIo,
                     "cannot open SQLite database " + path.string() + ": " +
                         (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(opened)));
  }
  sqlite3_busy_timeout(db.get(), BusyTimeoutMs(options));
  sqlite3_extended_result_codes(db.get(), 1);
  return db;
}

// The error of a failed SQLite operation on `db`, the connection whose file was written when
// `write_what` is set.
Error SqliteError(sqlite3* db, int code, std::string_view doing, std::string_view write_what) {
  const int primary = code & 0xFF;
  const int system_errno = sqlite3_system_errno(db);
  const std::string message =
      std::string(doing) + ": " + sqlite3_errstr(code) + " (" + sqlite3_errmsg(db) + ")";
  if (!write_what.empty() && (primary == SQLITE_FULL || IsSpaceError(system_errno))) {
    return WriteError(primary == SQLITE_FULL && !IsSpaceError(system_errno) ? ENOSPC : system_errno,
                      write_what);
  }
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error(ErrorCode::kUnavailable, message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error(ErrorCode::kCorrupt, message);
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return Error(ErrorCode::kIo, message);
    default:
      return Error(ErrorCode::kFailed, message);
  }
}

// One sqlite3_backup of all pages in a single step: one transaction on each side.
Status CopyDatabase(sqlite3* from, sqlite3* to, std::string_view doing,
                    std::string_view write_what) {
  std::unique_ptr<sqlite3_backup, BackupFinisher> backup(
      sqlite3_backup_init(to, "main", from, "main"));
  if (!backup) {
    return std::unexpected(SqliteError(to, sqlite3_errcode(to), doing, write_what));
  }
  const int stepped = sqlite3_backup_step(backup.get(), -1);
  const int finished = sqlite3_backup_finish(backup.release());
  if (stepped != SQLITE_DONE) {
    // The step's error is reported on the destination connection unless the source failed.
    sqlite3* failed = sqlite3_errcode(to) != SQLITE_OK ? to : from;
    return std::unexpected(SqliteError(failed, stepped, doing, write_what));
  }
  if (finished != SQLITE_OK) {
    return std::unexpected(SqliteError(to, finished, doing, write_what));
  }
  return {};
}

Status RequireFile(const std::filesystem::path& path, std::string_view what) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return MakeError(ErrorCode::kNotFound,
                     std::string(what) + " " + path.string() + " does not exist");
  }
  return {};
}

}  // namespace

core::ProcessOptions PgDumpCommand(const DatabaseTarget& target,
                                   const std::filesystem::path& output,
                                   const BackupStoreOptions& options) {
  core::ProcessOptions command;
  command.argv = {options.pg_dump, "--format=custom", "--no-password", "--file=" + output.string(),
                  "--dbname=" + target.postgres_url};
  command.timeout = options.database_timeout;
  AddEnvironment(command, target);
  return command;
}

core::ProcessOptions PgRestoreScriptCommand(const std::filesystem::path& dump,
                                            const std::filesystem::path& script,
                                            const BackupStoreOptions& options) {
  core::ProcessOptions command;
  command.argv = {options.pg_restore, "--file=" + script.string(), dump.string()};
  command.timeout = options.database_timeout;
  command.environment.insert_or_assign("LC_ALL", std::string("C"));
  return command;
}

core::ProcessOptions PsqlRestoreCommand(const DatabaseTarget& target,
                                        const std::filesystem::path& script,
                                        const BackupStoreOptions& options) {
  // Every schema but PostgreSQL's own is dropped with all it holds, and `public` comes back as
  // initdb makes it (PostgreSQL 15 and later): the state pg_dump's script expects to run on.
  // pg_dump records public's owner, privileges and comment when they differ from those.
  static constexpr std::string_view kDropSchemas = R"sql(SET client_min_messages = warning;
DO $galaos$
DECLARE
  schema_name name;
BEGIN
  FOR schema_name IN
    SELECT nspname FROM pg_catalog.pg_namespace
    WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\_%'
  LOOP
    EXECUTE pg_catalog.format('DROP SCHEMA %I CASCADE', schema_name);
  END LOOP;
END
$galaos$;
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
COMMENT ON SCHEMA public IS 'standard public schema';)sql";
  core::ProcessOptions command;
  command.argv = {options.psql,
                  "--no-psqlrc",
                  "--quiet",
                  "--no-password",
                  "--single-transaction",
                  "--set=ON_ERROR_STOP=1",
                  "--dbname=" + target.postgres_url,
                  "--command=" + std::string(kDropSchemas),
                  "--file=" + script.string()};
  command.timeout = options.database_timeout;
  AddEnvironment(command, target);
  return command;
}

Status DumpPostgres(const DatabaseTarget& target, const std::filesystem::path& output,
                    std::string_view what, const BackupStoreOptions& options) {
  return RunPgTool(PgDumpCommand(target, output, options), "pg_dump", target, what);
}

Status RestorePostgres(const DatabaseTarget& target, const std::filesystem::path& dump,
                       const std::filesystem::path& scratch_dir,
                       const BackupStoreOptions& options) {
  const std::filesystem::path script = scratch_dir / "restore.sql";
  TRY(RunPgTool(PgRestoreScriptCommand(dump, script, options), "pg_restore", target,
                "the restore script"));
  return RunPgTool(PsqlRestoreCommand(target, script, options), "psql", target, "");
}

Status BackupSqlite(const std::filesystem::path& source, const std::filesystem::path& output,
                    std::string_view what, const BackupStoreOptions& options) {
  TRY(RequireFile(source, "SQLite database"));
  Db from = TRY(OpenSqlite(source, SQLITE_OPEN_READONLY, options));
  Db to = TRY(OpenSqlite(output, SQLITE_OPEN_READWRITE, options));
  TRY(CopyDatabase(from.get(), to.get(), "backing up SQLite database " + source.string(), what));
  // The copy carries the source's journal mode in its header; a WAL-mode copy would need
  // -wal/-shm files next to it whenever it is opened.
  char* raw_error = nullptr;
  const int rc = sqlite3_exec(to.get(), "PRAGMA journal_mode=DELETE", nullptr, nullptr, &raw_error);
  sqlite3_free(raw_error);
  if (rc != SQLITE_OK) {
    return std::unexpected(SqliteError(to.get(), rc, "setting the copy's journal mode", what));
  }
  return {};
}

Status RestoreSqlite(const std::filesystem::path& backup, const std::filesystem::path& target,
                     const BackupStoreOptions& options) {
  Db from = TRY(OpenSqlite(backup, SQLITE_OPEN_READONLY, options));
  Db to = TRY(OpenSqlite(target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, options));
  return CopyDatabase(from.get(), to.get(), "restoring SQLite database " + target.string(), "");
}

}  // namespace galaos::backup::detail
