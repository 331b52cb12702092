#include "backup/BackupStore.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <system_error>

#include "backup/DatabaseDump.h"
#include "backup/DatabaseUrl.h"
#include "backup/FileTree.h"
#include "backup/Glob.h"
#include "core/AtomicFile.h"
#include "core/FileLock.h"
#include "core/Process.h"

namespace galaos::backup {
namespace {

namespace fs = std::filesystem;
using detail::MissingDirs;

constexpr std::string_view kManifestFile = "manifest.json";
constexpr std::string_view kLockFile = ".lock";
constexpr std::string_view kPartialSuffix = ".partial";
constexpr std::string_view kDeletingSuffix = ".deleting";
constexpr std::string_view kDisplacedDir = "displaced";
constexpr auto kToolTimeout = std::chrono::seconds(10);

std::tm UtcTime(store::TimePoint time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  return utc;
}

// "2026-11-26T20:17:51.123Z"
std::string IsoTime(store::TimePoint time) {
  const std::tm utc = UtcTime(time);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     millis < 0 ? millis + 1000 : millis);
}

// "20261126-201751"
std::string CompactTime(store::TimePoint time) {
  const std::tm utc = UtcTime(time);
  return fmt::format("{:04}{:02}{:02}-{:02}{:02}{:02}", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

std::string RandomHex() {
  std::random_device random;
  return fmt::format("{:08x}", static_cast<std::uint32_t>(random()));
}

// The non-empty components of an absolute, normal path.
std::vector<std::string> Components(const fs::path& path) {
  std::vector<std::string> parts;
  for (const fs::path& part : path) {
    if (!part.empty()) parts.push_back(part.string());
  }
  return parts;
}

// `path` is `base` or below it, component by component: /backupsX is not inside /backups.
bool IsWithin(const fs::path& path, const fs::path& base) {
  const std::vector<std::string> path_parts = Components(path);
  const std::vector<std::string> base_parts = Components(base);
  return path_parts.size() >= base_parts.size() &&
         std::equal(base_parts.begin(), base_parts.end(), path_parts.begin());
}

// Absolute, with symlinks of the existing part resolved.
Expected<fs::path> Resolved(const fs::path& path, std::string_view what) {
  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  if (!error) absolute = fs::weakly_canonical(absolute, error);
  if (error) {
    return MakeError(ErrorCode::kIo, "cannot resolve " + std::string(what) + " " + path.string() +
                                         ": " + error.message());
  }
  return absolute;
}

Expected<fs::path> ExistingDirectory(const fs::path& path, std::string_view what) {
  std::error_code error;
  if (path.empty() || !fs::is_directory(path, error)) {
    return MakeError(ErrorCode::kNotFound,
                     std::string(what) + " " + path.string() + " is not an existing directory");
  }
  return Resolved(path, what);
}

// Creates the backup directory if needed and makes it 0700.
Status PrepareDirectory(const fs::path& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return MakeError(ErrorCode::kIo,
                     "cannot create the backup directory " + dir.string() + ": " + error.message());
  }
  if (::chmod(dir.c_str(), 0700) != 0) {
    return MakeError(ErrorCode::kIo, "cannot make the backup directory " + dir.string() +
                                         " private: " + std::strerror(errno));
  }
  return {};
}

Expected<core::FileLock> LockDirectory(const fs::path& dir, std::string description) {
  return WithContext(core::FileLock::TryAcquire(dir / kLockFile, std::move(description)),
                     "backup directory " + dir.string() + " is in use");
}

// Removes what a killed Create (.<id>.partial) or Remove (.<id>.deleting) left behind.
// Called with the directory lock held, so none of them belongs to a running operation.
void SweepLeftovers(const fs::path& dir) {
  std::vector<fs::path> leftovers;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with('.') &&
        (name.ends_with(kPartialSuffix) || name.ends_with(kDeletingSuffix))) {
      leftovers.push_back(it->path());
    }
  }
  for (const fs::path& leftover : leftovers) {
    std::error_code removal;
    fs::remove_all(leftover, removal);
    if (removal) {
      spdlog::warn("cannot remove the leftover {}: {}", leftover.string(), removal.message());
    }
  }
}

