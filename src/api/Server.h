// ApiServer: the daemon's HTTP front (cpp-httplib, TLS when a certificate is configured).
//   /trpc/<procedure>   the TrpcRouter's procedures; `Authorization: Bearer <id>.<secret>`
//   /healthz            200 "ok": the updater itself is up (no auth, no store access)
//   /events             Server-Sent Events from the EventHub (any authenticated caller;
//                       Last-Event-ID resumes; a keep-alive comment every 15 s)
//   /metrics            Prometheus text format (Metrics.h): a viewer or admin token, or
//                       none from loopback when api.metrics_open_on_loopback is set
// Bearer tokens are API tokens, or GalaOS JWTs when api.jwt_enabled (Authenticator.h).
//   /auth/session       the dashboard's sign-in: POST {"token"} sets an HttpOnly session
//                       cookie and returns the session's CSRF token; GET returns the session
//                       (role, actor, csrfToken, expiresAt); DELETE signs out (Sessions.h)
//   /                   the dashboard's files (StaticFiles.h), when a web root is found
// Without a bearer token, the session cookie identifies the caller of /trpc and /events; with
// a cookie, every method but GET and HEAD needs the session's token in X-CSRF-Token.
// Dashboard replies (/ and /auth) carry a Content-Security-Policy with script-src 'self' and
// frame-ancestors 'none', and X-Content-Type-Options: nosniff.
// Limits from config.api: request bodies over max_body_bytes get 413, a client slower than
// request_timeout is disconnected, and a client address with auth_failures_per_minute failed
// authentications in the last minute gets 429 for its authenticated requests until the
// minute has passed — other clients are not slowed. Every response carries X-Request-Id.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "api/Authenticator.h"
#include "api/EventHub.h"
#include "api/Metrics.h"
#include "api/Sessions.h"
#include "api/StaticFiles.h"
#include "api/Trpc.h"
#include "config/Config.h"
#include "core/Clock.h"
#include "core/Error.h"
#include "store/Store.h"

namespace galaos::api {

class ApiServer {
 public:
  // Everything referenced must outlive the server. Without `events`, no /events route;
  // without `metrics`, no /metrics.
  ApiServer(const config::ApiConfig& config, store::Store& store, const TrpcRouter& router,
            core::Clock& clock, EventHub* events = nullptr, Metrics* metrics = nullptr);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds config.listen (port 0: a free port) and returns the bound port. A certificate or
  // key that cannot be loaded, or an address in use, is an error.
  Expected<int> Bind();
  // Serves on the calling thread until Stop(). Bind first.
  Status Serve();
  // Thread-safe; closes the EventHub and Serve returns soon after.
  void Stop();

 private:
  void Route();
  void RouteDashboard();

  const config::ApiConfig& config_;
  store::Store& store_;
  const TrpcRouter& router_;
  EventHub* events_;
  Metrics* metrics_;
  Authenticator authenticator_;
  SessionStore sessions_;
  std::optional<StaticFiles> web_;  // the dashboard, when its files are found
  struct Http;                      // the cpp-httplib server, kept out of this header
  std::unique_ptr<Http> http_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> serving_{false};
};

}  // namespace galaos::api
