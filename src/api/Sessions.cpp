#include "api/Sessions.h"

#include <sodium.h>

#include <algorithm>

#include "api/Crypto.h"

namespace galaos::api {
namespace {

constexpr std::size_t kRandomBytes = 32;  // of the session id and of the CSRF token

}  // namespace

SessionStore::SessionStore(core::Clock& clock, std::chrono::seconds ttl, std::size_t capacity)
    : clock_(clock), ttl_(ttl), capacity_(capacity) {
  [[maybe_unused]] int ready = sodium_init();  // < 0 only without entropy: randombytes aborts
}

NewSession SessionStore::Create(Role role, std::string actor, std::string token_id) {
  const auto now = clock_.Now();
  NewSession created{.id = RandomHex(kRandomBytes),
                     .session = {.role = role,
                                 .actor = std::move(actor),
                                 .token_id = std::move(token_id),
                                 .csrf_token = RandomHex(kRandomBytes),
                                 .expires_at = now + ttl_}};
  std::lock_guard lock(mutex_);
  DropExpiredLocked(now);
  if (sessions_.size() >= capacity_) {
    sessions_.erase(std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      return a.second.expires_at < b.second.expires_at;
    }));
  }
  sessions_.emplace(Blake2bHex(created.id), created.session);
  return created;
}

std::optional<Session> SessionStore::Find(std::string_view id) {
  const std::string key = Blake2bHex(id);
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(key);
  if (found == sessions_.end()) return std::nullopt;
  if (clock_.Now() >= found->second.expires_at) {
    sessions_.erase(found);
    return std::nullopt;
  }
  return found->second;
}

void SessionStore::Remove(std::string_view id) {
  const std::string key = Blake2bHex(id);
  std::lock_guard lock(mutex_);
  sessions_.erase(key);
}

void SessionStore::DropExpiredLocked(std::chrono::system_clock::time_point now) {
  std::erase_if(sessions_, [now](const auto& entry) { return now >= entry.second.expires_at; });
}

bool CsrfTokenMatches(std::string_view presented, std::string_view expected) {
  return !expected.empty() && presented.size() == expected.size() &&
         sodium_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

}  // namespace galaos::api
