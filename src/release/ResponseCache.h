// ResponseCache: where GithubReleaseSource keeps its last answers (ETag + body per URL), so a
// later check, in this process or the next CLI run, asks with If-None-Match and an unchanged
// list costs one 304 (which GitHub does not count against the rate limit).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/Error.h"
#include "store/Store.h"

namespace galaos::release {

class ResponseCache {
 public:
  virtual ~ResponseCache() = default;
  virtual Expected<std::optional<std::string>> Get(std::string_view key) = 0;
  virtual Status Put(std::string_view key, std::string_view value) = 0;
};

// Entries live in the store's meta table under "release.http-cache:<key>".
class StoreResponseCache final : public ResponseCache {
 public:
  // `store` must outlive the cache.
  explicit StoreResponseCache(store::Store& store) : store_(store) {}

  Expected<std::optional<std::string>> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view value) override;

 private:
  store::Store& store_;
};

}  // namespace galaos::release