// Removes an unfinished backup directory unless Commit() was called.
class PartialDirectory {
 public:
  explicit PartialDirectory(fs::path path) : path_(std::move(path)) {}
  PartialDirectory(const PartialDirectory&) = delete;
  PartialDirectory& operator=(const PartialDirectory&) = delete;
  ~PartialDirectory() {
    if (path_.empty()) return;
    std::error_code error;
    fs::remove_all(path_, error);
    if (error)
      spdlog::warn("cannot remove the partial backup {}: {}", path_.string(), error.message());
  }
  void Commit() { path_.clear(); }

 private:
  fs::path path_;
};

// kNotFound and kInvalidArgument (a symlink, a special file) inside a backup mean it was
// damaged: kCorrupt. I/O errors stay what they are.
Error AsCorruption(Error error) {
  if (error.code() == ErrorCode::kNotFound || error.code() == ErrorCode::kInvalidArgument) {
    return Error(ErrorCode::kCorrupt, error.message());
  }
  return error;
}

Expected<core::UniqueFd> OpenBackupFile(int backup, const std::string& relative) {
  const auto [parent, name] = detail::SplitParent(relative);
  auto dir = detail::OpenDirBeneath(backup, parent, MissingDirs::kFail);
  if (!dir) return std::unexpected(AsCorruption(std::move(dir).error()));
  auto file = detail::OpenRegularFile(dir->get(), name, relative);
  if (!file) return std::unexpected(AsCorruption(std::move(file).error()));
  return std::move(*file);
}

Status CheckFile(int backup, const std::string& relative, std::uint64_t size,
                 const std::string& sha256) {
  const core::UniqueFd fd = TRY(OpenBackupFile(backup, relative));
  const detail::FileInfo info = TRY(detail::HashFile(fd.get(), relative));
  if (info.size != size || info.sha256 != sha256) {
    return MakeError(ErrorCode::kCorrupt, relative + " does not match the manifest (sha256 " +
                                              info.sha256 + ", " + std::to_string(info.size) +
                                              " bytes; expected " + sha256 + ", " +
                                              std::to_string(size) + " bytes)");
  }
  return {};
}

// Every file and the database dump against the manifest.
Status CheckContents(int backup, const Manifest& manifest) {
  for (const ManifestFile& file : manifest.files) {
    TRY(CheckFile(backup, "files/" + file.path, file.size, file.sha256));
  }
  if (manifest.database) {
    TRY(CheckFile(backup, manifest.database->file, manifest.database->size,
                  manifest.database->sha256));
  }
  return {};
}

Status SyncDirectoryFd(int fd, std::string_view what) {
  if (::fsync(fd) != 0) return std::unexpected(detail::WriteError(errno, what));
  return {};
}

// Dumps the database into `partial` and describes the result.
Expected<ManifestDatabase> WriteDatabase(const DatabaseTarget& database, const fs::path& partial,
                                         int partial_fd, const BackupStoreOptions& options) {
  ManifestDatabase dump;
  dump.kind = database.kind;
  dump.file = database.kind == DatabaseKind::kPostgres ? "database.dump" : "database.sqlite";
  dump.source = database.kind == DatabaseKind::kPostgres ? database.postgres_url
                                                         : database.sqlite_path.string();
  TRY(detail::CreateEmptyPrivateFile(partial_fd, dump.file, dump.file));
  if (database.kind == DatabaseKind::kPostgres) {
    TRY(detail::DumpPostgres(database, partial / dump.file, dump.file, options));
  } else {
    TRY(detail::BackupSqlite(database.sqlite_path, partial / dump.file, dump.file, options));
  }
  const core::UniqueFd fd = TRY(detail::OpenRegularFile(partial_fd, dump.file, dump.file));
  // 0600 again in case the tool replaced the file instead of writing into it.
  if (::fchmod(fd.get(), 0600) != 0 || ::fsync(fd.get()) != 0) {
    return std::unexpected(detail::WriteError(errno, dump.file));
  }
  const detail::FileInfo info = TRY(detail::HashFile(fd.get(), dump.file));
  dump.size = info.size;
  dump.sha256 = info.sha256;
  TRY(SyncDirectoryFd(partial_fd, dump.file));
  return dump;
}

