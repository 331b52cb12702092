// HTTP(S), plain TCP connects and SMTP through libcurl: the only module that touches libcurl.
// Callers describe a request and get the answer, or an Error that starts with the request's
// `what` and says why the transfer failed:
//   kTimeout      no complete answer within the request's timeout
//   kCancelled    the request's stop token was triggered
//   kUnauthorized the server refused the login (SMTP, HTTP basic auth handshake)
//   kFailed       the body exceeded max_body, or libcurl could not be set up
//   kUnavailable  anything else on the way (refused, DNS, TLS, reset): worth retrying
// An HTTP status is not a transfer failure: every status comes back in HttpResponse; callers
// judge it (StatusErrorCode gives the usual mapping).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/Error.h"

namespace galaos::net {

struct HttpRequest {
  std::string method = "GET";  // HEAD sends no body and reads none
  std::string url{};
  std::vector<std::string> headers{};  // "Name: value"
  std::optional<std::string> body{};   // sent when set
  std::string what{};                  // how errors name the request; default "METHOD url"
  std::string protocols = "http,https";
  std::string unix_socket{};     // connect through this socket; never proxied
  bool use_proxy = true;         // false: ignore http_proxy and friends
  int max_redirects = 0;         // 0: a redirect is returned as it is, not followed
  bool accept_encoding = false;  // ask for (and decode) every compression libcurl knows
  std::string username{};        // with a username: HTTP basic auth
  std::string password{};
  std::filesystem::path ca_file{};  // trusted CAs instead of the system's
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // the whole transfer; 0: none
  std::size_t max_body = 4u << 20;  // a longer buffered body fails the request (kFailed)
  bool cut_long_body = false;       // true: keeps the first max_body bytes instead
  std::stop_token stop{};
  // Streaming: every chunk of a 2xx body goes here instead of HttpResponse::body; false
  // stops reading, which is not an error (HttpResponse::stopped). Other statuses' bodies are
  // buffered (up to max_body, then cut) for the caller's error message. An exception thrown
  // by the callback ends the transfer and is rethrown from Perform.
  std::function<bool(std::string_view chunk)> on_body{};
};

struct HttpResponse {
  long status = 0;
  // Of the last response (after redirects and 100s), names in lower case, in order.
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  bool stopped = false;  // on_body asked to stop

  // The first header of that name (lower case), or "".
  std::string Header(std::string_view name) const;
};

// Connections, DNS answers and TLS sessions shared by every HttpSession made with it, on any
// thread: keep-alive across concurrent requests to the same servers. Outlives its sessions.
// Holds up to `max_connections` connections, in use and idle together; beyond that the oldest
// idle one is closed, so it should be at least the number of requests run at once.
class ConnectionPool {
 public:
  static constexpr std::size_t kDefaultMaxConnections = 32;
  explicit ConnectionPool(std::size_t max_connections = kDefaultMaxConnections);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

 private:
  friend class HttpSession;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::size_t max_connections_;
};

// A sequence of requests on one thread that reuses its connections (the pool's when given).
class HttpSession {
 public:
  explicit HttpSession(ConnectionPool* pool = nullptr);
  ~HttpSession();
  HttpSession(HttpSession&&) noexcept;
  HttpSession& operator=(HttpSession&&) noexcept;

  Expected<HttpResponse> Perform(const HttpRequest& request);

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  ConnectionPool* pool_;
};

// One request on a fresh connection.
Expected<HttpResponse> Perform(const HttpRequest& request);

// Opens a TCP connection to host:port (an IPv6 host without brackets is fine) and closes it.
Status Connect(std::string_view host, int port, std::chrono::milliseconds timeout,
               std::stop_token stop = {});

struct MailRequest {
  std::string url{};      // smtp://host:port or smtps://host:port
  bool starttls = false;  // smtp:// only: require STARTTLS
  std::string username{};
  std::string password{};
  std::string from{};                     // "<address>"
  std::vector<std::string> recipients{};  // "<address>" each
  std::string message{};                  // the whole RFC 5322 message, CRLF lines
  std::filesystem::path ca_file{};
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  std::string what{};  // how errors name the server
};

// Sends one message. A permanent refusal by the server (a 5xx reply other than to the login)
// is kInvalidArgument with the reply code; the rest as for HTTP.
Status SendMail(const MailRequest& request);

// The usual meaning of an HTTP error status: 400 kInvalidArgument, 401 kUnauthorized, 403
// kForbidden, 404 and 410 kNotFound, 409 kConflict, 408, 429 and 5xx kUnavailable (worth
// retrying), any other status kFailed.
ErrorCode StatusErrorCode(long status);

// The start of a body on one line, trimmed, control characters blanked, "..." when cut: for
// error messages.
std::string Snippet(std::string_view body, std::size_t max_bytes = 200);

// scheme://host[:port] of `url`, without credentials, path or query: how errors name a server
// whose URL is itself a secret. "<unparsable URL>" when it does not parse.
std::string UrlOrigin(const std::string& url);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string UrlEscape(std::string_view text);

}  // namespace galaos::net
