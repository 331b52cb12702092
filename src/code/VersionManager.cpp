#include "code/VersionManager.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "backup/Manifest.h"
#include "core/FileLock.h"
#include "core/Process.h"
#include "core/Redact.h"
#include "git/RefName.h"
#include "git/Repository.h"
#include "notify/Event.h"
#include "release/CurrentVersion.h"
#include "release/MakeReleaseSource.h"
#include "release/UpdateChecker.h"
#include "store/UpdateLock.h"

namespace galaos::code {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 21> kStateNames = {
    "Preflight",       "Snapshot",      "Fetch",           "Checkout",       "Install",
    "Migrate",         "Build",         "Restart",         "Verify",         "Probation",
    "Commit",          "Succeeded",     "Failed",          "RollbackCode",   "RollbackDatabase",
    "RollbackInstall", "RollbackBuild", "RollbackRestart", "RollbackVerify", "RolledBack",
    "RollbackFailed"};

// The one transition table: where each non-terminal state goes when its work succeeds or
// fails. Nothing is touched before Checkout, so earlier failures need no rollback.
struct Rule {
  UpdateState state;
  UpdateState on_success;
  UpdateState on_failure;
};
using S = UpdateState;
constexpr std::array<Rule, 17> kTransitions = {{
    {S::kPreflight, S::kSnapshot, S::kFailed},
    {S::kSnapshot, S::kFetch, S::kFailed},
    {S::kFetch, S::kCheckout, S::kFailed},
    {S::kCheckout, S::kInstall, S::kRollbackCode},
    {S::kInstall, S::kMigrate, S::kRollbackCode},
    {S::kMigrate, S::kBuild, S::kRollbackCode},
    {S::kBuild, S::kRestart, S::kRollbackCode},
    {S::kRestart, S::kVerify, S::kRollbackCode},
    {S::kVerify, S::kProbation, S::kRollbackCode},
    {S::kProbation, S::kCommit, S::kRollbackCode},
    {S::kCommit, S::kSucceeded, S::kRollbackCode},
    {S::kRollbackCode, S::kRollbackDatabase, S::kRollbackFailed},
    {S::kRollbackDatabase, S::kRollbackInstall, S::kRollbackFailed},
    {S::kRollbackInstall, S::kRollbackBuild, S::kRollbackFailed},
    {S::kRollbackBuild, S::kRollbackRestart, S::kRollbackFailed},
    {S::kRollbackRestart, S::kRollbackVerify, S::kRollbackFailed},
    {S::kRollbackVerify, S::kRolledBack, S::kRollbackFailed},
}};

const Rule& RuleOf(UpdateState state) {
  for (const Rule& rule : kTransitions) {
    if (rule.state == state) return rule;
  }
  return kTransitions.front();  // unreachable: every non-terminal state has a rule
}

bool IsRollback(UpdateState state) {
  return state >= S::kRollbackCode && state <= S::kRollbackVerify;
}

store::TransactionStatus StoreStatus(UpdateState state) {
  switch (state) {
    case S::kSucceeded:
      return store::TransactionStatus::kSucceeded;
    case S::kFailed:
      return store::TransactionStatus::kFailed;
    case S::kRolledBack:
      return store::TransactionStatus::kRolledBack;
    case S::kRollbackFailed:
      return store::TransactionStatus::kRollbackFailed;
    default:
      return IsRollback(state) ? store::TransactionStatus::kRollingBack
                               : store::TransactionStatus::kRunning;
  }
}

// Everything a resumed rollback needs, saved with every transition (state_json, version 2).
struct Journal {
  UpdateTarget target{};
  std::string backup_id{};  // the snapshot of the app before this transaction
  // A rollback to a backup: the backup returned to, and whether it holds a database to restore.
  std::string restore_backup_id{};
  bool restore_database = false;
  bool skip_backup = false;
  bool skip_migrations = false;
  bool skip_build = false;
  std::vector<std::string> started{};  // states entered, in order
  bool migration_started = false;      // a migrate command was about to run
  std::string failure{};               // the error that started the rollback
  std::string failed_step{};
  std::vector<std::string> rolled_back{};

  bool Started(UpdateState state) const {
    return std::find(started.begin(), started.end(), StateName(state)) != started.end();
  }
  bool RestoresBackup() const { return !restore_backup_id.empty(); }
};

json OptionalJson(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}
std::optional<std::string> OptionalString(const json& value) {
  return value.is_string() ? std::optional<std::string>(value.get<std::string>()) : std::nullopt;
}

std::string ToStateJson(const Journal& journal) {
  const UpdateTarget& t = journal.target;
  return json{
      {"snapshot", {{"commit", t.current_commit}, {"branch", OptionalJson(t.current_branch)}}},
      {"previousVersion", t.current_version},
      {"target",
       {{"commit", t.commit},
        {"tag", t.tag},
        {"version", t.version},
        {"branch", OptionalJson(t.branch)}}},
      {"backupId", journal.backup_id},
      {"restore",
       {{"backupId", journal.restore_backup_id}, {"database", journal.restore_database}}},
      {"options",
       {{"skipBackup", journal.skip_backup},
        {"skipMigrations", journal.skip_migrations},
        {"skipBuild", journal.skip_build}}},
      {"started", journal.started},
      {"migrationStarted", journal.migration_started},
      {"failure", journal.failure},
      {"failedStep", journal.failed_step},
      {"rolledBack", journal.rolled_back}}
      .dump();
}

Expected<Journal> FromStateJson(std::string_view text, int version) {
  if (version != 1 && version != kStateVersion) {
    return MakeError(ErrorCode::kCorrupt,
                     fmt::format("state_json version {} is not 1 or {} (written by another build)",
                                 version, kStateVersion));
  }
  try {
    const json document = json::parse(text);
    Journal journal;
    UpdateTarget& t = journal.target;
    t.current_commit = document.at("snapshot").at("commit").get<std::string>();
    t.current_branch = OptionalString(document.at("snapshot").at("branch"));
    t.current_version = document.at("previousVersion").get<std::string>();
    const json& target = document.at("target");
    t.commit = target.at("commit").get<std::string>();
    t.tag = target.at("tag").get<std::string>();
    t.version = target.at("version").get<std::string>();
    t.branch = OptionalString(target.at("branch"));
    journal.backup_id = document.at("backupId").get<std::string>();
    if (version >= 2) {
      journal.restore_backup_id = document.at("restore").at("backupId").get<std::string>();
      journal.restore_database = document.at("restore").at("database").get<bool>();
    }
    journal.skip_backup = document.at("options").at("skipBackup").get<bool>();
    journal.skip_migrations = document.at("options").at("skipMigrations").get<bool>();
    journal.skip_build = document.at("options").at("skipBuild").get<bool>();
    journal.started = document.at("started").get<std::vector<std::string>>();
    journal.migration_started = document.at("migrationStarted").get<bool>();
    journal.failure = document.at("failure").get<std::string>();
    journal.failed_step = document.at("failedStep").get<std::string>();
    journal.rolled_back = document.at("rolledBack").get<std::vector<std::string>>();
    return journal;
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kCorrupt, fmt::format("unreadable state_json: {}", e.what()));
  }
}

