// Internal to the store module — never included by another module: RAII owners of an sqlite3
// connection and its prepared statements, and the translation of SQLite failures into Error.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/Error.h"
#include "store/Records.h"

namespace galaos::store::sqlite {

// An Error for a failed SQLite call: "<operation>: <sqlite3_errmsg>", plus the OS error and
// the database path for I/O failures. The code says what kind of failure it was: locked past
// the busy timeout → kUnavailable; read-only, full or failing storage → kIo; a damaged file
// → kCorrupt; a duplicate key → kConflict; another constraint → kInvalidArgument.
Error MakeSqliteError(sqlite3* db, int rc, std::string_view operation);

std::int64_t ToMillis(TimePoint time);
TimePoint FromMillis(std::int64_t millis);

// A prepared statement. Parameters are numbered from 1. Move-only; finalized on destruction.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds ?1, ?2, ... in order.
  template <class... Args>
  Status BindAll(const Args&... args) {
    int index = 0;
    Status status;
    ((status = status ? Bind(++index, args) : status), ...);
    return status;
  }
  Status Bind(int index, std::int64_t value);
  Status Bind(int index, int value) { return Bind(index, static_cast<std::int64_t>(value)); }
  Status Bind(int index, bool value) { return Bind(index, static_cast<std::int64_t>(value)); }
  Status Bind(int index, std::string_view value);
  Status Bind(int index, const std::string& value) { return Bind(index, std::string_view(value)); }
  // A literal would otherwise bind as bool.
  Status Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Status Bind(int index, TimePoint value) { return Bind(index, ToMillis(value)); }
  Status Bind(int index, std::nullopt_t);
  template <class T>
  Status Bind(int index, const std::optional<T>& value) {
    return value ? Bind(index, *value) : Bind(index, std::nullopt);
  }

  // Advances; true when a row is ready to be read.
  Expected<bool> Step();
  // Runs a statement that returns no rows.
  Status Run();
  // Makes the statement runnable again with new bindings.
  void Reset();

  bool IsNull(int column) const;
  std::int64_t Int(int column) const;
  std::string Text(int column) const;
  std::optional<std::string> OptionalText(int column) const;
  TimePoint Time(int column) const { return FromMillis(Int(column)); }
  std::optional<TimePoint> OptionalTime(int column) const;
  std::optional<int> OptionalInt32(int column) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// An open database connection with extended result codes. Move-only; closed on destruction.
class Connection {
 public:
  // Opens an existing file for reading and writing (never creates it).
  static Expected<Connection> Open(const std::filesystem::path& path);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements that return no rows.
  Status Exec(const std::string& sql, std::string_view operation);
  Expected<Statement> Prepare(std::string_view sql);

  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  std::int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
  // Rows matched by the last INSERT/UPDATE/DELETE.
  int Changes() const { return sqlite3_changes(db_); }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace galaos::store::sqlite
