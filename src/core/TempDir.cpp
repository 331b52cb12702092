#include "core/TempDir.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

namespace galaos::core {

Expected<TempDir> TempDir::Create(std::string_view prefix, const std::filesystem::path& parent) {
  std::filesystem::path base = parent;
  if (base.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    base = (tmpdir != nullptr && *tmpdir != '\0') ? tmpdir : "/tmp";
  }
  std::string pattern = (base / (std::string(prefix) + "XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {  // mkdtemp creates it 0700
    return MakeError(ErrorCode::kIo, "cannot create a temporary directory in " + base.string() +
                                         ": " + std::strerror(errno));
  }
  TempDir dir;
  dir.path_ = buffer.data();
  return dir;
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ignored;  // best effort: a destructor cannot report
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::Release() {
  std::filesystem::path kept = std::move(path_);
  path_.clear();
  return kept;
}

}  // namespace galaos::core
