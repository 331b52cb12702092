#include "store/SqliteStore.h"

#include <fcntl.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>

#include "core/AtomicFile.h"
#include "store/AuditChain.h"
#include "store/ScheduleMeta.h"
#include "store/UpdateLock.h"
#include "store/detail/SqliteConnection.h"
#include "store/detail/SqliteMigrations.h"

namespace galaos::store {
namespace {

namespace fs = std::filesystem;
using sqlite::Connection;
using sqlite::Statement;

// Meta key set when the default schedules were created.
constexpr std::string_view kDefaultsSeededKey = "schedules.defaults_seeded";

constexpr std::string_view kTransactionColumns =
    "id, type, trigger_source, actor, status, state, state_version, state_json, from_version, "
    "to_version, error, started_at, updated_at, completed_at";
constexpr std::string_view kStepColumns =
    "id, transaction_id, name, status, started_at, ended_at, exit_code, output_tail, error";
constexpr std::string_view kAuditColumns =
    "seq, time, actor, client_address, request_id, action, input_json, outcome, transaction_id, "
    "prev_hash, hash";
constexpr std::string_view kScheduleColumns =
    "id, enabled, cron, timezone, update_type, auto_apply, maintenance_window, "
    "notification_channels, last_run, next_run, last_result, created_at, on_conflict";
constexpr std::string_view kBackupColumns =
    "id, path, version, commit_hash, created_at, size_bytes, manifest_json, verified";
constexpr std::string_view kOutboxColumns =
    "id, event_type, payload_json, sink, status, attempts, next_attempt_at, last_error, "
    "created_at, delivered_at";
constexpr std::string_view kTokenColumns =
    "id, name, role, secret_hash, created_at, last_used_at, revoked_at";

std::string Select(std::string_view columns, std::string_view rest) {
  return "SELECT " + std::string(columns) + " " + std::string(rest);
}

// A stored value that does not parse was changed behind our back.
template <class T>
Expected<T> Stored(Expected<T> parsed) {
  if (!parsed) {
    return MakeError(ErrorCode::kCorrupt, "stored value is invalid: " + parsed.error().message());
  }
  return parsed;
}

Status CheckLimit(int limit, int max) {
  if (limit < 1 || limit > max) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "limit must be 1.." + std::to_string(max) + ", got " + std::to_string(limit));
  }
  return {};
}

Status CheckNotEmpty(std::string_view value, std::string_view what) {
  if (value.empty()) return MakeError(ErrorCode::kInvalidArgument, std::string(what) + " is empty");
  return {};
}

// Valid UTF-8, so every string read back can be rendered as JSON.
std::string CleanText(std::string_view text) {
  return Utf8Tail(text, std::numeric_limits<std::size_t>::max());
}

std::string RandomHex(std::size_t bytes) {
  std::array<unsigned char, 16> random{};
  randombytes_buf(random.data(), bytes);
  std::array<char, 33> hex{};
  sodium_bin2hex(hex.data(), hex.size(), random.data(), bytes);
  return std::string(hex.data(), bytes * 2);
}

// The first column of the first row, or nullopt when there is no row.
template <class... Args>
Expected<std::optional<std::string>> QueryText(Connection& db, std::string_view sql,
                                               const Args&... args) {
  auto statement = TRY(db.Prepare(sql));
  TRY(statement.BindAll(args...));
  const bool row = TRY(statement.Step());
  if (!row) return std::optional<std::string>();
  return std::optional(statement.Text(0));
}

template <class T>
Expected<std::vector<T>> ReadAll(Statement& statement, Expected<T> (*read)(const Statement&)) {
  std::vector<T> rows;
  for (;;) {
    const bool row = TRY(statement.Step());
    if (!row) return rows;
    rows.push_back(TRY(read(statement)));
  }
}

template <class T>
Expected<T> ReadOne(Statement& statement, Expected<T> (*read)(const Statement&),
                    std::string not_found) {
  const bool row = TRY(statement.Step());
  if (!row) return MakeError(ErrorCode::kNotFound, std::move(not_found));
  return read(statement);
}

Expected<Transaction> ReadTransaction(const Statement& row) {
  Transaction tx;
  tx.id = row.Text(0);
  tx.type = TRY(Stored(ParseTransactionType(row.Text(1))));
  tx.trigger = row.Text(2);
  tx.actor = row.Text(3);
  tx.status = TRY(Stored(ParseTransactionStatus(row.Text(4))));
  tx.state = row.Text(5);
  tx.state_version = static_cast<int>(row.Int(6));
  tx.state_json = row.Text(7);
  tx.from_version = row.Text(8);
  tx.to_version = row.Text(9);
  tx.error = row.Text(10);
  tx.started_at = row.Time(11);
  tx.updated_at = row.Time(12);
  tx.completed_at = row.OptionalTime(13);
  return tx;
}

Expected<Step> ReadStep(const Statement& row) {
  Step step;
  step.id = row.Int(0);
  step.transaction_id = row.Text(1);
  step.name = row.Text(2);
  step.status = TRY(Stored(ParseStepStatus(row.Text(3))));
  step.started_at = row.Time(4);
  step.ended_at = row.OptionalTime(5);
  step.exit_code = row.OptionalInt32(6);
  step.output_tail = row.Text(7);
  step.error = row.Text(8);
  return step;
}

Expected<AuditRecord> ReadAudit(const Statement& row) {
  AuditRecord record;
  record.seq = row.Int(0);
  record.time = row.Time(1);
  record.entry.actor = row.Text(2);
  record.entry.client_address = row.Text(3);
  record.entry.request_id = row.Text(4);
  record.entry.action = row.Text(5);
  record.entry.input_json = row.Text(6);
  record.entry.outcome = row.Text(7);
  record.entry.transaction_id = row.Text(8);
  record.prev_hash = row.Text(9);
  record.hash = row.Text(10);
  return record;
}

Expected<std::string> ChannelsToJson(const std::vector<std::string>& channels) {
  try {
    return nlohmann::json(channels).dump();
  } catch (const nlohmann::json::exception& e) {  // invalid UTF-8 in a channel name
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("notification channels are not valid text: ") + e.what());
  }
}

