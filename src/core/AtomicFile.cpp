#include "core/AtomicFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace galaos::core {
namespace {

Error ErrnoError(const std::string& what, const std::filesystem::path& path) {
  return Error(ErrorCode::kIo, what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

Expected<AtomicFile> AtomicFile::Create(const std::filesystem::path& target, mode_t mode) {
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  // Built with append: GCC 12 -O3 reports a false -Wrestrict on "literal" + std::string&&.
  std::string name = ".";
  name.append(target.filename().string()).append(".tmp-XXXXXX");
  std::string pattern = (dir / name).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  int fd = ::mkostemp(buffer.data(), O_CLOEXEC);
  if (fd < 0) return std::unexpected(ErrnoError("cannot create a temporary file for", target));
  if (::fchmod(fd, mode) != 0) {
    Error error = ErrnoError("cannot set the mode of", buffer.data());
    ::close(fd);
    ::unlink(buffer.data());
    return std::unexpected(error);
  }
  AtomicFile file;
  file.target_ = target;
  file.temp_ = buffer.data();
  file.fd_ = UniqueFd(fd);
  return file;
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : target_(std::move(other.target_)),
      temp_(std::exchange(other.temp_, {})),
      fd_(std::move(other.fd_)) {}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    Discard();
    target_ = std::move(other.target_);
    temp_ = std::exchange(other.temp_, {});
    fd_ = std::move(other.fd_);
  }
  return *this;
}

AtomicFile::~AtomicFile() {
  Discard();
}

void AtomicFile::Discard() noexcept {
  fd_.Reset();
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
}

Status AtomicFile::Write(std::string_view data) {
  if (!fd_.valid()) {
    return MakeError(ErrorCode::kFailed, "write after commit of " + target_.string());
  }
  while (!data.empty()) {
    ssize_t written = ::write(fd_.get(), data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(ErrnoError("cannot write", temp_));
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return {};
}

Status AtomicFile::Commit() {
  if (!fd_.valid()) return MakeError(ErrorCode::kFailed, "commit twice of " + target_.string());
  if (::fsync(fd_.get()) != 0) return std::unexpected(ErrnoError("cannot fsync", temp_));
  if (::close(fd_.Release()) != 0) return std::unexpected(ErrnoError("cannot close", temp_));
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    return std::unexpected(ErrnoError("cannot rename into place", target_));
  }
  temp_.clear();
  std::filesystem::path dir = target_.parent_path();
  return FsyncDirectory(dir.empty() ? "." : dir);
}

Status WriteFileAtomic(const std::filesystem::path& target, std::string_view data, mode_t mode) {
  AtomicFile file = TRY(AtomicFile::Create(target, mode));
  TRY(file.Write(data));
  return file.Commit();
}

Status FsyncDirectory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(ErrnoError("cannot open directory", dir));
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) return std::unexpected(ErrnoError("cannot fsync directory", dir));
  return {};
}

Expected<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(ErrnoError("cannot open", path));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return std::unexpected(ErrnoError("cannot read", path));
  return content.str();
}

}  // namespace galaos::core