std::string StepName(UpdateState state) {
  // "RollbackInstall" -> "rollback-install", "Install" -> "install".
  std::string name;
  for (const char c : StateName(state)) {
    if (std::isupper(static_cast<unsigned char>(c)) && !name.empty()) name += '-';
    name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

std::string JoinArgv(const Argv& argv) {
  std::string text;
  for (const std::string& arg : argv) {
    if (!text.empty()) text += ' ';
    text += arg;
  }
  return text;
}

// Free space of the file system holding `path` (or its nearest existing ancestor), in MiB.
Expected<std::uint64_t> FreeMiB(fs::path path) {
  std::error_code error;
  while (!fs::exists(path, error) && path.has_parent_path() && path != path.parent_path()) {
    path = path.parent_path();
  }
  struct statvfs stats {};
  if (::statvfs(path.c_str(), &stats) != 0) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("statvfs {}: {}", path.string(), std::strerror(errno)));
  }
  return static_cast<std::uint64_t>(stats.f_bavail) * stats.f_frsize / (1024 * 1024);
}

Status ValidateOptions(const UpdateOptions& options) {
  if (options.branch) TRY(WithContext(git::ValidateRefName(*options.branch), "branch"));
  if (options.target) TRY(WithContext(git::ValidateRefName(*options.target), "target"));
  return {};
}

// What ResolveTarget found: the exact commit to install, or nothing when the app is current.
struct Resolution {
  std::string current_version{};
  std::string source{};                  // where versions came from, for messages
  std::optional<UpdateTarget> target{};  // nullopt: already up to date
};

// The exact commit to install: the announced release tag's commit, or the branch head.
Expected<Resolution> ResolveTarget(const config::Config& config, git::Repository& repository,
                                   core::Clock& clock, const UpdateOptions& options) {
  const fs::path& root = config.app.root;
  const semver::Version current = TRY(release::CurrentVersion(root, config.update.version_source));
  const git::HeadState head = TRY(repository.Head());
  const auto source = TRY(release::MakeReleaseSource(config, repository, nullptr, clock));
  release::CheckOptions check_options = release::CheckOptionsFrom(config);
  if (options.branch) {
    check_options.follow = config::FollowMode::kBranch;
    check_options.branch = *options.branch;
  }
  check_options.target = options.target;
  check_options.allow_downgrade = check_options.allow_downgrade || options.allow_downgrade;
  release::UpdateChecker checker(repository, config.git.remote, *source, clock);
  const release::UpdateCheck check = TRY(checker.Check(current, check_options));
  Resolution resolution{.current_version = current.ToString(), .source = source->Describe()};
  if (!check.available) return resolution;
  resolution.target =
      UpdateTarget{.current_version = current.ToString(),
                   .current_commit = head.commit,
                   .current_branch = head.branch,
                   .version = check.latest_version ? check.latest_version->ToString() : "",
                   .tag = check.target_tag,
                   .commit = check.target_commit,
                   .branch = check_options.follow == config::FollowMode::kBranch
                                 ? std::optional<std::string>(check_options.branch)
                                 : std::nullopt};
  return resolution;
}

// An update that found nothing newer: a success that changed nothing and opened no
// transaction.
UpdateResult UpToDate(const Resolution& resolution) {
  return UpdateResult{.success = true,
                      .previous_version = resolution.current_version,
                      .new_version = resolution.current_version,
                      .changes = {fmt::format("already up to date: {} is the newest allowed "
                                              "version ({})",
                                              resolution.current_version, resolution.source)}};
}

// Puts "recovered interrupted transaction ..." for each of `recovered` first in the changes of
// the transaction that ran after them.
void ListRecovered(const std::vector<UpdateResult>& recovered, UpdateResult& result) {
  for (auto it = recovered.rbegin(); it != recovered.rend(); ++it) {
    result.changes.insert(result.changes.begin(),
                          fmt::format("recovered interrupted transaction {}: {}",
                                      it->transaction_id, it->final_state));
  }
}

BackupPlan BackupPlanFor(const config::Config& config, bool skip_backup) {
  return BackupPlan{.enabled = !skip_backup,
                    .dir = config.backup.dir,
                    .critical_files = config.backup.critical_files,
                    .database = config.backup.database && !config.app.database_url.empty()};
}