Expected<std::vector<std::string>> ChannelsFromJson(const std::string& text) {
  try {
    return nlohmann::json::parse(text).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kCorrupt,
                     std::string("stored notification channels are invalid: ") + e.what());
  }
}

Expected<Schedule> ReadSchedule(const Statement& row) {
  Schedule schedule;
  schedule.id = row.Text(0);
  schedule.spec.enabled = row.Int(1) != 0;
  schedule.spec.cron = row.Text(2);
  schedule.spec.timezone = row.Text(3);
  schedule.spec.update_type = TRY(Stored(ParseScheduleUpdateType(row.Text(4))));
  schedule.spec.auto_apply = row.Int(5) != 0;
  schedule.spec.maintenance_window = row.OptionalText(6);
  schedule.spec.notification_channels = TRY(ChannelsFromJson(row.Text(7)));
  schedule.last_run = row.OptionalTime(8);
  schedule.next_run = row.OptionalTime(9);
  schedule.last_result = row.Text(10);
  schedule.created_at = row.Time(11);
  schedule.spec.on_conflict = TRY(Stored(ParseConflictPolicy(row.Text(12))));
  return schedule;
}

Expected<BackupRecord> ReadBackup(const Statement& row) {
  BackupRecord backup;
  backup.id = row.Text(0);
  backup.path = row.Text(1);
  backup.version = row.Text(2);
  backup.commit = row.Text(3);
  backup.created_at = row.Time(4);
  backup.size_bytes = row.Int(5);
  backup.manifest_json = row.Text(6);
  backup.verified = row.Int(7) != 0;
  return backup;
}

Expected<Notification> ReadNotification(const Statement& row) {
  Notification message;
  message.id = row.Int(0);
  message.event_type = row.Text(1);
  message.payload_json = row.Text(2);
  message.sink = row.Text(3);
  message.status = TRY(Stored(ParseOutboxStatus(row.Text(4))));
  message.attempts = static_cast<int>(row.Int(5));
  message.next_attempt_at = row.Time(6);
  message.last_error = row.Text(7);
  message.created_at = row.Time(8);
  message.delivered_at = row.OptionalTime(9);
  return message;
}

Expected<ApiToken> ReadToken(const Statement& row) {
  ApiToken token;
  token.id = row.Text(0);
  token.name = row.Text(1);
  token.role = TRY(Stored(ParseTokenRole(row.Text(2))));
  token.secret_hash = row.Text(3);
  token.created_at = row.Time(4);
  token.last_used_at = row.OptionalTime(5);
  token.revoked_at = row.OptionalTime(6);
  return token;
}

Status IoError(std::string what, const fs::path& path, int err) {
  return MakeError(ErrorCode::kIo, what + " " + path.string() + ": " + std::strerror(err));
}

// Creates each missing directory of `dir` with mode 0700; existing ones are left as they are.
Status CreatePrivateDirectories(const fs::path& dir) {
  std::error_code ignored;
  if (dir.empty() || fs::is_directory(dir, ignored)) return {};
  TRY(CreatePrivateDirectories(dir.parent_path()));
  if (::mkdir(dir.c_str(), 0700) != 0) {
    const int err = errno;
    if (err != EEXIST || !fs::is_directory(dir, ignored)) {
      return IoError("cannot create directory", dir, err == EEXIST ? ENOTDIR : err);
    }
  }
  return {};
}

// Creates the database file with mode 0600 unless it exists (SQLite would use 0644); the
// WAL and shared-memory files SQLite adds take the database file's mode.
Status CreatePrivateFile(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return {};
    return IoError("cannot create", path, errno);
  }
  ::close(fd);
  const fs::path parent = path.parent_path();
  return core::FsyncDirectory(parent.empty() ? fs::path(".") : parent);
}

