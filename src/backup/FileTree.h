// File-system primitives of the backup module, on directory file descriptors so that nothing
// below a root can lead out of it through a symlink. Internal to the backup module.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "backup/Glob.h"
#include "backup/Manifest.h"
#include "core/Error.h"
#include "core/UniqueFd.h"

namespace galaos::backup::detail {

// kIo for a failed write of `what` (a path as the user should see it): "no space left on
// device while writing <what>" (ENOSPC, EDQUOT), "file too large ... while writing <what>"
// (EFBIG: file-system or RLIMIT_FSIZE limit), else "cannot write <what>: <strerror>".
Error WriteError(int error_number, std::string_view what);
bool IsSpaceError(int error_number);  // ENOSPC, EDQUOT, EFBIG

// Opens a directory the caller chose (symlinks in `path` are followed).
Expected<core::UniqueFd> OpenDirectory(const std::filesystem::path& path);

enum class MissingDirs {
  kFail,           // kNotFound
  kCreatePrivate,  // 0700 whatever the umask (backup directories)
  kCreateDefault,  // 0755 minus the umask (directories of the app)
};

// Opens `relative` (empty, or IsSafeRelativePath) below `root` one segment at a time with
// O_NOFOLLOW: a segment that is a symlink is an error, never followed. Created directories
// are fsynced into their parents.
Expected<core::UniqueFd> OpenDirBeneath(int root, std::string_view relative, MissingDirs missing);

// Opens the regular file `name` in `dir` for reading; a symlink or special file is an error.
Expected<core::UniqueFd> OpenRegularFile(int dir, const std::string& name, std::string_view what);

struct FileInfo {
  std::uint64_t size = 0;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::string sha256{};
};

// sha256 of an open file's whole content, with its metadata.
Expected<FileInfo> HashFile(int fd, std::string_view what);

// Copies `source` into the new file `name` of `dir` (created exclusively, 0600), fsyncs it
// and `dir`, and returns the source's metadata and the sha256 of the bytes copied.
Expected<FileInfo> CopyToNewFile(int source, std::string_view source_what, int dir,
                                 const std::string& name, std::string_view what);

// Writes `data` into the new file `name` of `dir` (created exclusively, 0600); fsyncs it and
// `dir`.
Status WriteNewFile(int dir, const std::string& name, std::string_view data, std::string_view what);

// Creates the empty file `name` in `dir`, 0600 whatever the umask, for a tool to fill.
Status CreateEmptyPrivateFile(int dir, const std::string& name, std::string_view what);

// The whole content of an open file.
Expected<std::string> ReadAll(int fd, std::string_view what);

// Replaces `name` in `dir` with the content of `source` atomically: a temporary file in `dir`
// gets `file.mode` (and its owner when `set_owner`), its content must have `file.sha256`
// (kCorrupt otherwise, nothing replaced), then fsync, rename over `name`, fsync of `dir`.
Status ReplaceFile(int source, std::string_view source_what, int dir, const std::string& name,
                   const ManifestFile& file, bool set_owner, std::string_view what);

struct FoundFiles {
  std::vector<std::string> files{};  // regular files, relative, sorted
  std::vector<SkippedPath> skipped{};
};

// Walks `root` without following symlinks and without entering .git/ or node_modules/, and
// returns the regular files whose relative path matches a glob. Matching symlinks and special
// files, and directories it may not read, are reported as skipped.
Expected<FoundFiles> FindFiles(int root, const std::vector<Glob>& globs);

// "dir/name" -> {"dir", "name"}; "name" -> {"", "name"}.
std::pair<std::string, std::string> SplitParent(std::string_view relative);

}  // namespace galaos::backup::detail
