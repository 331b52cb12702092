// Dashboard sessions: a signed-in browser holds an HttpOnly cookie with a random session id
// instead of the API token it signed in with. Sessions live in memory only (a daemon restart
// signs everyone out) and end at sign-out or `ttl` after sign-in, whichever comes first.
// Each session has its own CSRF token, returned at sign-in: a request that changes anything
// must echo it in a header, which a cross-site page cannot read, so cannot send.
// The map is keyed by a hash of the session id, so a lookup's timing says nothing about the
// ids held. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "api/Trpc.h"
#include "core/Clock.h"

namespace galaos::api {

struct Session {
  Role role = Role::kViewer;
  std::string actor;     // the token's name
  std::string token_id;  // the token signed in with: its revocation ends the session
  std::string csrf_token;
  std::chrono::system_clock::time_point expires_at;
};

struct NewSession {
  std::string id;  // the cookie's value: shown to the browser once, never stored
  Session session;
};

class SessionStore {
 public:
  // At most `capacity` sessions: beyond it, the one closest to expiry is dropped.
  SessionStore(core::Clock& clock, std::chrono::seconds ttl, std::size_t capacity = 1024);

  NewSession Create(Role role, std::string actor, std::string token_id);
  // The live session of `id`; nullopt when unknown, signed out or expired.
  std::optional<Session> Find(std::string_view id);
  // Signs `id` out; unknown ids are ignored.
  void Remove(std::string_view id);

 private:
  void DropExpiredLocked(std::chrono::system_clock::time_point now);

  core::Clock& clock_;
  const std::chrono::seconds ttl_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::map<std::string, Session, std::less<>> sessions_;  // by hash of the id
};

// True when `presented` equals `expected`, compared in constant time.
bool CsrfTokenMatches(std::string_view presented, std::string_view expected);

}  // namespace galaos::api