Expected<Connection> OpenConnection(const fs::path& path, const SqliteStoreOptions& options) {
  TRY(CreatePrivateDirectories(path.parent_path()));
  TRY(CreatePrivateFile(path));
  Connection db = TRY(Connection::Open(path));
  TRY(db.Exec("PRAGMA busy_timeout = " + std::to_string(options.busy_timeout.count()),
              "setting the busy timeout"));
  const auto mode =
      TRY(WithContext(QueryText(db, "PRAGMA journal_mode = WAL"), "switching to WAL mode"));
  if (mode != "wal") {
    return MakeError(ErrorCode::kIo, "cannot switch " + path.string() +
                                         " to WAL mode (it needs a local file system)");
  }
  // synchronous=FULL, not NORMAL: with WAL, NORMAL may lose the last commits on power loss,
  // and the journal must still hold a transition after a power cut so that recovery knows
  // the step began. It costs one fsync per commit: a handful per update.
  TRY(db.Exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", "configuring the connection"));
  return db;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(Connection db, core::Clock& clock) : db_(std::move(db)), clock_(clock) {}

  Status WithTransaction(const std::function<Status(Store&)>& body) override;

  Expected<Transaction> CreateTransaction(const NewTransaction& spec) override;
  Status RecordTransition(std::string_view id, const Transition& transition) override;
  Status FinishTransaction(std::string_view id, const Completion& completion) override;
  Expected<Transaction> GetTransaction(std::string_view id) override;
  Expected<std::vector<Transaction>> ListTransactions(const TransactionQuery& query) override;
  Expected<std::vector<Transaction>> ListUnfinishedTransactions() override;
  Expected<TransactionStatistics> GetTransactionStatistics() override;
  Expected<std::int64_t> BeginStep(std::string_view transaction_id, std::string_view name) override;
  Status FinishStep(std::int64_t step_id, const StepResult& result) override;
  Status AdvanceTransaction(std::int64_t step_id, const StepResult& result, std::string_view id,
                            const Transition& next) override;

  Expected<AuditRecord> AppendAudit(const AuditEntry& entry) override;
  Expected<std::vector<AuditRecord>> ListAudit(const AuditQuery& query) override;
  Expected<AuditVerification> VerifyAuditLog() override;

  Expected<Schedule> CreateSchedule(const ScheduleSpec& spec,
                                    std::optional<TimePoint> next_run) override;
  Expected<bool> SeedDefaultSchedules(std::span<const ScheduleSpec> defaults) override;
  Expected<std::vector<Schedule>> ListSchedules() override;
  Expected<Schedule> GetSchedule(std::string_view id) override;
  Status RemoveSchedule(std::string_view id) override;
  Status SetScheduleEnabled(std::string_view id, bool enabled) override;
  Status SetScheduleNextRun(std::string_view id, std::optional<TimePoint> next_run) override;
  Status RecordScheduleRun(std::string_view id, const ScheduleRun& run) override;

  Status AddBackup(const BackupRecord& backup) override;
  Expected<std::vector<BackupRecord>> ListBackups() override;
  Expected<BackupRecord> GetBackup(std::string_view id) override;
  Status RemoveBackup(std::string_view id) override;

  Expected<std::int64_t> EnqueueNotification(const NewNotification& notification) override;
  Expected<std::vector<Notification>> ClaimDueNotifications(
      std::size_t limit, std::chrono::milliseconds lease) override;
  Status MarkNotificationDelivered(std::int64_t id) override;
  Status MarkNotificationFailed(std::int64_t id, std::string_view error,
                                std::optional<TimePoint> retry_at) override;
  Expected<std::vector<Notification>> ListNotifications(const OutboxQuery& query) override;
  Expected<std::optional<TimePoint>> NextNotificationDue() override;

  Expected<ApiToken> CreateApiToken(const NewApiToken& token) override;
  Expected<ApiToken> GetApiToken(std::string_view id) override;
  Expected<std::vector<ApiToken>> ListApiTokens() override;
  Status RevokeApiToken(std::string_view id) override;
  Status TouchApiToken(std::string_view id) override;

  Expected<std::optional<std::string>> GetMeta(std::string_view key) override;
  Status SetMeta(std::string_view key, std::string_view value) override;

 private:
  enum class Mode { kRead, kWrite };

  // The outermost scope is a database transaction (BEGIN IMMEDIATE for writes, so the write
  // lock is taken up front and waits in the busy handler instead of failing on upgrade);
  // nested scopes are savepoints. Rolled back on destruction unless committed.
  class Scope {
   public:
    static Expected<Scope> Begin(SqliteStore& store, Mode mode);
    Scope(Scope&& other) noexcept
        : store_(std::exchange(other.store_, nullptr)), level_(other.level_) {}
    Scope& operator=(Scope&&) = delete;
    ~Scope();
    Status Commit();

   private:
    Scope(SqliteStore& store, int level) : store_(&store), level_(level) {}
    std::string Savepoint() const { return "s" + std::to_string(level_); }
    SqliteStore* store_;
    int level_;
  };

  // Runs `body` holding the store, adding `context` to its error.
  template <class F>
  auto Locked(const std::string& context, F&& body) -> decltype(body()) {
    std::lock_guard lock(mutex_);
    return WithContext(body(), context);
  }

  TimePoint Now() const { return std::chrono::floor<std::chrono::milliseconds>(clock_.Now()); }
  // Runs a statement, binding `args`.
  template <class... Args>
  Status Execute(std::string_view sql, const Args&... args) {
    auto statement = TRY(db_.Prepare(sql));
    TRY(statement.BindAll(args...));
    return statement.Run();
  }
  // Like Execute, but kNotFound ("no <what>") when no row matched.
  template <class... Args>
  Status ExecuteOnExisting(const std::string& what, std::string_view sql, const Args&... args) {
    TRY(Execute(sql, args...));
    if (db_.Changes() == 0) return MakeError(ErrorCode::kNotFound, "no " + what);
    return {};
  }
  Expected<std::vector<Transaction>> ReadTransactionsWithSteps(Statement& select);
  Status RequireUnfinished(std::string_view transaction_id);
  Expected<Schedule> InsertSchedule(const ScheduleSpec& spec, std::optional<TimePoint> next_run);
  Expected<std::optional<std::string>> ReadMeta(std::string_view key);
  Status WriteMeta(std::string_view key, std::string_view value);

  std::recursive_mutex mutex_;
  Connection db_;
  core::Clock& clock_;
  int depth_ = 0;  // open scopes
};

Expected<SqliteStore::Scope> SqliteStore::Scope::Begin(SqliteStore& store, Mode mode) {
  const int level = store.depth_;
  if (level == 0) {
    TRY(store.db_.Exec(mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN",
                       "starting a transaction"));
  } else {
    // SQLite ends a transaction by itself after some errors (I/O, full disk); a savepoint
    // now would start a new one and commit what the enclosing body meant to be atomic.
    if (!store.db_.InTransaction()) {
      return MakeError(ErrorCode::kFailed,
                       "the enclosing transaction was rolled back after an earlier error");
    }
    TRY(store.db_.Exec("SAVEPOINT s" + std::to_string(level), "starting a savepoint"));
  }
  ++store.depth_;
  return Scope(store, level);
}

SqliteStore::Scope::~Scope() {
  if (store_ == nullptr) return;
  --store_->depth_;
  Connection& db = store_->db_;
  if (!db.InTransaction()) return;  // SQLite already rolled it back
  // A destructor cannot report; the error that led here is already on its way to the caller.
  Status rolled_back = level_ == 0
                           ? db.Exec("ROLLBACK", "rolling back")
                           : db.Exec("ROLLBACK TO " + Savepoint() + "; RELEASE " + Savepoint(),
                                     "rolling back to a savepoint");
  if (!rolled_back) spdlog::warn("store: {}", rolled_back.error().message());
}

Status SqliteStore::Scope::Commit() {
  SqliteStore& store = *std::exchange(store_, nullptr);
  --store.depth_;
  Connection& db = store.db_;
  if (!db.InTransaction()) {
    return MakeError(ErrorCode::kFailed, "the transaction was rolled back after an earlier error");
  }
  if (level_ > 0) return db.Exec("RELEASE " + Savepoint(), "releasing a savepoint");
  Status committed = db.Exec("COMMIT", "committing");
  if (!committed && db.InTransaction()) {
    Status rolled_back = db.Exec("ROLLBACK", "rolling back");  // the COMMIT error is reported
    if (!rolled_back) spdlog::warn("store: {}", rolled_back.error().message());
  }
  return committed;
}

Status SqliteStore::WithTransaction(const std::function<Status(Store&)>& body) {
  std::lock_guard lock(mutex_);
  auto scope = TRY(WithContext(Scope::Begin(*this, Mode::kWrite), "store: transaction"));
  TRY(body(*this));
  return WithContext(scope.Commit(), "store: transaction");
}

// ---- transactions and steps ----

Expected<std::vector<Transaction>> SqliteStore::ReadTransactionsWithSteps(Statement& select) {
  auto transactions = TRY(ReadAll(select, &ReadTransaction));
  if (transactions.empty()) return transactions;
  auto steps = TRY(db_.Prepare(Select(kStepColumns,
                                      "FROM steps WHERE transaction_id = ?1 "
                                      "ORDER BY id")));
  for (Transaction& tx : transactions) {
    steps.Reset();
    TRY(steps.BindAll(tx.id));
    tx.steps = TRY(ReadAll(steps, &ReadStep));
  }
  return transactions;
}

Status SqliteStore::RequireUnfinished(std::string_view transaction_id) {
  const auto stored =
      TRY(QueryText(db_, "SELECT status FROM transactions WHERE id = ?1", transaction_id));
  if (!stored) {
    return MakeError(ErrorCode::kNotFound, "no transaction '" + std::string(transaction_id) + "'");
  }
  const TransactionStatus status = TRY(Stored(ParseTransactionStatus(*stored)));
  if (IsTerminal(status)) {
    return MakeError(ErrorCode::kConflict, "transaction '" + std::string(transaction_id) +
                                               "' has already ended (" + std::string(Name(status)) +
                                               ")");
  }
  return {};
}

Expected<Transaction> SqliteStore::CreateTransaction(const NewTransaction& spec) {
  return Locked("store: creating a transaction", [&]() -> Expected<Transaction> {
    TRY(CheckNotEmpty(spec.state, "the initial state"));
    Transaction tx;
    tx.started_at = tx.updated_at = Now();
    tx.id = spec.id.empty() ? NewTransactionId(tx.started_at) : spec.id;
    tx.type = spec.type;
    tx.trigger = spec.trigger;
    tx.actor = spec.actor;
    tx.status = TransactionStatus::kPending;
    tx.state = spec.state;
    tx.state_version = spec.state_version;
    tx.state_json = spec.state_json;
    tx.from_version = spec.from_version;
    tx.to_version = spec.to_version;
    TRY(
        Execute("INSERT INTO transactions (id, type, trigger_source, actor, status, state, "
                "state_version, state_json, from_version, to_version, error, started_at, "
                "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, '', ?11, ?11)",
                tx.id, Name(tx.type), tx.trigger, tx.actor, Name(tx.status), tx.state,
                tx.state_version, tx.state_json, tx.from_version, tx.to_version, tx.started_at));
    return tx;
  });
}

Status SqliteStore::RecordTransition(std::string_view id, const Transition& transition) {
  return Locked(
      "store: journaling transition of '" + std::string(id) + "' to " + transition.state,
      [&]() -> Status {
        if (IsTerminal(transition.status)) {
          return MakeError(ErrorCode::kInvalidArgument,
                           "status " + std::string(Name(transition.status)) +
                               " ends a transaction: use FinishTransaction");
        }
        TRY(CheckNotEmpty(transition.state, "the state"));
        auto scope = TRY(Scope::Begin(*this, Mode::kWrite));
        TRY(RequireUnfinished(id));
        const std::optional<std::string> error =
            transition.error ? std::optional(CleanText(*transition.error)) : std::nullopt;
        TRY(Execute(
            "UPDATE transactions SET status = ?2, state = ?3, "
            "state_version = ?4, state_json = ?5, "
            "from_version = COALESCE(?6, from_version), "
            "to_version = COALESCE(?7, to_version), "
            "error = COALESCE(?8, error), updated_at = ?9 WHERE id = ?1",
            id, Name(transition.status), transition.state, transition.state_version,
            transition.state_json, transition.from_version, transition.to_version, error, Now()));
        return scope.Commit();
      });
}

Status SqliteStore::FinishTransaction(std::string_view id, const Completion& completion) {
  return Locked("store: finishing transaction '" + std::string(id) + "'", [&]() -> Status {
    if (!IsTerminal(completion.status)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "status " + std::string(Name(completion.status)) + " is not final");
    }
    auto scope = TRY(Scope::Begin(*this, Mode::kWrite));
    TRY(RequireUnfinished(id));
    const TimePoint now = Now();
    TRY(
        Execute("UPDATE transactions SET status = ?2, error = ?3, updated_at = ?4, "
                "completed_at = ?4 WHERE id = ?1",
                id, Name(completion.status), CleanText(completion.error), now));
    return scope.Commit();
  });
}

