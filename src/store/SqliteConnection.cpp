#include "store/detail/SqliteConnection.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace galaos::store::sqlite {
namespace {

ErrorCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kUnavailable;
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return ErrorCode::kIo;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ErrorCode::kCorrupt;
    case SQLITE_CONSTRAINT:
      return (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
                 ? ErrorCode::kConflict
                 : ErrorCode::kInvalidArgument;
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return ErrorCode::kInvalidArgument;
    default:
      return ErrorCode::kFailed;
  }
}

// " (<which> is not writable: <reason>)" when the database or its WAL cannot be written,
// else "". sqlite3_system_errno() cannot tell: SQLite reads errno after its own clean-up
// calls have overwritten it.
std::string WhyNotWritable(const std::string& database) {
  for (const auto& [path, which] :
       {std::pair{database, "the database file"}, std::pair{database + "-wal", "its WAL file"}}) {
    if (::access(path.c_str(), W_OK) != 0 && errno != ENOENT) {
      return std::string(" (") + which + " is not writable: " + std::strerror(errno) + ")";
    }
  }
  return {};
}

}  // namespace

Error MakeSqliteError(sqlite3* db, int rc, std::string_view operation) {
  // sqlite3_errmsg describes the most recent failure on the connection, which is `rc`'s.
  std::string message(operation);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const ErrorCode code = CodeFor(rc);
  if (code == ErrorCode::kIo && db != nullptr) {
    const char* file = sqlite3_db_filename(db, "main");
    if (file != nullptr && *file != '\0') {
      message += " on ";
      message += file;
      message += WhyNotWritable(file);
    }
  } else if (code == ErrorCode::kUnavailable) {
    message += " (another connection held the write lock past the busy timeout)";
  }
  return Error(code, std::move(message));
}

std::int64_t ToMillis(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

TimePoint FromMillis(std::int64_t millis) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(millis)));
}

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Status Statement::Bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) return std::unexpected(MakeSqliteError(db_, rc, "binding a parameter"));
  return {};
}

Status Statement::Bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies the bytes, so `value` need not outlive the statement.
  const int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) return std::unexpected(MakeSqliteError(db_, rc, "binding a parameter"));
  return {};
}

Status Statement::Bind(int index, std::nullopt_t) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) return std::unexpected(MakeSqliteError(db_, rc, "binding a parameter"));
  return {};
}

Expected<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(MakeSqliteError(db_, rc, "executing a statement"));
}

Status Statement::Run() {
  const bool row = TRY(Step());
  if (row) return MakeError(ErrorCode::kFailed, "a statement expected to return no rows did");
  return {};
}

void Statement::Reset() {
  // The return value repeats the last Step()'s error, which was already reported.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::Int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Statement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

std::optional<TimePoint> Statement::OptionalTime(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Time(column);
}

std::optional<int> Statement::OptionalInt32(int column) const {
  if (IsNull(column)) return std::nullopt;
  return sqlite3_column_int(stmt_, column);
}

Expected<Connection> Connection::Open(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_EXRESCODE, nullptr);
  Connection connection(db);  // owns db even when opening failed
  if (rc != SQLITE_OK) {
    return std::unexpected(MakeSqliteError(db, rc, "opening " + path.string()));
  }
  return connection;
}

Connection::Connection(Connection&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Connection::~Connection() {
  sqlite3_close_v2(db_);
}

Status Connection::Exec(const std::string& sql, std::string_view operation) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(MakeSqliteError(db_, rc, operation));
  return {};
}

Expected<Statement> Connection::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return std::unexpected(MakeSqliteError(db_, rc, "preparing a statement"));
  }
  return Statement(db_, stmt);
}

}  // namespace galaos::store::sqlite