struct Written {
  Manifest manifest;
  std::int64_t size_bytes = 0;
};

// Fills the partial directory: files, database, manifest last; everything fsynced.
Expected<Written> WriteBackup(const fs::path& partial, const fs::path& app_root,
                              const std::vector<Glob>& globs,
                              const std::optional<DatabaseTarget>& database, Manifest manifest,
                              const BackupStoreOptions& options) {
  if (::mkdir(partial.c_str(), 0700) != 0 || ::chmod(partial.c_str(), 0700) != 0) {
    return std::unexpected(detail::WriteError(errno, partial.filename().string() + "/"));
  }
  const core::UniqueFd partial_fd = TRY(detail::OpenDirectory(partial));
  const core::UniqueFd root = TRY(detail::OpenDirectory(app_root));
  const detail::FoundFiles found = TRY(detail::FindFiles(root.get(), globs));

  Written written;
  for (const std::string& path : found.files) {
    const auto [parent, name] = detail::SplitParent(path);
    const core::UniqueFd source_dir =
        TRY(WithContext(detail::OpenDirBeneath(root.get(), parent, MissingDirs::kFail),
                        "reading " + path + " in " + app_root.string()));
    const core::UniqueFd source = TRY(detail::OpenRegularFile(source_dir.get(), name, path));
    const std::string stored = "files/" + path;
    const core::UniqueFd target_dir = TRY(detail::OpenDirBeneath(
        partial_fd.get(), detail::SplitParent(stored).first, MissingDirs::kCreatePrivate));
    const detail::FileInfo info =
        TRY(detail::CopyToNewFile(source.get(), path, target_dir.get(), name, stored));
    manifest.files.push_back({.path = path,
                              .size = info.size,
                              .mode = info.mode,
                              .uid = info.uid,
                              .gid = info.gid,
                              .sha256 = info.sha256});
    written.size_bytes += static_cast<std::int64_t>(info.size);
  }
  manifest.skipped = found.skipped;
  for (const SkippedPath& skipped : found.skipped) {
    spdlog::warn("backup {}: not backed up: {} ({})", manifest.id, skipped.path, skipped.reason);
  }
  if (database) {
    manifest.database = TRY(WriteDatabase(*database, partial, partial_fd.get(), options));
    written.size_bytes += static_cast<std::int64_t>(manifest.database->size);
  }
  const std::string json = ToJson(manifest);
  TRY(detail::WriteNewFile(partial_fd.get(), std::string(kManifestFile), json,
                           std::string(kManifestFile)));
  written.size_bytes += static_cast<std::int64_t>(json.size());
  // Read back what was written before it becomes visible.
  TRY(WithContext(CheckContents(partial_fd.get(), manifest), "checking the written backup"));
  written.manifest = std::move(manifest);
  return written;
}

