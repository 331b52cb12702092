// The dashboard's static files (web/): GET of a URL path under the web root, nothing else.
// No directory listings ("/" is index.html; other directories are not found), no dot files,
// no `..`, and nothing that resolves (after symlinks) outside the root. Replies carry the
// file's content type, an ETag and `Cache-Control: no-cache`: the browser keeps the files
// but asks each time, so a daemon upgrade shows its new dashboard at once (a matching
// If-None-Match gets 304).
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "api/Trpc.h"

namespace galaos::api {

// Where the dashboard's files are: `configured` when set (api.web_root); else the files
// installed with the binary (<bindir>/../share/galaos-updater/web); else, for a binary run
// from its CMake build tree, the source tree's web/. nullopt when none holds an index.html.
std::optional<std::filesystem::path> FindWebRoot(const std::filesystem::path& configured);

// The content type of a file name's extension; application/octet-stream when unknown.
std::string_view ContentTypeFor(const std::filesystem::path& file);

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  // The reply to GET `url_path` (decoded, starting with '/'): 200 with the file, 304 when
  // `if_none_match` is its ETag, 404 (text/plain) for anything else.
  HttpReply Get(std::string_view url_path, std::string_view if_none_match) const;

 private:
  // The regular file `url_path` names inside the root, or nullopt.
  std::optional<std::filesystem::path> Resolve(std::string_view url_path) const;

  std::filesystem::path root_;  // canonical
};

}  // namespace galaos::api
