#include "core/FileLock.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>
#include <utility>

#include "core/UniqueFd.h"

namespace galaos::core {
namespace {

constexpr std::size_t kMaxRecordBytes = 4096;

Error ErrnoError(ErrorCode code, const std::string& what, const std::filesystem::path& path,
                 int err) {
  return Error(code, what + " " + path.string() + ": " + std::strerror(err));
}

// Closes the descriptor unless it was handed on.
int FlockRetrying(int fd, int operation) {
  int rc;
  while ((rc = ::flock(fd, operation)) != 0 && errno == EINTR) {
  }
  return rc;
}

Expected<std::string> ReadRecord(int fd, const std::filesystem::path& path) {
  std::string record(kMaxRecordBytes, '\0');
  std::size_t filled = 0;
  while (filled < record.size()) {
    ssize_t n =
        ::pread(fd, record.data() + filled, record.size() - filled, static_cast<off_t>(filled));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(ErrnoError(ErrorCode::kIo, "cannot read", path, errno));
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  record.resize(filled);
  return record;
}

// The record is "pid\ndescription\n"; anything else names no owner.
std::optional<LockOwner> ParseOwner(std::string_view record) {
  std::size_t newline = record.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  std::string_view pid_text = record.substr(0, newline);
  LockOwner owner;
  auto [end, error] =
      std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), owner.pid);
  if (error != std::errc() || end != pid_text.data() + pid_text.size() || owner.pid <= 0) {
    return std::nullopt;
  }
  std::string_view description = record.substr(newline + 1);
  owner.description = std::string(description.substr(0, description.find('\n')));
  return owner;
}

std::string DescribeOwner(const LockOwner& owner) {
  return "pid " + std::to_string(owner.pid) + " (" + owner.description + ")";
}

Status WriteRecord(int fd, const std::filesystem::path& path, std::string_view record) {
  if (::ftruncate(fd, 0) != 0) {
    return std::unexpected(ErrnoError(ErrorCode::kIo, "cannot truncate", path, errno));
  }
  std::size_t written = 0;
  while (written < record.size()) {
    ssize_t n =
        ::pwrite(fd, record.data() + written, record.size() - written, static_cast<off_t>(written));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(ErrnoError(ErrorCode::kIo, "cannot write", path, errno));
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    return std::unexpected(ErrnoError(ErrorCode::kIo, "cannot fsync", path, errno));
  }
  return {};
}

}  // namespace

// flock locks belong to the open file description: a second open() of the same file, even in
// the same process, is a different holder, so a second TryAcquire in this process conflicts.
Expected<FileLock> FileLock::TryAcquire(const std::filesystem::path& path,
                                        std::string description) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    return std::unexpected(ErrnoError(ErrorCode::kIo, "cannot open lock file", path, errno));
  }
  if (FlockRetrying(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      return std::unexpected(ErrnoError(ErrorCode::kIo, "cannot lock", path, errno));
    }
    std::string record = TRY(ReadRecord(fd.get(), path));
    std::optional<LockOwner> holder = ParseOwner(record);
    // No record yet: the holder is between taking the lock and writing its record.
    std::string who = holder ? DescribeOwner(*holder) : "another process";
    return MakeError(ErrorCode::kConflict, path.string() + " is locked by " + who);
  }

  std::string previous = TRY(ReadRecord(fd.get(), path));
  std::ranges::replace(description, '\n', ' ');
  TRY(WriteRecord(fd.get(), path, std::to_string(::getpid()) + "\n" + description + "\n"));

  FileLock lock;
  lock.path_ = path;
  lock.fd_ = fd.Release();
  lock.stale_previous_owner_ = ParseOwner(previous);  // a live owner would have held the lock
  return lock;
}

// Probes with a shared lock on its own open file description: it fails exactly while someone
// holds the exclusive lock (this process included). A TryAcquire racing with the probe's
// instant may see a conflict.
Expected<FileLock::Inspection> FileLock::Inspect(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Inspection{};
    return std::unexpected(ErrnoError(ErrorCode::kIo, "cannot open lock file", path, errno));
  }
  Inspection inspection;
  inspection.owner = ParseOwner(TRY(ReadRecord(fd.get(), path)));
  if (FlockRetrying(fd.get(), LOCK_SH | LOCK_NB) == 0) return inspection;  // close() unlocks
  if (errno != EWOULDBLOCK) {
    return std::unexpected(ErrnoError(ErrorCode::kIo, "cannot probe lock", path, errno));
  }
  inspection.held = true;
  return inspection;
}

FileLock::FileLock(FileLock&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      stale_previous_owner_(std::move(other.stale_previous_owner_)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    Release();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    stale_previous_owner_ = std::move(other.stale_previous_owner_);
  }
  return *this;
}

FileLock::~FileLock() {
  Release();
}

// Clears the record while still holding the lock, so it never erases a later owner's record.
// The file itself stays: unlinking it would let two processes lock two different inodes.
void FileLock::Release() noexcept {
  if (fd_ < 0) return;
  if (::ftruncate(fd_, 0) != 0) {
    spdlog::warn("cannot clear lock file {}: {}", path_.string(), std::strerror(errno));
  }
  FlockRetrying(fd_, LOCK_UN);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace galaos::core