std::vector<std::string> NotifySinks(const config::Config& config,
                                     const std::optional<std::vector<std::string>>& chosen) {
  return chosen ? *chosen : notify::EnabledSinks(config.notify);
}

// One transaction's run: executes states from the table, journaling each transition first.
class Runner {
 public:
  Runner(const config::Config& config, store::Store& store, backup::BackupStore& backups,
         core::Clock& clock, const health::HealthChecker& checker,
         const std::vector<health::CheckSpec>& health_checks, git::Repository& repository,
         std::string transaction_id, Journal journal, std::vector<std::string> notify_sinks,
         const ProgressCallback& progress, std::optional<UpdateState> crash_after_state)
      : config_(config),
        store_(store),
        backups_(backups),
        clock_(clock),
        checker_(checker),
        health_checks_(health_checks),
        repository_(repository),
        id_(std::move(transaction_id)),
        journal_(std::move(journal)),
        notify_sinks_(std::move(notify_sinks)),
        started_at_(clock.Now()),
        progress_(progress),
        crash_after_state_(crash_after_state) {
    // The log is a convenience next to the journal: a log that cannot be written does not
    // stop an update (the steps' tails are in the store either way). Output can hold
    // secrets, so only the updater's user may read it.
    std::error_code error;
    const fs::path logs = config_.state.dir / "logs";
    fs::create_directories(logs, error);
    fs::permissions(logs, fs::perms::owner_all, error);
    log_.open(logs / (id_ + ".log"), std::ios::app);
    fs::permissions(logs / (id_ + ".log"), fs::perms::owner_read | fs::perms::owner_write, error);
  }

  // Runs from `state` to a terminal state and finishes the transaction.
  UpdateResult Run(UpdateState state, const UpdateOptions* options) {
    options_ = options;
    while (!IsTerminal(state)) {
      if (!journal_.Started(state)) journal_.started.emplace_back(StateName(state));
      if (state == S::kMigrate) {
        journal_.migration_started = journal_.RestoresBackup()
                                         ? journal_.restore_database
                                         : !commands_ || commands_->migrate.has_value();
      }
      const store::Transition transition{
          .status = StoreStatus(state),
          .state = std::string(StateName(state)),
          .state_version = kStateVersion,
          .state_json = ToStateJson(journal_),
          .from_version = journal_.target.current_version,
          .to_version = journal_.target.version,
          .error = journal_.failure.empty() ? std::nullopt
                                            : std::optional<std::string>(journal_.failure)};
      // The previous step's end goes with this transition: one store transaction, one sync.
      const Status journaled =
          ended_step_
              ? store_.AdvanceTransaction(ended_step_->id, ended_step_->result, id_, transition)
              : store_.RecordTransition(id_, transition);
      ended_step_.reset();
      if (!journaled) {
        // Never run a step the journal does not know about.
        errors_.push_back(journaled.error().WithContext("journal").message());
        state = state < S::kCheckout ? S::kFailed : S::kRollbackFailed;
        break;
      }
      if (crash_after_state_ == state) ::_exit(137);
      const Status done = Execute(state);
      if (done) {
        state = RuleOf(state).on_success;
        continue;
      }
      errors_.push_back(fmt::format("{}: {}", StepName(state), done.error().message()));
      if (!IsRollback(state)) {
        journal_.failure = done.error().message();
        journal_.failed_step = StepName(state);
      }
      state = RuleOf(state).on_failure;
    }
    const Status finished = store_.WithTransaction([&](store::Store& tx) -> Status {
      TRY(WriteEndedStep(tx));
      TRY(tx.FinishTransaction(id_,
                               store::Completion{.status = StoreStatus(state),
                                                 .error = errors_.empty() ? "" : errors_.front()}));
      TRY(notify::Enqueue(tx, EndEvent(state), notify_sinks_, clock_.Now()));
      return {};
    });
    if (!finished) errors_.push_back(finished.error().WithContext("journal").message());
    Log(fmt::format("transaction {} ended in {}", id_, StateName(state)));
    return Result(state);
  }

  // Opens the transaction's journal in the store and runs it from Preflight.
  Expected<UpdateResult> Start(
      store::TransactionType type, const std::string& trigger, const std::string& actor,
      const UpdateOptions* options,
      const std::function<void(const std::string& transaction_id)>& on_started) {
    requested_by_ = fmt::format("{} via {}", actor.empty() ? "unknown" : actor, trigger);
    TRY(store_.WithTransaction([&](store::Store& tx) -> Status {
      TRY(tx.CreateTransaction({.id = id_,
                                .type = type,
                                .trigger = trigger,
                                .actor = actor,
                                .from_version = journal_.target.current_version,
                                .to_version = journal_.target.version,
                                .state = std::string(StateName(S::kPreflight)),
                                .state_version = kStateVersion,
                                .state_json = ToStateJson(journal_)}));
      TRY(notify::Enqueue(tx,
                          notify::UpdateStarted{.transaction_id = id_,
                                                .update_type = type,
                                                .from_version = journal_.target.current_version,
                                                .to_version = journal_.target.version,
                                                .trigger = trigger},
                          notify_sinks_, clock_.Now()));
      return {};
    }));
    if (on_started) on_started(id_);
    return Run(S::kPreflight, options);
  }