Expected<Transaction> SqliteStore::GetTransaction(std::string_view id) {
  return Locked(
      "store: reading transaction '" + std::string(id) + "'", [&]() -> Expected<Transaction> {
        auto scope = TRY(Scope::Begin(*this, Mode::kRead));
        auto select =
            TRY(db_.Prepare(Select(kTransactionColumns, "FROM transactions WHERE id = ?1")));
        TRY(select.BindAll(id));
        auto found = TRY(ReadTransactionsWithSteps(select));
        if (found.empty()) {
          return MakeError(ErrorCode::kNotFound, "no transaction '" + std::string(id) + "'");
        }
        TRY(scope.Commit());
        return std::move(found.front());
      });
}

Expected<std::vector<Transaction>> SqliteStore::ListTransactions(const TransactionQuery& query) {
  return Locked("store: listing transactions", [&]() -> Expected<std::vector<Transaction>> {
    TRY(CheckLimit(query.limit, 1000));
    auto scope = TRY(Scope::Begin(*this, Mode::kRead));
    auto select = TRY(db_.Prepare(Select(
        kTransactionColumns, "FROM transactions ORDER BY started_at DESC, rowid DESC LIMIT ?1")));
    TRY(select.BindAll(query.limit));
    auto transactions = TRY(ReadTransactionsWithSteps(select));
    TRY(scope.Commit());
    return transactions;
  });
}

