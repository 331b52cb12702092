#include "release/ResponseCache.h"

namespace galaos::release {
namespace {

std::string MetaKey(std::string_view key) {
  return "release.http-cache:" + std::string(key);
}

}  // namespace

Expected<std::optional<std::string>> StoreResponseCache::Get(std::string_view key) {
  return WithContext(store_.GetMeta(MetaKey(key)), "reading the release cache");
}

Status StoreResponseCache::Put(std::string_view key, std::string_view value) {
  return WithContext(store_.SetMeta(MetaKey(key), value), "writing the release cache");
}

}  // namespace galaos::release