 private:
  Status Execute(UpdateState state) {
    switch (state) {
      case S::kPreflight:
        return Preflight();
      case S::kSnapshot:
        return Step(state, [&](std::string& note) { return Snapshot(note); });
      case S::kFetch:
        return Step(state, [&](std::string& note) { return Fetch(note); });
      case S::kCheckout:
        return Step(state, [&](std::string& note) { return Checkout(note); });
      case S::kInstall:
        return RunCommand(state, TRY(Commands())->install);
      case S::kMigrate: {
        if (journal_.RestoresBackup()) return RestoreBackupDatabase(state);
        const ProjectCommands* commands = TRY(Commands());
        return RunOptionalCommand(state, commands->migrate, commands->migrate_note);
      }
      case S::kBuild: {
        const ProjectCommands* commands = TRY(Commands());
        return RunOptionalCommand(state, commands->build, commands->build_note);
      }
      case S::kRestart: {
        const ProjectCommands* commands = TRY(Commands());
        return RunOptionalCommand(state, commands->restart, commands->restart_note);
      }
      case S::kVerify:
        return Verify(state);
      case S::kProbation:
        return Probation(state);
      case S::kCommit:
        return Step(state, [&](std::string& note) { return Commit(note); });
      case S::kRollbackCode:
        return Step(state, [&](std::string& note) { return RollbackCode(note); });
      case S::kRollbackDatabase:
        if (!journal_.migration_started) return {};
        return Step(state, [&](std::string& note) { return RollbackDatabase(note); });
      case S::kRollbackInstall:
        if (!journal_.Started(S::kInstall)) return {};
        TRY(RunCommand(state, TRY(Commands())->install));
        journal_.rolled_back.push_back("dependencies reinstalled");
        return {};
      case S::kRollbackBuild: {
        if (!journal_.Started(S::kBuild)) return {};
        const ProjectCommands* commands = TRY(Commands());
        if (!commands->build) return {};
        TRY(RunCommand(state, *commands->build));
        journal_.rolled_back.push_back("previous version rebuilt");
        return {};
      }
      case S::kRollbackRestart: {
        if (!journal_.Started(S::kRestart)) return {};
        const ProjectCommands* commands = TRY(Commands());
        if (!commands->restart) return {};
        TRY(RunCommand(state, *commands->restart));
        journal_.rolled_back.push_back("previous version restarted");
        return {};
      }
      case S::kRollbackVerify:
        if (!journal_.Started(S::kRestart) || health_checks_.empty()) return {};
        TRY(Verify(state));
        journal_.rolled_back.push_back("previous version healthy");
        return {};
      default:
        return {};
    }
  }

  // The commands of the tree checked out now, resolved on first use after each checkout or
  // reset (a resumed rollback resolves them from the restored tree).
  Expected<const ProjectCommands*> Commands() {
    if (!commands_) {
      commands_ = TRY(ResolveCommands(
          WorkingTreeFiles(config_.app.root), config_.commands,
          {.skip_migrations = journal_.skip_migrations, .skip_build = journal_.skip_build}));
    }
    return &*commands_;
  }

  Status Preflight() {
    const std::vector<git::WorktreeChange> changes = TRY(repository_.WorktreeChanges());
    if (!changes.empty()) {
      std::string paths;
      for (const git::WorktreeChange& change : changes) {
        paths += fmt::format("\n  {} {}", git::ChangeKindName(change.kind), change.path);
      }
      return MakeError(ErrorCode::kConflict,
                       fmt::format("the working tree of {} has local changes; commit, stash or "
                                   "remove them first:{}",
                                   config_.app.root.string(), paths));
    }
    const auto needed = static_cast<std::uint64_t>(config_.update.min_free_disk_mb);
    for (const fs::path& path : {config_.app.root, config_.backup.dir}) {
      const std::uint64_t free = TRY(FreeMiB(path));
      if (free < needed) {
        return MakeError(ErrorCode::kIo,
                         fmt::format("only {} MiB free on the disk of {} (update.min_free_disk_mb "
                                     "= {})",
                                     free, path.string(), needed));
      }
    }
    if (journal_.RestoresBackup()) TRY(CheckBackupToRestore());
    if (options_ && options_->require_healthy_before && !health_checks_.empty()) {
      const health::HealthReport report = checker_.Run(health_checks_);
      if (!report.healthy) {
        return MakeError(ErrorCode::kUnavailable,
                         "the app is unhealthy before the update: " + Join(report.errors));
      }
    }
    return {};
  }

