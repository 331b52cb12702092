#include "backup/FileTree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>

namespace galaos::backup::detail {
namespace {

constexpr std::size_t kBufferSize = 64 * 1024;

std::unexpected<Error> IoError(std::string_view doing, std::string_view what, int error_number) {
  return MakeError(ErrorCode::kIo, std::string(doing) + " " + std::string(what) + ": " +
                                       std::strerror(error_number));
}

class Sha256 {
 public:
  Sha256() { crypto_hash_sha256_init(&state_); }
  void Update(const char* data, std::size_t size) {
    crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(data), size);
  }
  std::string HexDigest() {
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256_final(&state_, digest.data());
    std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    return std::string(hex.data(), crypto_hash_sha256_BYTES * 2);
  }

 private:
  crypto_hash_sha256_state state_;
};

// 0 or the errno of the failed write.
int WriteAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return 0;
}

struct Streamed {
  std::uint64_t size = 0;
  std::string sha256;
};

// Reads `source` from its start, hashing it, and writes it to `target` unless that is -1.
Expected<Streamed> Stream(int source, std::string_view source_what, int target,
                          std::string_view target_what) {
  if (::lseek(source, 0, SEEK_SET) < 0) return IoError("cannot read", source_what, errno);
  std::vector<char> buffer(kBufferSize);
  Sha256 hash;
  Streamed streamed;
  for (;;) {
    const ssize_t got = ::read(source, buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot read", source_what, errno);
    }
    if (got == 0) break;
    const auto size = static_cast<std::size_t>(got);
    hash.Update(buffer.data(), size);
    streamed.size += size;
    if (target >= 0) {
      if (const int error = WriteAll(target, buffer.data(), size); error != 0) {
        return std::unexpected(WriteError(error, target_what));
      }
    }
  }
  streamed.sha256 = hash.HexDigest();
  return streamed;
}

FileInfo InfoOf(const struct stat& status, Streamed streamed) {
  return FileInfo{.size = streamed.size,
                  .mode = status.st_mode & 07777,
                  .uid = status.st_uid,
                  .gid = status.st_gid,
                  .sha256 = std::move(streamed.sha256)};
}

// A full disk may only show at fsync or close, so their errors are write errors too.
Status SyncAndClose(core::UniqueFd& fd, std::string_view what) {
  if (::fsync(fd.get()) != 0) return std::unexpected(WriteError(errno, what));
  if (::close(fd.Release()) != 0) return std::unexpected(WriteError(errno, what));
  return {};
}

// Makes the entry of a file just written in `dir` durable.
Status SyncDirectory(int dir, std::string_view what) {
  if (::fsync(dir) != 0) return std::unexpected(WriteError(errno, what));
  return {};
}