// Moves critical files the backup does not know out of the app into `dir`/displaced/...
Status DisplaceNewFiles(int root, const fs::path& dir, const Manifest& manifest,
                        store::TimePoint now, RestoreReport& report) {
  const std::vector<Glob> globs = TRY(WithContext(ParseGlobs(manifest.globs), "manifest globs"));
  const detail::FoundFiles found = TRY(detail::FindFiles(root, globs));
  std::set<std::string> known;
  for (const ManifestFile& file : manifest.files) known.insert(file.path);
  std::vector<std::string> unknown;
  for (const std::string& path : found.files) {
    if (!known.contains(path)) unknown.push_back(path);
  }
  if (unknown.empty()) return {};

  const std::string destination =
      std::string(kDisplacedDir) + "/" + CompactTime(now) + "-" + manifest.id + "-" + RandomHex();
  const core::UniqueFd dir_fd = TRY(detail::OpenDirectory(dir));
  const core::UniqueFd target_root =
      TRY(detail::OpenDirBeneath(dir_fd.get(), destination, MissingDirs::kCreatePrivate));
  report.displaced_to = dir / destination;
  for (const std::string& path : unknown) {
    const auto [parent, name] = detail::SplitParent(path);
    const core::UniqueFd source_dir = TRY(detail::OpenDirBeneath(root, parent, MissingDirs::kFail));
    const core::UniqueFd source = TRY(detail::OpenRegularFile(source_dir.get(), name, path));
    const core::UniqueFd target_dir =
        TRY(detail::OpenDirBeneath(target_root.get(), parent, MissingDirs::kCreatePrivate));
    TRY(detail::CopyToNewFile(source.get(), path, target_dir.get(), name,
                              destination + "/" + path));
    if (::unlinkat(source_dir.get(), name.c_str(), 0) != 0) {
      return MakeError(ErrorCode::kIo, "cannot remove " + path +
                                           " (new since the backup): " + std::strerror(errno));
    }
    TRY(SyncDirectoryFd(source_dir.get(), path));
    report.displaced.push_back(path);
  }
  return {};
}

}  // namespace

bool IsValidBackupId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  if (!std::isalnum(static_cast<unsigned char>(id.front()))) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

BackupStore::BackupStore(fs::path dir, store::Store& index, core::Clock& clock,
                         BackupStoreOptions options)
    : dir_(std::move(dir)), index_(index), clock_(clock), options_(std::move(options)) {}

Expected<fs::path> BackupStore::CanonicalDir() const {
  if (dir_.empty()) return MakeError(ErrorCode::kInvalidArgument, "no backup directory is set");
  return Resolved(dir_, "the backup directory");
}

Expected<store::BackupRecord> BackupStore::Create(const BackupRequest& request) {
  const std::vector<Glob> globs = TRY(ParseGlobs(request.critical_files));
  const fs::path app_root = TRY(ExistingDirectory(request.app_root, "the app root"));
  const fs::path dir = TRY(CanonicalDir());
  if (IsWithin(dir, app_root)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the backup directory " + dir.string() + " is inside the app root " +
                         app_root.string() +
                         "; backups must live outside the app's tree (e.g. <state dir>/backups)");
  }
  std::optional<DatabaseTarget> database;
  if (!request.database_url.empty()) {
    database = TRY(ParseDatabaseUrl(request.database_url, app_root));
  }
  TRY(PrepareDirectory(dir));

  const auto now = std::chrono::floor<std::chrono::milliseconds>(clock_.Now());
  const std::string id = "bk-" + CompactTime(now) + "-" + RandomHex();
  const core::FileLock lock = TRY(LockDirectory(dir, "backup create " + id));
  SweepLeftovers(dir);

  Manifest manifest;
  manifest.id = id;
  manifest.created_at = IsoTime(now);
  manifest.version = request.version;
  manifest.commit = request.commit;
  manifest.branch = request.branch;
  manifest.tools = request.tools;
  manifest.globs = request.critical_files;

  const fs::path partial = dir / ("." + id + std::string(kPartialSuffix));
  PartialDirectory cleanup(partial);
  auto written = WriteBackup(partial, app_root, globs, database, std::move(manifest), options_);
  if (!written) return std::unexpected(std::move(written).error().WithContext("backup aborted"));

  const fs::path final_path = dir / id;
  if (::rename(partial.c_str(), final_path.c_str()) != 0) {
    return MakeError(ErrorCode::kIo, "backup aborted: cannot rename " + partial.string() + " to " +
                                         final_path.string() + ": " + std::strerror(errno));
  }
  cleanup.Commit();
  PartialDirectory unindexed(final_path);  // removed again unless indexed
  const core::UniqueFd dir_fd = TRY(detail::OpenDirectory(dir));
  TRY(WithContext(SyncDirectoryFd(dir_fd.get(), dir.string()), "backup aborted"));

  store::BackupRecord record{.id = id,
                             .path = final_path.string(),
                             .version = request.version,
                             .commit = request.commit,
                             .created_at = now,
                             .size_bytes = written->size_bytes,
                             .manifest_json = ToJson(written->manifest),
                             .verified = true};
  TRY(WithContext(index_.AddBackup(record), "backup aborted: cannot index " + id));
  unindexed.Commit();
  return record;
}