  // A rollback to a backup: the backup is intact, and restoring its database can be undone.
  Status CheckBackupToRestore() {
    const std::string& id = journal_.restore_backup_id;
    TRY(WithContext(backups_.Verify(id), "backup " + id));
    if (journal_.restore_database && !BackupPlanFor(config_, false).database) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("backup {} holds a database dump, but the database now is not "
                                   "backed up first (app.database_url is empty or backup.database "
                                   "is off), so a failed rollback could not restore it",
                                   id));
    }
    return {};
  }

  Status Snapshot(std::string& note) {
    note = "HEAD " + journal_.target.current_commit;
    if (journal_.skip_backup) {
      note += "; backup skipped";
      return {};
    }
    const BackupPlan plan = BackupPlanFor(config_, false);
    const store::BackupRecord backup = TRY(backups_.Create(backup::BackupRequest{
        .app_root = config_.app.root,
        .critical_files = plan.critical_files,
        .commit = journal_.target.current_commit,
        .branch = journal_.target.current_branch.value_or(""),
        .version = journal_.target.current_version,
        .database_url = plan.database ? config_.app.database_url : "",
        .tools = backup::DetectToolVersions(config_.app.root, {"node", "npm"})}));
    journal_.backup_id = backup.id;
    note += "; backup " + backup.id;
    return {};
  }

  Status Fetch(std::string& note) {
    const UpdateTarget& target = journal_.target;
    note = "have " + target.commit;
    // The remote is needed only for objects we lack: resolving the target (the update check
    // fetches what its changelog needs) or an earlier checkout of a backup's commit usually
    // brought them already. A local tag must still name the announced commit.
    const auto tag_commit = [&] { return repository_.ResolveCommit(target.tag); };
    if (repository_.ResolveCommit(target.commit) &&
        (target.tag.empty() || journal_.RestoresBackup() || tag_commit() == target.commit)) {
      return {};
    }
    note = "fetched " + target.commit;
    TRY(repository_.Fetch(config_.git.remote, {.branch = target.branch, .tags = true}));
    if (!target.tag.empty()) {
      // Install exactly the commit that was announced, even if the tag moved since.
      const std::string tagged = TRY(repository_.ResolveCommit(target.tag));
      if (tagged != target.commit) {
        return MakeError(ErrorCode::kConflict,
                         fmt::format("tag {} moved from the announced {} to {}", target.tag,
                                     target.commit, tagged));
      }
    } else {
      TRY(repository_.ResolveCommit(target.commit));
    }
    return {};
  }

  Status Checkout(std::string& note) {
    const UpdateTarget& target = journal_.target;
    if (journal_.RestoresBackup()) {
      note = "git reset to " + target.commit +
             TRY(ResetCode({.commit = target.commit, .branch = target.branch},
                           journal_.restore_backup_id));
      return {};
    }
    if (target.branch) {
      TRY(repository_.CheckoutBranch(*target.branch, target.commit));
    } else {
      TRY(repository_.CheckoutDetached(target.commit));
    }
    commands_.reset();
    note = "checked out " + target.commit;
    return {};
  }

  Status Verify(UpdateState state) {
    if (health_checks_.empty()) return Skip(state, "no health checks configured");
    return Step(state, [&](std::string& note) -> Status {
      const health::HealthReport report =
          TRY(checker_.WaitHealthy(health_checks_, {.grace_period = config_.health.grace_period,
                                                    .retries = config_.health.retries,
                                                    .interval = config_.health.interval}));
      note = fmt::format("{} after {} attempt(s)", report.healthy ? "healthy" : "unhealthy",
                         report.attempts);
      if (!report.healthy) {
        return MakeError(ErrorCode::kUnavailable, "unhealthy: " + Join(report.errors));
      }
      return {};
    });
  }

  // Nothing is recorded without a probation window or health checks.
  Status Probation(UpdateState state) {
    const std::chrono::milliseconds window = config_.health.probation;
    if (window.count() == 0 || health_checks_.empty()) return {};
    return Step(state, [&](std::string& note) -> Status {
      const health::HealthReport report =
          TRY(checker_.WatchHealthy(health_checks_, {.duration = window,
                                                     .interval = config_.health.interval,
                                                     .retries = config_.health.retries}));
      if (!report.healthy) {
        return MakeError(
            ErrorCode::kUnavailable,
            fmt::format("unhealthy during the {} s probation (after {} check(s)): {}",
                        config_.health.probation.count(), report.attempts, Join(report.errors)));
      }
      note = fmt::format("healthy through the {} s probation ({} check(s))",
                         config_.health.probation.count(), report.attempts);
      return {};
    });
  }

  Status Commit(std::string& note) {
    if (journal_.RestoresBackup()) {
      // The backup just returned to may be older than retention keeps: the next update prunes.
      note = "a rollback removes no backups";
      return {};
    }
    if (journal_.backup_id.empty()) return {};
    // Retention is housekeeping: failing to prune never fails an update that is healthy.
    const Expected<int> pruned = backups_.Prune(config_.backup.retention);
    note = pruned ? fmt::format("pruned {} old backup(s)", *pruned)
                  : "pruning backups failed: " + pruned.error().message();
    return {};
  }

  // Hard-resets git to `head` and restores the critical files of backup `backup_id` (none
  // when empty); returns "; <n> file(s) restored from backup <id>" or "".
  Expected<std::string> ResetCode(const git::HeadState& head, const std::string& backup_id) {
    TRY(repository_.ResetHard(head));
    commands_.reset();
    if (backup_id.empty()) return std::string();
    const backup::RestoreReport report =
        TRY(backups_.Restore(backup_id, {.app_root = config_.app.root, .restore_files = true}));
    return fmt::format("; {} file(s) restored from backup {}", report.restored.size(), backup_id);
  }

  Status RollbackCode(std::string& note) {
    const UpdateTarget& target = journal_.target;
    const std::string restored = TRY(ResetCode(
        {.commit = target.current_commit, .branch = target.current_branch}, journal_.backup_id));
    note = "git reset to " + target.current_commit + restored;
    journal_.rolled_back.push_back(
        fmt::format("code reset to {}{}", target.current_commit.substr(0, 12), restored));
    return {};
  }

  // Migrate of a rollback to a backup.
  Status RestoreBackupDatabase(UpdateState state) {
    if (!journal_.restore_database) {
      return Skip(state, "backup " + journal_.restore_backup_id + " holds no database dump");
    }
    return Step(state, [&](std::string& note) {
      return RestoreDatabase(journal_.restore_backup_id, note);
    });
  }

  Status RollbackDatabase(std::string& note) {
    if (journal_.backup_id.empty() || !BackupPlanFor(config_, false).database) {
      return MakeError(ErrorCode::kFailed,
                       "a migration ran but there is no database backup to restore (skipBackup "
                       "or no app.database_url)");
    }
    TRY(RestoreDatabase(journal_.backup_id, note));
    journal_.rolled_back.push_back(note);
    return {};
  }

  Status RestoreDatabase(const std::string& backup_id, std::string& note) {
    TRY(backups_.Restore(backup_id, {.app_root = config_.app.root,
                                     .restore_files = false,
                                     .displace_new_files = false,
                                     .restore_database = true,
                                     .database_url = config_.app.database_url}));
    note = "database restored from backup " + backup_id;
    return {};
  }

  Status RunOptionalCommand(UpdateState state, const std::optional<Argv>& argv,
                            const std::string& note) {
    if (!argv) return Skip(state, note);
    return RunCommand(state, *argv);
  }

  Status RunCommand(UpdateState state, const Argv& argv) {
    const std::string step = StepName(state);
    return Step(state, [&](std::string& note) -> Status {
      std::string tail;
      core::ProcessOptions process;
      process.argv = argv;
      process.cwd = config_.app.root;
      process.timeout = config_.commands.timeout;
      process.on_line = [&](core::OutputStream, std::string_view line) {
        // The tail is bounded; the log file takes everything, so output size never
        // fails a step.
        tail.append(line).push_back('\n');
        if (tail.size() > 2 * store::kMaxOutputTailBytes) {
          tail.erase(0, tail.size() - store::kMaxOutputTailBytes);
        }
        Log(fmt::format("[{}] {}", step, line));
        Emit({.kind = ProgressEvent::Kind::kOutput, .step = step, .text = std::string(line)});
      };
      Log(fmt::format("[{}] $ {}", step, JoinArgv(argv)));
      const core::ProcessResult result = TRY(core::RunProcess(std::move(process)));
      note = std::move(tail);
      exit_code_ = result.exit_code;
      if (!result.Succeeded()) {
        return MakeError(ErrorCode::kFailed,
                         fmt::format("{} {}", JoinArgv(argv), result.Describe()));
      }
      return {};
    });
  }

  Status Skip(UpdateState state, const std::string& why) {
    const std::string step = StepName(state);
    TRY(WriteEndedStep(store_));
    const std::int64_t step_id = TRY(store_.BeginStep(id_, step));
    Log(fmt::format("[{}] skipped: {}", step, why));
    ended_step_ = {step_id, {.status = store::StepStatus::kSkipped, .output_tail = why}};
    return {};
  }

  // A step's end is kept until the next transition, which writes both at once; a step that
  // begins first, or the transaction's end, writes it instead.
  Status WriteEndedStep(store::Store& store) {
    if (!ended_step_) return {};
    const EndedStep ended = *std::exchange(ended_step_, std::nullopt);
    return store.FinishStep(ended.id, ended.result);
  }

  // Records `work` as one step: start, end, exit code, output tail or note, error.
  Status Step(UpdateState state, const std::function<Status(std::string& note)>& work) {
    const std::string step = StepName(state);
    TRY(WriteEndedStep(store_));
    const std::int64_t step_id = TRY(store_.BeginStep(id_, step));
    Log(fmt::format("[{}] started", step));
    Emit({.kind = ProgressEvent::Kind::kStepStarted, .step = step, .text = ""});
    std::string note;
    exit_code_.reset();
    const Status done = work(note);
    const std::string outcome = done ? "succeeded" : "failed: " + done.error().message();
    Log(fmt::format("[{}] {}", step, outcome));
    Emit({.kind = ProgressEvent::Kind::kStepFinished,
          .step = step,
          .text = outcome,
          .ok = done.has_value()});
    ended_step_ = {step_id,
                   {.status = done ? store::StepStatus::kSucceeded : store::StepStatus::kFailed,
                    .exit_code = exit_code_,
                    .output_tail = note,
                    .error = done ? "" : done.error().message()}};
    return done;
  }

  // The event announcing how the transaction ended, written with its end.
  notify::Event EndEvent(UpdateState state) const {
    const UpdateTarget& target = journal_.target;
    const store::TransactionType type = journal_.RestoresBackup()
                                            ? store::TransactionType::kRollback
                                            : store::TransactionType::kCode;
    if (state == S::kSucceeded && journal_.RestoresBackup()) {
      return notify::RollbackCompleted{.transaction_id = id_,
                                       .restored_version = target.version,
                                       .backup_id = journal_.restore_backup_id,
                                       .reason = requested_by_.empty()
                                                     ? "resumed after an interruption"
                                                     : "requested by " + requested_by_};
    }
    if (state == S::kSucceeded) {
      return notify::UpdateCompleted{
          .transaction_id = id_,
          .update_type = type,
          .from_version = target.current_version,
          .to_version = target.version,
          .duration =
              std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - started_at_)};
    }
    const std::string& error =
        !journal_.failure.empty() ? journal_.failure : (errors_.empty() ? "" : errors_.front());
    return notify::UpdateFailed{
        .transaction_id = id_,
        .update_type = type,
        .from_version = target.current_version,
        .to_version = target.version,
        .error = core::RedactSecrets(error),
        .failed_step = journal_.failed_step,
        .rollback = state == S::kRolledBack       ? notify::RollbackState::kRolledBack
                    : state == S::kRollbackFailed ? notify::RollbackState::kRollbackFailed
                                                  : notify::RollbackState::kNotNeeded};
  }

  void Emit(const ProgressEvent& event) const {
    if (progress_) progress_(event);
  }
  void Log(std::string_view line) {
    log_ << line << '\n';
    log_.flush();
  }
  static std::string Join(const std::vector<std::string>& parts) {
    std::string text;
    for (const std::string& part : parts) text += (text.empty() ? "" : "; ") + part;
    return text;
  }

  UpdateResult Result(UpdateState state) const {
    const UpdateTarget& target = journal_.target;
    UpdateResult result{
        .success = state == S::kSucceeded,
        .previous_version = target.current_version,
        .new_version = state == S::kSucceeded ? target.version : target.current_version,
        .changes = {},
        .errors = errors_,
        .rollback_available = !journal_.backup_id.empty(),
        .transaction_id = id_,
        .final_state = std::string(StateName(state)),
        .failed_step = journal_.failed_step,
        .rolled_back = journal_.rolled_back,
        .restored_backup = journal_.restore_backup_id,
        .plan = std::nullopt};
    if (result.success) {
      result.changes.push_back(fmt::format("code {} -> {} ({})", target.current_version,
                                           target.version, target.commit.substr(0, 12)));
      if (!journal_.backup_id.empty()) result.changes.push_back("backup " + journal_.backup_id);
      if (journal_.migration_started) {
        result.changes.push_back(journal_.RestoresBackup()
                                     ? "database restored from backup " + journal_.restore_backup_id
                                     : "migrations applied");
      }
    }
    return result;
  }

  const config::Config& config_;
  store::Store& store_;
  backup::BackupStore& backups_;
  core::Clock& clock_;
  const health::HealthChecker& checker_;
  const std::vector<health::CheckSpec>& health_checks_;
  git::Repository& repository_;
  std::string id_;
  Journal journal_;
  std::vector<std::string> notify_sinks_;
  std::chrono::system_clock::time_point started_at_;  // of this run, for the event's duration
  std::string requested_by_;  // "<actor> via <trigger>"; empty for a resumed transaction
  const ProgressCallback& progress_;
  std::optional<UpdateState> crash_after_state_;
  const UpdateOptions* options_ = nullptr;
  std::optional<ProjectCommands> commands_;
  std::optional<int> exit_code_;
  struct EndedStep {
    std::int64_t id;
    store::StepResult result;
  };
  std::optional<EndedStep> ended_step_;  // written by the next transition (WriteEndedStep)
  std::vector<std::string> errors_;
  std::ofstream log_;
};

}  // namespace