Expected<core::UniqueFd> CreatePrivate(int dir, const std::string& name, std::string_view what) {
  core::UniqueFd fd(
      ::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return std::unexpected(WriteError(errno, what));
  if (::fchmod(fd.get(), 0600) != 0) return IoError("cannot set the mode of", what, errno);
  return fd;
}

// Removes a temporary file unless disarmed.
class TempFileGuard {
 public:
  TempFileGuard(int dir, std::string name) : dir_(dir), name_(std::move(name)) {}
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  ~TempFileGuard() {
    if (!name_.empty()) ::unlinkat(dir_, name_.c_str(), 0);
  }
  void Disarm() { name_.clear(); }

 private:
  int dir_;
  std::string name_;
};

bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

Expected<std::vector<std::string>> ListNames(int dir, std::string_view what) {
  const int copy = ::fcntl(dir, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return IoError("cannot read directory", what, errno);
  std::unique_ptr<DIR, DirCloser> stream(::fdopendir(copy));
  if (!stream) {
    const int error = errno;
    ::close(copy);
    return IoError("cannot read directory", what, error);
  }
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(stream.get());
    if (entry == nullptr) break;
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  if (errno != 0) return IoError("cannot read directory", what, errno);
  std::sort(names.begin(), names.end());
  return names;
}

Status Walk(int dir, const std::string& prefix, const std::vector<Glob>& globs, FoundFiles& found) {
  const std::vector<std::string> names = TRY(ListNames(dir, prefix.empty() ? "." : prefix));
  for (const std::string& name : names) {
    const std::string relative = prefix.empty() ? name : prefix + "/" + name;
    struct stat status {};
    if (::fstatat(dir, name.c_str(), &status, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed while we walk
      return IoError("cannot inspect", relative, errno);
    }
    if (S_ISDIR(status.st_mode)) {
      if (name == ".git" || name == "node_modules") continue;
      core::UniqueFd child(
          ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!child.valid()) {
        if (errno == EACCES || errno == EPERM) {
          found.skipped.push_back({relative + "/", "directory not readable: permission denied"});
          continue;
        }
        if (errno == ENOENT) continue;
        return IoError("cannot open directory", relative, errno);
      }
      TRY(Walk(child.get(), relative, globs, found));
      continue;
    }
    if (!MatchesAny(globs, relative)) continue;
    if (!IsValidUtf8(relative)) {
      found.skipped.push_back({relative, "name is not valid UTF-8"});
    } else if (S_ISREG(status.st_mode)) {
      found.files.push_back(relative);
    } else if (S_ISLNK(status.st_mode)) {
      found.skipped.push_back({relative, "symbolic link (never followed)"});
    } else {
      found.skipped.push_back({relative, "not a regular file"});
    }
  }
  return {};
}

}  // namespace

bool IsSpaceError(int error_number) {
  return error_number == ENOSPC || error_number == EDQUOT || error_number == EFBIG;
}

Error WriteError(int error_number, std::string_view what) {
  const std::string target(what);
  if (error_number == ENOSPC || error_number == EDQUOT) {
    return Error(ErrorCode::kIo, "no space left on device while writing " + target);
  }
  if (error_number == EFBIG) {
    return Error(ErrorCode::kIo,
                 "file too large (file-system or process file-size limit) while writing " + target);
  }
  return Error(ErrorCode::kIo, "cannot write " + target + ": " + std::strerror(error_number));
}

Expected<core::UniqueFd> OpenDirectory(const std::filesystem::path& path) {
  core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return IoError("cannot open directory", path.string(), errno);
  return fd;
}

Expected<core::UniqueFd> OpenDirBeneath(int root, std::string_view relative, MissingDirs missing) {
  core::UniqueFd current(::fcntl(root, F_DUPFD_CLOEXEC, 0));
  if (!current.valid()) return IoError("cannot duplicate a directory descriptor for", ".", errno);
  if (relative.empty()) return current;
  if (!IsSafeRelativePath(relative)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "path '" + std::string(relative) + "' is not a safe relative path");
  }
  std::string walked;
  std::size_t start = 0;
  while (start <= relative.size()) {
    const std::size_t slash = relative.find('/', start);
    const std::string segment(relative.substr(start, slash - start));
    start = slash == std::string_view::npos ? relative.size() + 1 : slash + 1;
    walked += (walked.empty() ? "" : "/") + segment;

    constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    core::UniqueFd next(::openat(current.get(), segment.c_str(), kFlags));
    if (!next.valid() && errno == ENOENT && missing != MissingDirs::kFail) {
      const mode_t mode = missing == MissingDirs::kCreatePrivate ? 0700 : 0755;
      if (::mkdirat(current.get(), segment.c_str(), mode) != 0 && errno != EEXIST) {
        return std::unexpected(WriteError(errno, walked + "/"));
      }
      next = core::UniqueFd(::openat(current.get(), segment.c_str(), kFlags));
      if (next.valid() && missing == MissingDirs::kCreatePrivate &&
          ::fchmod(next.get(), 0700) != 0) {
        return IoError("cannot set the mode of", walked, errno);
      }
      if (next.valid() && ::fsync(current.get()) != 0) {
        return std::unexpected(WriteError(errno, walked + "/"));
      }
    }
    if (!next.valid()) {
      const int error = errno;
      struct stat status {};
      if (::fstatat(current.get(), segment.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(status.st_mode)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         walked + " is a symbolic link, which is never followed");
      }
      if (error == ENOENT) return MakeError(ErrorCode::kNotFound, walked + " does not exist");
      if (error == ENOTDIR) {
        return MakeError(ErrorCode::kInvalidArgument, walked + " is not a directory");
      }
      return IoError("cannot open directory", walked, error);
    }
    current = std::move(next);
  }
  return current;
}

Expected<core::UniqueFd> OpenRegularFile(int dir, const std::string& name, std::string_view what) {
  // O_NONBLOCK: opening a FIFO put in a file's place must not hang.
  core::UniqueFd fd(
      ::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) {
    const int error = errno;
    if (error == ENOENT) return MakeError(ErrorCode::kNotFound, std::string(what) + " is missing");
    if (error == ELOOP) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string(what) + " is a symbolic link, which is never followed");
    }
    return IoError("cannot open", what, error);
  }
  struct stat status {};
  if (::fstat(fd.get(), &status) != 0) return IoError("cannot inspect", what, errno);
  if (!S_ISREG(status.st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(what) + " is not a regular file");
  }
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return IoError("cannot open", what, errno);
  }
  return fd;
}

