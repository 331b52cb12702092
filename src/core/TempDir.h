// TempDir: a fresh private (0700) directory, removed with its contents on destruction.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/Error.h"

namespace galaos::core {

class TempDir {
 public:
  // Created under `parent` (default: $TMPDIR or /tmp) as <prefix>XXXXXX.
  static Expected<TempDir> Create(std::string_view prefix = "galaos-",
                                  const std::filesystem::path& parent = {});

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  // Keeps the directory on disk; returns its path.
  std::filesystem::path Release();

 private:
  TempDir() = default;
  std::filesystem::path path_;
};

}  // namespace galaos::core