Expected<std::vector<Transaction>> SqliteStore::ListUnfinishedTransactions() {
  return Locked(
      "store: listing unfinished transactions", [&]() -> Expected<std::vector<Transaction>> {
        auto scope = TRY(Scope::Begin(*this, Mode::kRead));
        auto select = TRY(db_.Prepare(
            Select(kTransactionColumns,
                   "FROM transactions WHERE status IN ('pending', 'running', 'rolling_back') "
                   "ORDER BY started_at, rowid")));
        auto transactions = TRY(ReadTransactionsWithSteps(select));
        TRY(scope.Commit());
        return transactions;
      });
}

Expected<TransactionStatistics> SqliteStore::GetTransactionStatistics() {
  return Locked("store: counting transactions", [&]() -> Expected<TransactionStatistics> {
    auto scope = TRY(Scope::Begin(*this, Mode::kRead));
    TransactionStatistics statistics;
    auto counts = TRY(db_.Prepare(
        "SELECT type, status, COUNT(*) FROM transactions GROUP BY type, status ORDER BY 1, 2"));
    while (TRY(counts.Step())) {
      statistics.counts.push_back(
          TransactionCount{.type = TRY(Stored(ParseTransactionType(counts.Text(0)))),
                           .status = TRY(Stored(ParseTransactionStatus(counts.Text(1)))),
                           .count = counts.Int(2)});
    }
    auto last =
        TRY(db_.Prepare("SELECT MAX(completed_at) FROM transactions "
                        "WHERE status = 'succeeded' AND type <> 'rollback'"));
    TRY(last.Step());  // an aggregate always yields one row
    statistics.last_update_succeeded_at = last.OptionalTime(0);
    auto steps = TRY(
        db_.Prepare("SELECT t.type, s.name, COUNT(*), SUM(s.ended_at - s.started_at) FROM steps s "
                    "JOIN transactions t ON t.id = s.transaction_id WHERE s.ended_at IS NOT NULL "
                    "GROUP BY t.type, s.name ORDER BY 1, 2"));
    while (TRY(steps.Step())) {
      statistics.step_durations.push_back(
          StepDurationTotal{.type = TRY(Stored(ParseTransactionType(steps.Text(0)))),
                            .step = steps.Text(1),
                            .count = steps.Int(2),
                            .seconds = static_cast<double>(steps.Int(3)) / 1000.0});
    }
    auto backlog = TRY(db_.Prepare(
        "SELECT sink, COUNT(*) FROM outbox WHERE status = 'pending' GROUP BY sink ORDER BY 1"));
    while (TRY(backlog.Step())) {
      statistics.notification_backlog.push_back(
          SinkBacklog{.sink = backlog.Text(0), .pending = backlog.Int(1)});
    }
    TRY(scope.Commit());
    return statistics;
  });
}

Expected<std::int64_t> SqliteStore::BeginStep(std::string_view transaction_id,
                                              std::string_view name) {
  return Locked(
      "store: beginning step '" + std::string(name) + "' of '" + std::string(transaction_id) + "'",
      [&]() -> Expected<std::int64_t> {
        TRY(CheckNotEmpty(name, "the step name"));
        auto scope = TRY(Scope::Begin(*this, Mode::kWrite));
        TRY(RequireUnfinished(transaction_id));
        TRY(
            Execute("INSERT INTO steps (transaction_id, name, status, started_at, "
                    "output_tail, error) VALUES (?1, ?2, 'running', ?3, '', '')",
                    transaction_id, name, Now()));
        const std::int64_t id = db_.LastInsertRowId();
        TRY(scope.Commit());
        return id;
      });
}

Status SqliteStore::FinishStep(std::int64_t step_id, const StepResult& result) {
  return Locked("store: finishing step " + std::to_string(step_id), [&]() -> Status {
    if (result.status == StepStatus::kRunning) {
      return MakeError(ErrorCode::kInvalidArgument, "a finished step cannot be running");
    }
    auto scope = TRY(Scope::Begin(*this, Mode::kWrite));
    const auto status = TRY(QueryText(db_, "SELECT status FROM steps WHERE id = ?1", step_id));
    if (!status) return MakeError(ErrorCode::kNotFound, "no step " + std::to_string(step_id));
    if (*status != Name(StepStatus::kRunning)) {
      return MakeError(ErrorCode::kConflict,
                       "step " + std::to_string(step_id) + " has already ended (" + *status + ")");
    }
    TRY(
        Execute("UPDATE steps SET status = ?2, ended_at = ?3, exit_code = ?4, output_tail = ?5, "
                "error = ?6 WHERE id = ?1",
                step_id, Name(result.status), Now(), result.exit_code,
                Utf8Tail(result.output_tail, kMaxOutputTailBytes), CleanText(result.error)));
    return scope.Commit();
  });
}

Status SqliteStore::AdvanceTransaction(std::int64_t step_id, const StepResult& result,
                                       std::string_view id, const Transition& next) {
  return Locked(
      "store: advancing transaction '" + std::string(id) + "' to " + next.state, [&]() -> Status {
        auto scope = TRY(Scope::Begin(*this, Mode::kWrite));
        const auto owner =
            TRY(QueryText(db_, "SELECT transaction_id FROM steps WHERE id = ?1", step_id));
        if (owner && *owner != id) {
          return MakeError(
              ErrorCode::kInvalidArgument,
              "step " + std::to_string(step_id) + " belongs to transaction '" + *owner + "'");
        }
        TRY(FinishStep(step_id, result));
        TRY(RecordTransition(id, next));
        return scope.Commit();
      });
}

