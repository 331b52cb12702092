// The sqlite check: PRAGMA quick_check on a read-only connection, interrupted at the deadline.
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "health/Checks.h"

namespace galaos::health::detail {
namespace {

struct DbDeleter {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementDeleter {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};

constexpr int kMaxProblems = 3;

// Called every 1000 VM steps; a non-zero return interrupts the statement.
int OnProgress(void* user) {
  const auto* context = static_cast<const CheckContext*>(user);
  return context->Expired() || context->stop.stop_requested() ? 1 : 0;
}

}  // namespace

Expected<std::string> Check(const SqliteCheck& check, const CheckContext& context) {
  const std::string path = check.path.string();
  std::error_code error;
  if (!std::filesystem::is_regular_file(check.path, error)) {
    return MakeError(ErrorCode::kNotFound, "SQLite database " + path + " does not exist");
  }
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  const std::unique_ptr<sqlite3, DbDeleter> db(raw);
  if (opened != SQLITE_OK) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot open SQLite database " + path + ": " +
                         (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(opened)));
  }
  sqlite3_busy_timeout(db.get(), static_cast<int>(context.Remaining().count()));
  sqlite3_progress_handler(db.get(), 1000, OnProgress, const_cast<CheckContext*>(&context));

  const auto failure = [&](std::string_view during) {
    const int code = sqlite3_errcode(db.get());
    const ErrorCode kind = code == SQLITE_NOTADB || code == SQLITE_CORRUPT
                               ? ErrorCode::kCorrupt
                               : ErrorCode::kUnavailable;
    return std::unexpected(context.Failure(
        kind, std::string(during) + " on " + path + " failed: " + sqlite3_errmsg(db.get())));
  };
  sqlite3_stmt* raw_statement = nullptr;
  if (sqlite3_prepare_v2(db.get(), "PRAGMA quick_check", -1, &raw_statement, nullptr) !=
      SQLITE_OK) {
    return failure("PRAGMA quick_check");
  }
  const std::unique_ptr<sqlite3_stmt, StatementDeleter> statement(raw_statement);
  std::vector<std::string> problems;
  int step = sqlite3_step(statement.get());
  for (; step == SQLITE_ROW; step = sqlite3_step(statement.get())) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), 0));
    const std::string row = text != nullptr ? text : "";
    if (row != "ok" && problems.size() < kMaxProblems) problems.push_back(row);
  }
  if (step != SQLITE_DONE) return failure("PRAGMA quick_check");
  if (!problems.empty()) {
    std::string message = "PRAGMA quick_check on " + path + " found problems:";
    for (const auto& problem : problems) message += " " + problem + ";";
    message.pop_back();
    return std::unexpected(Error(ErrorCode::kCorrupt, std::move(message)));
  }
  return "quick_check ok";
}

}  // namespace galaos::health::detail