std::string_view StateName(UpdateState state) {
  return kStateNames[static_cast<std::size_t>(state)];
}

Expected<UpdateState> ParseState(std::string_view name) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return static_cast<UpdateState>(i);
  }
  return MakeError(ErrorCode::kInvalidArgument, fmt::format("unknown update state \"{}\"", name));
}

bool IsTerminal(UpdateState state) {
  return state == S::kSucceeded || state == S::kFailed || state == S::kRolledBack ||
         state == S::kRollbackFailed;
}

json ToJson(const UpdateResult& result) {
  json out{{"success", result.success},
           {"previousVersion", result.previous_version},
           {"newVersion", result.new_version},
           {"changes", result.changes},
           {"errors", result.errors},
           {"rollbackAvailable", result.rollback_available},
           {"transactionId",
            result.transaction_id.empty() ? json(nullptr) : json(result.transaction_id)},
           {"state", result.final_state},
           {"failedStep", result.failed_step.empty() ? json(nullptr) : json(result.failed_step)},
           {"rolledBack", result.rolled_back},
           {"restoredBackup",
            result.restored_backup.empty() ? json(nullptr) : json(result.restored_backup)}};
  if (result.plan) out["plan"] = ToJson(*result.plan);
  return out;
}

VersionManager::VersionManager(const config::Config& config, store::Store& store,
                               backup::BackupStore& backups, core::Clock& clock,
                               const health::HealthChecker& checker,
                               std::vector<health::CheckSpec> health_checks)
    : config_(config),
      store_(store),
      backups_(backups),
      clock_(clock),
      checker_(checker),
      health_checks_(std::move(health_checks)) {}