Expected<FileInfo> HashFile(int fd, std::string_view what) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) return IoError("cannot inspect", what, errno);
  return InfoOf(status, TRY(Stream(fd, what, -1, what)));
}

Expected<FileInfo> CopyToNewFile(int source, std::string_view source_what, int dir,
                                 const std::string& name, std::string_view what) {
  struct stat status {};
  if (::fstat(source, &status) != 0) return IoError("cannot inspect", source_what, errno);
  core::UniqueFd target = TRY(CreatePrivate(dir, name, what));
  Streamed streamed = TRY(Stream(source, source_what, target.get(), what));
  TRY(SyncAndClose(target, what));
  TRY(SyncDirectory(dir, what));
  return InfoOf(status, std::move(streamed));
}

Status WriteNewFile(int dir, const std::string& name, std::string_view data,
                    std::string_view what) {
  core::UniqueFd fd = TRY(CreatePrivate(dir, name, what));
  if (const int error = WriteAll(fd.get(), data.data(), data.size()); error != 0) {
    return std::unexpected(WriteError(error, what));
  }
  TRY(SyncAndClose(fd, what));
  return SyncDirectory(dir, what);
}

Status CreateEmptyPrivateFile(int dir, const std::string& name, std::string_view what) {
  core::UniqueFd fd = TRY(CreatePrivate(dir, name, what));
  TRY(SyncAndClose(fd, what));
  return SyncDirectory(dir, what);
}

Expected<std::string> ReadAll(int fd, std::string_view what) {
  if (::lseek(fd, 0, SEEK_SET) < 0) return IoError("cannot read", what, errno);
  std::string content;
  std::vector<char> buffer(kBufferSize);
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot read", what, errno);
    }
    if (got == 0) return content;
    content.append(buffer.data(), static_cast<std::size_t>(got));
  }
}

Status ReplaceFile(int source, std::string_view source_what, int dir, const std::string& name,
                   const ManifestFile& file, bool set_owner, std::string_view what) {
  std::random_device random;
  std::string temp;
  core::UniqueFd fd;
  for (int attempt = 0; attempt < 8 && !fd.valid(); ++attempt) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
    temp = "." + name + ".galaos-restore-" + suffix;
    fd = core::UniqueFd(
        ::openat(dir, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.valid() && errno != EEXIST) return std::unexpected(WriteError(errno, what));
  }
  if (!fd.valid()) return std::unexpected(WriteError(EEXIST, what));
  TempFileGuard guard(dir, temp);

  const Streamed streamed = TRY(Stream(source, source_what, fd.get(), what));
  if (streamed.sha256 != file.sha256 || streamed.size != file.size) {
    return MakeError(ErrorCode::kCorrupt, std::string(source_what) +
                                              " changed after it was verified (sha256 " +
                                              streamed.sha256 + ", manifest " + file.sha256 + ")");
  }
  // chown before chmod: chown clears set-user-ID bits.
  if (set_owner && ::fchown(fd.get(), file.uid, file.gid) != 0) {
    return IoError("cannot set the owner of", what, errno);
  }
  if (::fchmod(fd.get(), file.mode) != 0) return IoError("cannot set the mode of", what, errno);
  TRY(SyncAndClose(fd, what));
  if (::renameat(dir, temp.c_str(), dir, name.c_str()) != 0) {
    return IoError("cannot rename into place", what, errno);
  }
  guard.Disarm();
  return SyncDirectory(dir, what);
}

Expected<FoundFiles> FindFiles(int root, const std::vector<Glob>& globs) {
  FoundFiles found;
  TRY(Walk(root, "", globs, found));
  std::sort(found.files.begin(), found.files.end());
  return found;
}

std::pair<std::string, std::string> SplitParent(std::string_view relative) {
  const std::size_t slash = relative.rfind('/');
  if (slash == std::string_view::npos) return {"", std::string(relative)};
  return {std::string(relative.substr(0, slash)), std::string(relative.substr(slash + 1))};
}

}  // namespace galaos::backup::detail