Expected<Manifest> BackupStore::Verify(std::string_view id) {
  if (!IsValidBackupId(id)) {
    return MakeError(ErrorCode::kInvalidArgument, "'" + std::string(id) + "' is not a backup id");
  }
  const std::string context = "backup " + std::string(id);
  const store::BackupRecord record = TRY(index_.GetBackup(id));
  const fs::path dir = TRY(CanonicalDir());
  const core::UniqueFd dir_fd = TRY(detail::OpenDirectory(dir));
  auto opened = detail::OpenDirBeneath(dir_fd.get(), id, MissingDirs::kFail);
  if (!opened) {
    return std::unexpected(AsCorruption(std::move(opened).error()).WithContext(context));
  }
  const core::UniqueFd backup = std::move(*opened);
  const core::UniqueFd manifest_fd =
      TRY(WithContext(OpenBackupFile(backup.get(), std::string(kManifestFile)), context));
  const std::string text = TRY(detail::ReadAll(manifest_fd.get(), kManifestFile));
  const Manifest manifest = TRY(WithContext(ParseManifest(text), context));
  const Manifest indexed =
      TRY(WithContext(ParseManifest(record.manifest_json), context + " (index copy)"));
  if (manifest != indexed || manifest.id != id) {
    return MakeError(ErrorCode::kCorrupt,
                     context + ": manifest.json differs from the copy in the index");
  }
  TRY(WithContext(CheckContents(backup.get(), manifest), context));
  return manifest;
}

Expected<RestoreReport> BackupStore::Restore(std::string_view id, const RestoreOptions& options) {
  const std::string context = "restoring backup " + std::string(id);
  if (!options.restore_files && !options.restore_database) {
    return MakeError(ErrorCode::kInvalidArgument, context + ": nothing to restore was selected");
  }
  const fs::path app_root =
      TRY(WithContext(ExistingDirectory(options.app_root, "the app root"), context));
  const fs::path dir = TRY(CanonicalDir());
  const core::FileLock lock = TRY(LockDirectory(dir, "backup restore " + std::string(id)));
  const Manifest manifest = TRY(WithContext(Verify(id), "refusing to restore"));

  std::optional<DatabaseTarget> database;
  if (options.restore_database) {
    if (!manifest.database) {
      return MakeError(ErrorCode::kInvalidArgument, context + ": it holds no database dump");
    }
    if (options.database_url.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, context + ": no database URL to restore into");
    }
    database = TRY(WithContext(ParseDatabaseUrl(options.database_url, app_root), context));
    if (database->kind != manifest.database->kind) {
      return MakeError(ErrorCode::kInvalidArgument, context + ": it holds a " +
                                                        std::string(Name(manifest.database->kind)) +
                                                        " database, but the database URL names " +
                                                        std::string(Name(database->kind)));
    }
  }

  RestoreReport report;
  const core::UniqueFd dir_fd = TRY(detail::OpenDirectory(dir));
  const core::UniqueFd backup = TRY(detail::OpenDirBeneath(dir_fd.get(), id, MissingDirs::kFail));
  if (options.restore_files) {
    const core::UniqueFd root = TRY(WithContext(detail::OpenDirectory(app_root), context));
    const bool set_owner = ::geteuid() == 0;
    for (const ManifestFile& file : manifest.files) {
      const std::string where = context + ": " + file.path;
      const auto [parent, name] = detail::SplitParent(file.path);
      const core::UniqueFd target_dir = TRY(WithContext(
          detail::OpenDirBeneath(root.get(), parent, MissingDirs::kCreateDefault), where));
      const std::string stored = "files/" + file.path;
      const core::UniqueFd source = TRY(WithContext(OpenBackupFile(backup.get(), stored), where));
      TRY(WithContext(detail::ReplaceFile(source.get(), stored, target_dir.get(), name, file,
                                          set_owner, file.path),
                      context));
      report.restored.push_back(file.path);
    }
    if (options.displace_new_files) {
      TRY(WithContext(DisplaceNewFiles(root.get(), dir, manifest, clock_.Now(), report),
                      context + ": moving aside critical files that are newer than the backup"));
    }
  }
  if (database) {
    const fs::path dump = dir / std::string(id) / manifest.database->file;
    if (database->kind == DatabaseKind::kPostgres) {
      // The lock we hold proves that a scratch directory left here belongs to a killed restore.
      const fs::path scratch =
          dir / ("." + std::string(id) + ".restore" + std::string(kPartialSuffix));
      std::error_code ignored;
      fs::remove_all(scratch, ignored);
      if (::mkdir(scratch.c_str(), 0700) != 0) {
        return std::unexpected(
            detail::WriteError(errno, scratch.filename().string() + "/").WithContext(context));
      }
      const PartialDirectory remove_scratch(scratch);
      TRY(WithContext(detail::RestorePostgres(*database, dump, scratch, options_), context));
    } else {
      TRY(WithContext(detail::RestoreSqlite(dump, database->sqlite_path, options_), context));
    }
    report.database_restored = true;
  }
  return report;
}