Expected<std::optional<UpdatePlan>> VersionManager::Plan(const UpdateOptions& options) {
  TRY(ValidateOptions(options));
  git::Repository repository = TRY(OpenAppRepository(config_));
  Resolution resolution = TRY(ResolveTarget(config_, repository, clock_, options));
  if (!resolution.target) return std::nullopt;
  return PlanFor(repository, std::move(*resolution.target), options);
}

Expected<UpdatePlan> VersionManager::PlanFor(git::Repository& repository, UpdateTarget target,
                                             const UpdateOptions& options) const {
  const ProjectCommands commands = TRY(ResolveCommands(
      CommitFiles(repository, target.commit), config_.commands,
      {.skip_migrations = options.skip_migrations, .skip_build = options.skip_build}));
  return MakePlan(std::move(target), commands, BackupPlanFor(config_, options.skip_backup),
                  health_checks_.size(), config_.health.probation);
}

Expected<UpdateResult> VersionManager::Apply(const UpdateOptions& options,
                                             const ProgressCallback& progress) {
  TRY(ValidateOptions(options));
  if (options.dry_run) {
    git::Repository repository = TRY(OpenAppRepository(config_));
    Resolution resolution = TRY(ResolveTarget(config_, repository, clock_, options));
    if (!resolution.target) return UpToDate(resolution);
    UpdatePlan plan = TRY(PlanFor(repository, std::move(*resolution.target), options));
    UpdateResult result{.success = true,
                        .previous_version = plan.target.current_version,
                        .new_version = plan.target.current_version,
                        .changes = {"dry run: nothing changed"},
                        .plan = std::move(plan)};
    return result;
  }
  const std::string id = store::NewTransactionId(clock_.Now());
  const core::FileLock lock = TRY(store::AcquireUpdateLock(config_.state.dir, "update " + id));
  const std::vector<UpdateResult> recovered = TRY(RecoverBeforeStart(progress));
  git::Repository repository = TRY(OpenAppRepository(config_));
  // The target is resolved before a transaction exists: finding nothing newer is not an
  // update, and an error while checking is returned as it is.
  Resolution resolution = TRY(ResolveTarget(config_, repository, clock_, options));
  if (!resolution.target) return UpToDate(resolution);
  Journal journal{.target = std::move(*resolution.target),
                  .skip_backup = options.skip_backup,
                  .skip_migrations = options.skip_migrations,
                  .skip_build = options.skip_build};
  Runner runner(config_, store_, backups_, clock_, checker_, health_checks_, repository, id,
                std::move(journal), NotifySinks(config_, options.notify_sinks), progress,
                options.crash_after_state);
  UpdateResult result = TRY(runner.Start(store::TransactionType::kCode, options.trigger,
                                         options.actor, &options, options.on_started));
  ListRecovered(recovered, result);
  return result;
}

