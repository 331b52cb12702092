// FileLock: an exclusive advisory lock (flock) on a file that also records its owner's pid
// and a description. The kernel drops the lock when the owner dies, so a lock file whose
// recorded pid no longer holds the lock is a stale owner: a previous run that was killed.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "core/Error.h"

namespace galaos::core {

struct LockOwner {
  pid_t pid = 0;
  std::string description;  // e.g. "update tx-42"
};

class FileLock {
 public:
  // Takes the lock without waiting. If another live process holds it: kConflict error whose
  // message names the holder's pid and description. flock locks belong to an open file
  // description, so a second TryAcquire in the same process conflicts too.
  static Expected<FileLock> TryAcquire(const std::filesystem::path& path, std::string description);

  // The owner recorded in the file, if any, and whether that owner still holds the lock.
  // Probes with a shared flock for an instant: a TryAcquire at that very instant may conflict.
  struct Inspection {
    std::optional<LockOwner> owner;
    bool held = false;  // false with an owner: the owner died without releasing (stale)
  };
  static Expected<Inspection> Inspect(const std::filesystem::path& path);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();  // clears the owner record and releases; the file stays (never unlinked)

  // Set when the lock file named an owner that had died without releasing it.
  const std::optional<LockOwner>& stale_previous_owner() const { return stale_previous_owner_; }

 private:
  FileLock() = default;
  void Release() noexcept;

  std::filesystem::path path_;
  int fd_ = -1;
  std::optional<LockOwner> stale_previous_owner_;
};

}  // namespace galaos::core
