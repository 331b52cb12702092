// Atomic file writes: content goes to a temporary file in the same directory, is fsynced,
// renamed over the target, and the directory is fsynced, so a reader sees either the old or
// the new file, never a half-written one, even after a crash.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "core/Error.h"
#include "core/UniqueFd.h"

namespace galaos::core {

// Writes nothing visible unless Commit() succeeds; the destructor only removes the temp file.
class AtomicFile {
 public:
  static Expected<AtomicFile> Create(const std::filesystem::path& target, mode_t mode = 0644);

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();  // removes the temp file unless committed

  Status Write(std::string_view data);
  // fsync, rename over the target, fsync the directory. Usable once.
  Status Commit();

  const std::filesystem::path& target() const { return target_; }

 private:
  AtomicFile() = default;
  void Discard() noexcept;

  std::filesystem::path target_;
  std::filesystem::path temp_;  // empty once committed or discarded
  UniqueFd fd_;
};

Status WriteFileAtomic(const std::filesystem::path& target, std::string_view data,
                       mode_t mode = 0644);

Status FsyncDirectory(const std::filesystem::path& dir);

Expected<std::string> ReadFile(const std::filesystem::path& path);

}  // namespace galaos::core