Expected<std::vector<store::BackupRecord>> BackupStore::List() {
  return index_.ListBackups();
}

Expected<store::BackupRecord> BackupStore::Get(std::string_view id) {
  if (!IsValidBackupId(id)) {
    return MakeError(ErrorCode::kInvalidArgument, "'" + std::string(id) + "' is not a backup id");
  }
  return index_.GetBackup(id);
}

Expected<store::BackupRecord> BackupStore::Resolve(std::string_view id_or_path) {
  if (id_or_path.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no backup id or path was given");
  }
  if (id_or_path.find('\0') != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "the backup path contains a NUL byte");
  }
  const bool is_path =
      id_or_path.find('/') != std::string_view::npos || id_or_path == "." || id_or_path == "..";
  if (!is_path) {
    if (!IsValidBackupId(id_or_path)) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "'" + std::string(id_or_path) + "' is not a backup id (letters, digits, '.', '_', '-')");
    }
    return index_.GetBackup(id_or_path);
  }
  const fs::path dir = TRY(CanonicalDir());
  std::string_view text = id_or_path;
  while (text.size() > 1 && text.back() == '/') text.remove_suffix(1);  // "<id>/" names <id>
  fs::path candidate(text);
  if (candidate.is_relative()) candidate = dir / candidate;
  const fs::path resolved = TRY(Resolved(candidate, "the backup path"));
  const std::string shown =
      "backup path '" + std::string(id_or_path) + "' resolves to " + resolved.string() + ", ";
  if (!IsWithin(resolved, dir)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     shown + "which is outside the backup directory " + dir.string());
  }
  const std::string id = resolved.filename().string();
  if (resolved.parent_path() != dir || !IsValidBackupId(id)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     shown + "which is not a backup directly inside " + dir.string());
  }
  return index_.GetBackup(id);
}

Status BackupStore::RemoveLocked(std::string_view id) {
  const std::string name(id);
  TRY(index_.GetBackup(id));
  const fs::path dir = TRY(CanonicalDir());
  const fs::path path = dir / name;
  const fs::path deleting = dir / ("." + name + std::string(kDeletingSuffix));
  std::error_code error;
  const bool on_disk = fs::exists(fs::symlink_status(path, error));
  // Renamed first, so a backup is never half deleted yet still listed.
  if (on_disk && ::rename(path.c_str(), deleting.c_str()) != 0) {
    return MakeError(ErrorCode::kIo, "cannot remove backup " + name + ": " + std::strerror(errno));
  }
  if (auto removed = index_.RemoveBackup(id); !removed) {
    if (on_disk) ::rename(deleting.c_str(), path.c_str());
    return removed;
  }
  fs::remove_all(deleting, error);
  if (error) {
    spdlog::warn("backup {} is unindexed but {} remains: {}", name, deleting.string(),
                 error.message());
  }
  return {};
}