Expected<UpdateResult> VersionManager::Rollback(const RollbackOptions& options,
                                                const ProgressCallback& progress) {
  const store::BackupRecord backup = TRY(backups_.Resolve(options.backup));
  const std::string context = "backup " + backup.id;
  const backup::Manifest manifest =
      TRY(WithContext(backup::ParseManifest(backup.manifest_json), context));
  if (!manifest.branch.empty()) {
    TRY(WithContext(git::ValidateRefName(manifest.branch), context + ": branch"));
  }
  const std::string id = store::NewTransactionId(clock_.Now());
  const core::FileLock lock = TRY(store::AcquireUpdateLock(config_.state.dir, "rollback " + id));
  const std::vector<UpdateResult> recovered = TRY(RecoverBeforeStart(progress));
  git::Repository repository = TRY(OpenAppRepository(config_));
  const semver::Version current =
      TRY(release::CurrentVersion(config_.app.root, config_.update.version_source));
  const git::HeadState head = TRY(repository.Head());
  Journal journal{
      .target = {.current_version = current.ToString(),
                 .current_commit = head.commit,
                 .current_branch = head.branch,
                 .version = manifest.version,
                 .tag = "",
                 .commit = manifest.commit,
                 .branch = manifest.branch.empty() ? std::nullopt
                                                   : std::optional<std::string>(manifest.branch)},
      .restore_backup_id = backup.id,
      .restore_database = manifest.database.has_value()};
  Runner runner(config_, store_, backups_, clock_, checker_, health_checks_, repository, id,
                std::move(journal), NotifySinks(config_, options.notify_sinks), progress,
                options.crash_after_state);
  UpdateResult result = TRY(runner.Start(store::TransactionType::kRollback, options.trigger,
                                         options.actor, nullptr, options.on_started));
  ListRecovered(recovered, result);
  return result;
}

Expected<std::vector<UpdateResult>> VersionManager::RecoverBeforeStart(
    const ProgressCallback& progress) {
  std::vector<UpdateResult> recovered =
      TRY(WithContext(RecoverLocked(progress, std::nullopt), "recovering an unfinished update"));
  for (const UpdateResult& previous : recovered) {
    if (previous.final_state == StateName(S::kRollbackFailed)) {
      // The app is in an unknown state: another transaction on top would only bury it.
      return MakeError(ErrorCode::kConflict,
                       fmt::format("the interrupted transaction {} could not be rolled back ({}); "
                                   "repair the app, then try again",
                                   previous.transaction_id,
                                   previous.errors.empty() ? "" : previous.errors.back()));
    }
  }
  return recovered;
}

Expected<std::vector<UpdateResult>> VersionManager::Recover(
    const ProgressCallback& progress, std::optional<UpdateState> crash_after_state) {
  const core::FileLock lock = TRY(store::AcquireUpdateLock(config_.state.dir, "recover"));
  return RecoverLocked(progress, crash_after_state);
}

Expected<std::vector<UpdateResult>> VersionManager::RecoverLocked(
    const ProgressCallback& progress, std::optional<UpdateState> crash_after_state) {
  std::vector<UpdateResult> results;
  for (const store::Transaction& transaction : TRY(store_.ListUnfinishedTransactions())) {
    if (transaction.type != store::TransactionType::kCode &&
        transaction.type != store::TransactionType::kRollback) {
      continue;
    }
    const std::string context = "recovering " + transaction.id;
    Expected<Journal> journal = FromStateJson(transaction.state_json, transaction.state_version);
    const Expected<UpdateState> state = ParseState(transaction.state);
    if (!journal || !state) {
      // Without a readable journal nothing can be undone safely: end it and say so.
      const Error error = !journal ? journal.error() : state.error();
      TRY(WithContext(store_.FinishTransaction(transaction.id,
                                               {.status = store::TransactionStatus::kRollbackFailed,
                                                .error = error.message()}),
                      context));
      results.push_back({.errors = {error.WithContext(context).message()},
                         .transaction_id = transaction.id,
                         .final_state = std::string(StateName(S::kRollbackFailed))});
      continue;
    }
    UpdateState resume = *state;
    if (!IsRollback(resume)) {
      journal->failure =
          fmt::format("the updater stopped during {} (killed or crashed)", StateName(resume));
      journal->failed_step = StepName(resume);
      // Before Checkout the app was not touched; from Checkout on it is rolled back.
      resume = resume < S::kCheckout ? S::kFailed : S::kRollbackCode;
    }
    if (resume >= S::kCheckout) {
      // A checkout killed by SIGKILL leaves git's index.lock behind and every later git
      // operation would fail. The update lock we hold proves no updater is running, so the
      // file is that dead updater's; any other git user must not run while updates do.
      std::error_code ignored;
      fs::remove(config_.app.root / ".git" / "index.lock", ignored);
    }
    git::Repository repository = TRY(WithContext(OpenAppRepository(config_), context));
    Runner runner(config_, store_, backups_, clock_, checker_, health_checks_, repository,
                  transaction.id, std::move(*journal), NotifySinks(config_, std::nullopt), progress,
                  crash_after_state);
    results.push_back(runner.Run(resume, nullptr));
  }
  return results;
}

}  // namespace galaos::code