// ---- audit log ----

Expected<AuditRecord> SqliteStore::AppendAudit(const AuditEntry& entry) {
  return Locked("store: appending to the audit log", [&]() -> Expected<AuditRecord> {
    // The IMMEDIATE transaction holds the write lock from reading the last row to inserting
    // the next, so concurrent appenders (other processes included) queue instead of forking.
    auto scope = TRY(Scope::Begin(*this, Mode::kWrite));
    AuditRecord record;
    record.seq = 1;
    record.prev_hash = std::string(kAuditGenesisHash);
    {
      auto last = TRY(db_.Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"));
      if (TRY(last.Step())) {
        record.seq = last.Int(0) + 1;
        record.prev_hash = last.Text(1);
      }
    }
    record.time = Now();
    record.entry = AuditEntry{
        .actor = CleanText(entry.actor),
        .client_address = CleanText(entry.client_address),
        .request_id = CleanText(entry.request_id),
        .action = CleanText(entry.action),
        .input_json = entry.input_json,  // invalid JSON is refused by the table
        .outcome = CleanText(entry.outcome),
        .transaction_id = CleanText(entry.transaction_id),
    };
    record.hash = ComputeAuditHash(record);
    const AuditEntry& e = record.entry;
    TRY(Execute("INSERT INTO audit_log (" + std::string(kAuditColumns) +
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                record.seq, record.time, e.actor, e.client_address, e.request_id, e.action,
                e.input_json, e.outcome, e.transaction_id, record.prev_hash, record.hash));
    TRY(scope.Commit());
    return record;
  });
}

Expected<std::vector<AuditRecord>> SqliteStore::ListAudit(const AuditQuery& query) {
  return Locked("store: listing the audit log", [&]() -> Expected<std::vector<AuditRecord>> {
    TRY(CheckLimit(query.limit, 10000));
    auto select = TRY(db_.Prepare(
        Select(kAuditColumns,
               "FROM audit_log WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2) "
               "AND (?3 IS NULL OR time >= ?3) AND (?4 IS NULL OR time < ?4) "
               "AND (?5 IS NULL OR outcome = ?5 OR substr(outcome, 1, length(?5) + 1) = ?5 || ':') "
               "ORDER BY seq DESC LIMIT ?6")));
    TRY(select.BindAll(query.actor, query.action, query.since, query.until, query.outcome,
                       query.limit));
    return ReadAll(select, &ReadAudit);
  });
}

Expected<AuditVerification> SqliteStore::VerifyAuditLog() {
  return Locked("store: verifying the audit log", [&]() -> Expected<AuditVerification> {
    auto scope = TRY(Scope::Begin(*this, Mode::kRead));  // one consistent snapshot
    auto select = TRY(db_.Prepare(Select(kAuditColumns, "FROM audit_log ORDER BY seq")));
    AuditChainVerifier verifier;
    for (;;) {
      const bool row = TRY(select.Step());
      if (!row || !verifier.Add(TRY(ReadAudit(select)))) break;
    }
    TRY(scope.Commit());
    return verifier.result();
  });
}

// ---- schedules ----

Expected<Schedule> SqliteStore::InsertSchedule(const ScheduleSpec& spec,
                                               std::optional<TimePoint> next_run) {
  TRY(CheckNotEmpty(spec.cron, "the cron expression"));
  TRY(CheckNotEmpty(spec.timezone, "the time zone"));
  Schedule schedule;
  schedule.id = "sch-" + RandomHex(6);
  schedule.spec = spec;
  schedule.next_run = next_run;
  schedule.created_at = Now();
  const std::string channels = TRY(ChannelsToJson(spec.notification_channels));
  TRY(Execute("INSERT INTO schedules (" + std::string(kScheduleColumns) +
                  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9, '', ?10, ?11)",
              schedule.id, spec.enabled, spec.cron, spec.timezone, Name(spec.update_type),
              spec.auto_apply, spec.maintenance_window, channels, next_run, schedule.created_at,
              Name(spec.on_conflict)));
  return schedule;
}

Expected<Schedule> SqliteStore::CreateSchedule(const ScheduleSpec& spec,
                                               std::optional<TimePoint> next_run) {
  return Locked("store: creating a schedule",
                [&]() -> Expected<Schedule> { return InsertSchedule(spec, next_run); });
}

Expected<bool> SqliteStore::SeedDefaultSchedules(std::span<const ScheduleSpec> defaults) {
  return Locked("store: seeding default schedules", [&]() -> Expected<bool> {
    auto scope = TRY(Scope::Begin(*this, Mode::kWrite));
    if (TRY(ReadMeta(kDefaultsSeededKey)).has_value()) return false;
    for (const ScheduleSpec& spec : defaults) TRY(InsertSchedule(spec, std::nullopt));
    TRY(WriteMeta(kDefaultsSeededKey, "1"));
    TRY(scope.Commit());
    return true;
  });
}

Expected<std::vector<Schedule>> SqliteStore::ListSchedules() {
  return Locked("store: listing schedules", [&]() -> Expected<std::vector<Schedule>> {
    auto select =
        TRY(db_.Prepare(Select(kScheduleColumns, "FROM schedules ORDER BY created_at, rowid")));
    return ReadAll(select, &ReadSchedule);
  });
}

Expected<Schedule> SqliteStore::GetSchedule(std::string_view id) {
  return Locked("store: reading schedule '" + std::string(id) + "'", [&]() -> Expected<Schedule> {
    auto select = TRY(db_.Prepare(Select(kScheduleColumns, "FROM schedules WHERE id = ?1")));
    TRY(select.BindAll(id));
    return ReadOne(select, &ReadSchedule, "no schedule '" + std::string(id) + "'");
  });
}

Status SqliteStore::RemoveSchedule(std::string_view id) {
  const std::string what = "schedule '" + std::string(id) + "'";
  return Locked("store: removing " + what, [&]() -> Status {
    auto scope = TRY(Scope::Begin(*this, Mode::kWrite));
    TRY(ExecuteOnExisting(what, "DELETE FROM schedules WHERE id = ?1", id));
    TRY(Execute("DELETE FROM meta WHERE key = ?1", AnnouncedMetaKey(id)));
    return scope.Commit();
  });
}

