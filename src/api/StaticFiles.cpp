#include "api/StaticFiles.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "core/AtomicFile.h"

namespace galaos::api {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kContentTypes{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
    {".md", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},
    {".webmanifest", "application/manifest+json"},
}};

HttpReply NotFound() {
  return HttpReply{
      .status = 404, .content_type = "text/plain; charset=utf-8", .body = "not found\n"};
}

bool HasIndex(const fs::path& dir) {
  std::error_code error;
  return fs::is_regular_file(dir / "index.html", error);
}

// A path segment a file of the dashboard may have: no empty, dot or hidden segments, no
// backslashes or control characters.
bool SafeSegment(std::string_view segment) {
  if (segment.empty() || segment.front() == '.') return false;
  for (unsigned char c : segment) {
    if (c < 0x20 || c == 0x7f || c == '\\') return false;
  }
  return true;
}

}  // namespace

std::optional<fs::path> FindWebRoot(const fs::path& configured) {
  if (!configured.empty()) return HasIndex(configured) ? std::optional(configured) : std::nullopt;
  std::error_code error;
  const fs::path binary = fs::read_symlink("/proc/self/exe", error);
  if (error) return std::nullopt;
  const fs::path installed = binary.parent_path() / GALAOS_INSTALLED_WEB_ROOT;
  if (HasIndex(installed)) return installed.lexically_normal();
  if (fs::exists(binary.parent_path() / "CMakeCache.txt", error) &&
      HasIndex(GALAOS_SOURCE_WEB_ROOT)) {
    return fs::path(GALAOS_SOURCE_WEB_ROOT);
  }
  return std::nullopt;
}

std::string_view ContentTypeFor(const fs::path& file) {
  const std::string extension = file.extension().string();
  for (const auto& [known, type] : kContentTypes) {
    if (extension == known) return type;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(fs::path root) {
  std::error_code error;
  root_ = fs::weakly_canonical(root, error);
  if (error) root_ = std::move(root);
}

std::optional<fs::path> StaticFiles::Resolve(std::string_view url_path) const {
  if (url_path.empty() || url_path.front() != '/') return std::nullopt;
  std::string_view relative = url_path.substr(1);
  if (relative.empty()) relative = "index.html";
  fs::path file = root_;
  while (!relative.empty()) {
    const std::size_t slash = relative.find('/');
    const std::string_view segment = relative.substr(0, slash);
    if (!SafeSegment(segment)) return std::nullopt;
    file /= segment;
    relative = slash == std::string_view::npos ? "" : relative.substr(slash + 1);
    if (slash != std::string_view::npos && relative.empty()) return std::nullopt;  // "dir/"
  }
  // A symlink inside the root may still point outside it.
  std::error_code error;
  const fs::path real = fs::canonical(file, error);
  if (error || !fs::is_regular_file(real, error)) return std::nullopt;
  const auto [root_end, real_it] =
      std::mismatch(root_.begin(), root_.end(), real.begin(), real.end());
  if (root_end != root_.end()) return std::nullopt;
  return real;
}

HttpReply StaticFiles::Get(std::string_view url_path, std::string_view if_none_match) const {
  const std::optional<fs::path> file = Resolve(url_path);
  if (!file) return NotFound();
  std::error_code error;
  const auto size = fs::file_size(*file, error);
  const auto modified = fs::last_write_time(*file, error);
  if (error) return NotFound();
  const std::string etag = fmt::format(
      "\"{:x}-{:x}\"", size, static_cast<std::uint64_t>(modified.time_since_epoch().count()));
  HttpReply reply{.content_type = std::string(ContentTypeFor(*file)),
                  .headers = {{"ETag", etag}, {"Cache-Control", "no-cache"}},
                  .body = {}};
  if (if_none_match == etag) {
    reply.status = 304;
    return reply;
  }
  Expected<std::string> body = core::ReadFile(*file);
  if (!body) return NotFound();
  reply.body = std::move(*body);
  return reply;
}

}  // namespace galaos::api