Status BackupStore::Remove(std::string_view id) {
  if (!IsValidBackupId(id)) {
    return MakeError(ErrorCode::kInvalidArgument, "'" + std::string(id) + "' is not a backup id");
  }
  const fs::path dir = TRY(CanonicalDir());
  TRY(PrepareDirectory(dir));
  const core::FileLock lock = TRY(LockDirectory(dir, "backup remove " + std::string(id)));
  SweepLeftovers(dir);
  return RemoveLocked(id);
}

Expected<int> BackupStore::Prune(int keep) {
  if (keep < 1) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "the number of backups to keep must be at least 1, not " + std::to_string(keep));
  }
  const fs::path dir = TRY(CanonicalDir());
  TRY(PrepareDirectory(dir));
  const core::FileLock lock = TRY(LockDirectory(dir, "backup prune"));
  SweepLeftovers(dir);
  const std::vector<store::BackupRecord> backups = TRY(index_.ListBackups());
  int removed = 0;
  for (std::size_t i = static_cast<std::size_t>(keep); i < backups.size(); ++i) {
    TRY(WithContext(RemoveLocked(backups[i].id),
                    "pruning (" + std::to_string(removed) + " removed so far)"));
    ++removed;
  }
  return removed;
}

namespace {

// The version in the package.json of a tool installed as an npm package (npm, pnpm, yarn):
// its executable in PATH resolves into <package>/bin/…, and the package.json up from there
// names the tool. Reading it is what `<tool> --version` prints, without starting Node.js
// (npm's CLI takes 0.3-0.5 s to start). nullopt when the tool is not such a package.
std::optional<std::string> InstalledPackageVersion(const std::string& tool) {
  const char* path_variable = std::getenv("PATH");
  if (path_variable == nullptr) return std::nullopt;
  std::string_view dirs = path_variable;
  while (!dirs.empty()) {
    const size_t colon = dirs.find(':');
    const fs::path candidate = fs::path(dirs.substr(0, colon)) / tool;
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    std::error_code error;
    const fs::path resolved = fs::canonical(candidate, error);
    if (error || access(candidate.c_str(), X_OK) != 0) continue;
    // The first executable in PATH is the one `<tool> --version` would run.
    fs::path dir = resolved.parent_path();
    for (int level = 0; level < 3 && dir.has_relative_path(); ++level, dir = dir.parent_path()) {
      auto text = core::ReadFile(dir / "package.json");
      if (!text) continue;
      const auto package = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
      if (package.is_object() && package.value("name", "") == tool && package.contains("version") &&
          package["version"].is_string()) {
        return package["version"].get<std::string>();
      }
    }
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::map<std::string, std::string> DetectToolVersions(const fs::path& app_root,
                                                      const std::vector<std::string>& tools) {
  std::map<std::string, std::string> versions;
  for (const std::string& tool : tools) {
    if (std::optional<std::string> version = InstalledPackageVersion(tool)) {
      versions[tool] = *version;
      continue;
    }
    core::ProcessOptions options;
    options.argv = {tool, "--version"};
    options.cwd = app_root;
    options.timeout = kToolTimeout;
    const auto result = core::RunProcess(std::move(options));
    if (!result || !result->Succeeded()) {
      spdlog::debug("{} --version: {}", tool,
                    result ? result->Describe() : result.error().message());
      continue;
    }
    std::string_view line = result->stdout_tail;
    line = line.substr(0, line.find('\n'));
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
      line.remove_suffix(1);
    }
    if (!line.empty()) versions[tool] = std::string(line);
  }
  return versions;
}

}  // namespace galaos::backup