Status SqliteStore::SetScheduleEnabled(std::string_view id, bool enabled) {
  const std::string what = "schedule '" + std::string(id) + "'";
  return Locked(std::string(enabled ? "store: enabling " : "store: disabling ") + what,
                [&]() -> Status {
                  return ExecuteOnExisting(what, "UPDATE schedules SET enabled = ?2 WHERE id = ?1",
                                           id, enabled);
                });
}

Status SqliteStore::SetScheduleNextRun(std::string_view id, std::optional<TimePoint> next_run) {
  const std::string what = "schedule '" + std::string(id) + "'";
  return Locked("store: setting the next run of " + what, [&]() -> Status {
    return ExecuteOnExisting(what, "UPDATE schedules SET next_run = ?2 WHERE id = ?1", id,
                             next_run);
  });
}

Status SqliteStore::RecordScheduleRun(std::string_view id, const ScheduleRun& run) {
  const std::string what = "schedule '" + std::string(id) + "'";
  return Locked("store: recording a run of " + what, [&]() -> Status {
    return ExecuteOnExisting(
        what, "UPDATE schedules SET last_run = ?2, last_result = ?3, next_run = ?4 WHERE id = ?1",
        id, run.ran_at, CleanText(run.result), run.next_run);
  });
}

// ---- backups index ----

Status SqliteStore::AddBackup(const BackupRecord& backup) {
  return Locked("store: adding backup '" + backup.id + "'", [&]() -> Status {
    TRY(CheckNotEmpty(backup.id, "the backup id"));
    TRY(CheckNotEmpty(backup.path, "the backup path"));
    return Execute("INSERT INTO backups (" + std::string(kBackupColumns) +
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                   backup.id, backup.path, backup.version, backup.commit, backup.created_at,
                   backup.size_bytes, backup.manifest_json, backup.verified);
  });
}

Expected<std::vector<BackupRecord>> SqliteStore::ListBackups() {
  return Locked("store: listing backups", [&]() -> Expected<std::vector<BackupRecord>> {
    auto select = TRY(
        db_.Prepare(Select(kBackupColumns, "FROM backups ORDER BY created_at DESC, rowid DESC")));
    return ReadAll(select, &ReadBackup);
  });
}

Expected<BackupRecord> SqliteStore::GetBackup(std::string_view id) {
  return Locked("store: reading backup '" + std::string(id) + "'", [&]() -> Expected<BackupRecord> {
    auto select = TRY(db_.Prepare(Select(kBackupColumns, "FROM backups WHERE id = ?1")));
    TRY(select.BindAll(id));
    return ReadOne(select, &ReadBackup, "no backup '" + std::string(id) + "'");
  });
}

Status SqliteStore::RemoveBackup(std::string_view id) {
  const std::string what = "backup '" + std::string(id) + "'";
  return Locked("store: removing " + what, [&]() -> Status {
    return ExecuteOnExisting(what, "DELETE FROM backups WHERE id = ?1", id);
  });
}

// ---- notification outbox ----

Expected<std::int64_t> SqliteStore::EnqueueNotification(const NewNotification& notification) {
  return Locked(
      "store: enqueueing a " + notification.event_type + " notification",
      [&]() -> Expected<std::int64_t> {
        TRY(CheckNotEmpty(notification.event_type, "the event type"));
        TRY(CheckNotEmpty(notification.sink, "the sink"));
        TRY(
            Execute("INSERT INTO outbox (event_type, payload_json, sink, status, "
                    "attempts, next_attempt_at, last_error, created_at) "
                    "VALUES (?1, ?2, ?3, 'pending', 0, ?4, '', ?4)",
                    notification.event_type, notification.payload_json, notification.sink, Now()));
        return db_.LastInsertRowId();
      });
}

Expected<std::vector<Notification>> SqliteStore::ClaimDueNotifications(
    std::size_t limit, std::chrono::milliseconds lease) {
  return Locked("store: claiming due notifications", [&]() -> Expected<std::vector<Notification>> {
    if (limit < 1 || limit > 1000) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "limit must be 1..1000, got " + std::to_string(limit));
    }
    if (lease <= std::chrono::milliseconds::zero()) {
      return MakeError(ErrorCode::kInvalidArgument, "the lease must be positive");
    }
    const TimePoint now = Now();
    const TimePoint leased_until = now + lease;
    auto scope = TRY(Scope::Begin(*this, Mode::kWrite));
    auto select =
        TRY(db_.Prepare(Select(kOutboxColumns,
                               "FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1 "
                               "ORDER BY next_attempt_at, id LIMIT ?2")));
    TRY(select.BindAll(now, static_cast<std::int64_t>(limit)));
    auto claimed = TRY(ReadAll(select, &ReadNotification));
    auto lease_row = TRY(db_.Prepare(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2 WHERE id = ?1"));
    for (Notification& message : claimed) {
      lease_row.Reset();
      TRY(lease_row.BindAll(message.id, leased_until));
      TRY(lease_row.Run());
      ++message.attempts;
      message.next_attempt_at = leased_until;
    }
    TRY(scope.Commit());
    return claimed;
  });
}

Status SqliteStore::MarkNotificationDelivered(std::int64_t id) {
  const std::string what = "notification " + std::to_string(id);
  return Locked("store: marking " + what + " delivered", [&]() -> Status {
    return ExecuteOnExisting(what,
                             "UPDATE outbox SET status = 'delivered', "
                             "delivered_at = COALESCE(delivered_at, ?2) WHERE id = ?1",
                             id, Now());
  });
}

Status SqliteStore::MarkNotificationFailed(std::int64_t id, std::string_view error,
                                           std::optional<TimePoint> retry_at) {
  const std::string what = "notification " + std::to_string(id);
  return Locked("store: recording a failed delivery of " + what, [&]() -> Status {
    auto scope = TRY(Scope::Begin(*this, Mode::kWrite));
    const auto status = TRY(QueryText(db_, "SELECT status FROM outbox WHERE id = ?1", id));
    if (!status) return MakeError(ErrorCode::kNotFound, "no " + what);
    if (*status == Name(OutboxStatus::kDelivered)) {
      return MakeError(ErrorCode::kConflict, what + " was already delivered");
    }
    TRY(
        Execute("UPDATE outbox SET status = ?2, next_attempt_at = COALESCE(?3, next_attempt_at), "
                "last_error = ?4 WHERE id = ?1",
                id, Name(retry_at ? OutboxStatus::kPending : OutboxStatus::kFailed), retry_at,
                CleanText(error)));
    return scope.Commit();
  });
}

Expected<std::vector<Notification>> SqliteStore::ListNotifications(const OutboxQuery& query) {
  return Locked("store: listing the outbox", [&]() -> Expected<std::vector<Notification>> {
    TRY(CheckLimit(query.limit, 10000));
    auto select = TRY(db_.Prepare(
        Select(kOutboxColumns,
               "FROM outbox WHERE (?1 IS NULL OR status = ?1) ORDER BY id DESC LIMIT ?2")));
    const std::optional<std::string_view> status =
        query.status ? std::optional(Name(*query.status)) : std::nullopt;
    TRY(select.BindAll(status, query.limit));
    return ReadAll(select, &ReadNotification);
  });
}

Expected<std::optional<TimePoint>> SqliteStore::NextNotificationDue() {
  return Locked(
      "store: reading when the next notification is due",
      [&]() -> Expected<std::optional<TimePoint>> {
        auto select =
            TRY(db_.Prepare("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'"));
        TRY(select.Step());  // an aggregate always yields one row
        return select.OptionalTime(0);
      });
}

// ---- API tokens ----

Expected<ApiToken> SqliteStore::CreateApiToken(const NewApiToken& spec) {
  return Locked("store: creating API token '" + spec.name + "'", [&]() -> Expected<ApiToken> {
    TRY(CheckNotEmpty(spec.id, "the token id"));
    TRY(CheckNotEmpty(spec.name, "the token name"));
    TRY(CheckNotEmpty(spec.secret_hash, "the secret hash"));
    ApiToken token{.id = spec.id,
                   .name = spec.name,
                   .role = spec.role,
                   .secret_hash = spec.secret_hash,
                   .created_at = Now(),
                   .last_used_at = std::nullopt,
                   .revoked_at = std::nullopt};
    TRY(
        Execute("INSERT INTO api_tokens (id, name, role, secret_hash, created_at) "
                "VALUES (?1, ?2, ?3, ?4, ?5)",
                token.id, token.name, Name(token.role), token.secret_hash, token.created_at));
    return token;
  });
}

Expected<ApiToken> SqliteStore::GetApiToken(std::string_view id) {
  return Locked("store: reading API token '" + std::string(id) + "'", [&]() -> Expected<ApiToken> {
    auto select = TRY(db_.Prepare(Select(kTokenColumns, "FROM api_tokens WHERE id = ?1")));
    TRY(select.BindAll(id));
    return ReadOne(select, &ReadToken, "no API token '" + std::string(id) + "'");
  });
}

Expected<std::vector<ApiToken>> SqliteStore::ListApiTokens() {
  return Locked("store: listing API tokens", [&]() -> Expected<std::vector<ApiToken>> {
    auto select =
        TRY(db_.Prepare(Select(kTokenColumns, "FROM api_tokens ORDER BY created_at, rowid")));
    return ReadAll(select, &ReadToken);
  });
}

Status SqliteStore::RevokeApiToken(std::string_view id) {
  const std::string what = "API token '" + std::string(id) + "'";
  return Locked("store: revoking " + what, [&]() -> Status {
    return ExecuteOnExisting(
        what, "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1", id,
        Now());
  });
}

Status SqliteStore::TouchApiToken(std::string_view id) {
  const std::string what = "API token '" + std::string(id) + "'";
  return Locked("store: recording use of " + what, [&]() -> Status {
    return ExecuteOnExisting(what, "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1", id,
                             Now());
  });
}

// ---- meta ----

Expected<std::optional<std::string>> SqliteStore::ReadMeta(std::string_view key) {
  return QueryText(db_, "SELECT value FROM meta WHERE key = ?1", key);
}

Status SqliteStore::WriteMeta(std::string_view key, std::string_view value) {
  return Execute(
      "INSERT INTO meta (key, value) VALUES (?1, ?2) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key, value);
}

Expected<std::optional<std::string>> SqliteStore::GetMeta(std::string_view key) {
  return Locked("store: reading meta '" + std::string(key) + "'", [&]() { return ReadMeta(key); });
}

Status SqliteStore::SetMeta(std::string_view key, std::string_view value) {
  return Locked("store: writing meta '" + std::string(key) + "'", [&]() -> Status {
    TRY(CheckNotEmpty(key, "the key"));
    return WriteMeta(key, value);
  });
}

}  // namespace

Expected<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path,
                                                 core::Clock& clock,
                                                 const SqliteStoreOptions& options) {
  const std::string context = "store: opening " + path.string();
  if (sodium_init() < 0) {
    return MakeError(ErrorCode::kFailed, "store: libsodium failed to initialize");
  }
  Connection db = TRY(WithContext(OpenConnection(path, options), context));
  TRY(WithContext(sqlite::Migrate(db, kSqliteSchemaVersion), context));
  return std::make_unique<SqliteStore>(std::move(db), clock);
}

Status MigrateSqliteTo(const std::filesystem::path& path, int version) {
  const std::string context = "store: migrating " + path.string();
  if (version < 0 || version > kSqliteSchemaVersion) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "store: no schema version " + std::to_string(version));
  }
  Connection db = TRY(WithContext(OpenConnection(path, SqliteStoreOptions{}), context));
  return WithContext(sqlite::Migrate(db, version), context);
}

}  // namespace galaos::store
