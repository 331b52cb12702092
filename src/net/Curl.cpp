// The libcurl behind net/Http.h. Every transfer: no signals (we run on many threads), the
// project's User-Agent, errors into a buffer that names curl's reason.
#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <mutex>

#include "core/SharedLibrary.h"
#include "core/Text.h"
#include "net/Http.h"

namespace galaos::net {
namespace {

// The libcurl functions we call. libcurl is loaded on first use (core/SharedLibrary.h): a
// daemon that has not needed it yet does not carry it and its TLS/LDAP/Kerberos libraries.
#define GALAOS_LIBCURL_FUNCTIONS(X) \
  X(global_init)                    \
  X(easy_strerror)                  \
  X(easy_init)                      \
  X(easy_cleanup)                   \
  X(easy_reset)                     \
  X(easy_setopt)                    \
  X(easy_getinfo)                   \
  X(easy_perform)                   \
  X(slist_append)                   \
  X(slist_free_all)                 \
  X(share_init)                     \
  X(share_setopt)                   \
  X(share_cleanup)                  \
  X(url)                            \
  X(url_set)                        \
  X(url_get)                        \
  X(url_cleanup)                    \
  X(free)

struct CurlApi {
#define GALAOS_DECLARE(function) decltype(&curl_##function) function = nullptr;
  GALAOS_LIBCURL_FUNCTIONS(GALAOS_DECLARE)
#undef GALAOS_DECLARE
};

// Loads and initialises libcurl once (a function-local static: curl_global_init is not
// thread-safe in every libcurl).
const Expected<CurlApi>& LoadCurl() {
  static const Expected<CurlApi> loaded = []() -> Expected<CurlApi> {
    const core::SharedLibrary library = TRY(core::SharedLibrary::Open("libcurl.so.4", "libcurl4"));
    CurlApi api;
#define GALAOS_BIND(function) TRY(library.Bind(api.function, "curl_" #function));
    GALAOS_LIBCURL_FUNCTIONS(GALAOS_BIND)
#undef GALAOS_BIND
    if (const CURLcode init = api.global_init(CURL_GLOBAL_DEFAULT); init != CURLE_OK) {
      return MakeError(ErrorCode::kFailed,
                       std::string("cannot initialise libcurl: ") + api.easy_strerror(init));
    }
    return api;
  }();
  return loaded;
}

// libcurl's functions, once LoadCurl succeeded: every caller holds something (a handle, a
// share, a URL) that only a loaded libcurl made, or has called LoadCurl itself.
const CurlApi& Curl() {
  return LoadCurl().value();
}

struct CurlDeleter {
  void operator()(CURL* handle) const { Curl().easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

struct ListDeleter {
  void operator()(curl_slist* list) const { Curl().slist_free_all(list); }
};
using CurlList = std::unique_ptr<curl_slist, ListDeleter>;

struct ShareDeleter {
  void operator()(CURLSH* share) const { Curl().share_cleanup(share); }
};

Expected<CurlHandle> NewHandle() {
  if (!LoadCurl()) return std::unexpected(LoadCurl().error());
  CurlHandle handle(Curl().easy_init());
  if (!handle) return MakeError(ErrorCode::kFailed, "cannot create a libcurl handle");
  return handle;
}

Expected<CurlList> MakeList(const std::vector<std::string>& items) {
  CurlList list;
  for (const std::string& item : items) {
    curl_slist* head = Curl().slist_append(list.get(), item.c_str());
    if (head == nullptr) return MakeError(ErrorCode::kFailed, "out of memory building a request");
    list.release();
    list.reset(head);
  }
  return list;
}

// State of one transfer, shared with the callbacks.
struct Transfer {
  CURL* curl = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse response{};
  bool too_large = false;
  std::exception_ptr exception{};

  long Status() const {
    long status = 0;
    Curl().easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  const std::string_view chunk(data, bytes);
  const HttpRequest& request = *transfer->request;
  const long status = transfer->Status();
  if (request.on_body && status >= 200 && status < 300) {
    try {
      if (request.on_body(chunk)) return bytes;
      transfer->response.stopped = true;
    } catch (...) {
      transfer->exception = std::current_exception();
    }
    return 0;  // aborts the transfer
  }
  std::string& body = transfer->response.body;
  if (body.size() + bytes > request.max_body) {
    if (request.cut_long_body || request.on_body) {  // on_body: an error body, for its message
      body.append(chunk.substr(0, request.max_body - body.size()));
      return bytes;
    }
    transfer->too_large = true;
    return 0;
  }
  body.append(chunk);
  return bytes;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto& headers = static_cast<Transfer*>(user)->response.headers;
  const std::size_t bytes = size * count;
  const std::string_view line = core::Trim(std::string_view(data, bytes));
  if (line.starts_with("HTTP/")) {
    headers.clear();  // a new response: after a redirect or a 100
    return bytes;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  headers.emplace_back(core::AsciiLower(core::Trim(line.substr(0, colon))),
                       std::string(core::Trim(line.substr(colon + 1))));
  return bytes;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::stop_token*>(user)->stop_requested() ? 1 : 0;
}

// What every transfer shares; `stop` and `error_buffer` must outlive the transfer.
void SetCommonOptions(CURL* curl, std::chrono::milliseconds connect_timeout,
                      std::chrono::milliseconds timeout, const std::stop_token& stop,
                      const std::filesystem::path& ca_file, char* error_buffer) {
  error_buffer[0] = '\0';
  Curl().easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  Curl().easy_setopt(curl, CURLOPT_USERAGENT, "galaos-updater/" GALAOS_VERSION);
  Curl().easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  Curl().easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  Curl().easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  if (!ca_file.empty()) Curl().easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
  if (stop.stop_possible()) {
    Curl().easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    Curl().easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
    Curl().easy_setopt(curl, CURLOPT_XFERINFODATA, &stop);
  }
}

Error TransferError(CURLcode code, const char* error_buffer, const std::string& what,
                    std::chrono::milliseconds timeout) {
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return Error(ErrorCode::kTimeout,
                 what + ": no complete answer within " + std::to_string(timeout.count()) + " ms");
  }
  if (code == CURLE_ABORTED_BY_CALLBACK) return Error(ErrorCode::kCancelled, what + ": cancelled");
  const std::string reason = error_buffer[0] != '\0' ? error_buffer : Curl().easy_strerror(code);
  if (code == CURLE_LOGIN_DENIED) return Error(ErrorCode::kUnauthorized, what + ": " + reason);
  return Error(ErrorCode::kUnavailable, what + ": " + reason);
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  const auto it = std::ranges::find(headers, name, &std::pair<std::string, std::string>::first);
  return it == headers.end() ? std::string() : it->second;
}

struct ConnectionPool::Impl {
  std::unique_ptr<CURLSH, ShareDeleter> share;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;
  std::once_flag once;
  Status status;

  // Made on first use, so a pool costs nothing until a request needs it.
  Expected<CURLSH*> Share() {
    std::call_once(once, [this] { status = Init(); });
    if (!status) return std::unexpected(status.error());
    return share.get();
  }

  Status Init() {
    if (!LoadCurl()) return std::unexpected(LoadCurl().error());
    share.reset(Curl().share_init());
    if (!share) return MakeError(ErrorCode::kFailed, "cannot create a libcurl share");
    Curl().share_setopt(
        share.get(), CURLSHOPT_LOCKFUNC,
        +[](CURL*, curl_lock_data data, curl_lock_access, void* user) {
          static_cast<Impl*>(user)->locks[data].lock();
        });
    Curl().share_setopt(
        share.get(), CURLSHOPT_UNLOCKFUNC, +[](CURL*, curl_lock_data data, void* user) {
          static_cast<Impl*>(user)->locks[data].unlock();
        });
    Curl().share_setopt(share.get(), CURLSHOPT_USERDATA, this);
    Curl().share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    Curl().share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    Curl().share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    return {};
  }
};

ConnectionPool::ConnectionPool(std::size_t max_connections)
    : impl_(std::make_unique<Impl>()),
      max_connections_(std::max<std::size_t>(max_connections, 1)) {}
ConnectionPool::~ConnectionPool() = default;

struct HttpSession::Handle {
  CurlHandle curl;
};

HttpSession::HttpSession(ConnectionPool* pool) : handle_(std::make_unique<Handle>()), pool_(pool) {}
HttpSession::~HttpSession() = default;
HttpSession::HttpSession(HttpSession&&) noexcept = default;
HttpSession& HttpSession::operator=(HttpSession&&) noexcept = default;

Expected<HttpResponse> HttpSession::Perform(const HttpRequest& request) {
  const std::string what = request.what.empty() ? request.method + " " + request.url : request.what;
  if (!handle_->curl) handle_->curl = TRY(NewHandle());
  CURL* curl = handle_->curl.get();
  Curl().easy_reset(curl);  // keeps the connections
  char error_buffer[CURL_ERROR_SIZE];
  SetCommonOptions(curl, request.connect_timeout, request.timeout, request.stop, request.ca_file,
                   error_buffer);
  if (pool_ != nullptr) {
    Curl().easy_setopt(curl, CURLOPT_SHARE, TRY(pool_->impl_->Share()));
    // curl_easy_perform applies the handle's MAXCONNECTS (default 5) to the whole shared cache:
    // with more sessions at once than that, each finished transfer closed a pooled connection.
    Curl().easy_setopt(curl, CURLOPT_MAXCONNECTS, static_cast<long>(pool_->max_connections_));
  }
  CurlList headers = TRY(MakeList(request.headers));
  Transfer transfer{.curl = curl, .request = &request};
  Curl().easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  Curl().easy_setopt(curl, CURLOPT_PROTOCOLS_STR, request.protocols.c_str());
  if (request.method == "HEAD") {
    Curl().easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    Curl().easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.body) {
    Curl().easy_setopt(curl, CURLOPT_POSTFIELDS, request.body->data());
    Curl().easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body->size()));
  }
  Curl().easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  if (!request.unix_socket.empty()) {
    Curl().easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, request.unix_socket.c_str());
  }
  if (!request.use_proxy || !request.unix_socket.empty())
    Curl().easy_setopt(curl, CURLOPT_PROXY, "");
  if (request.max_redirects > 0) {
    Curl().easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    Curl().easy_setopt(curl, CURLOPT_MAXREDIRS, static_cast<long>(request.max_redirects));
    Curl().easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, request.protocols.c_str());
  }
  if (request.accept_encoding) Curl().easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  if (!request.username.empty()) {
    Curl().easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    Curl().easy_setopt(curl, CURLOPT_USERNAME, request.username.c_str());
    Curl().easy_setopt(curl, CURLOPT_PASSWORD, request.password.c_str());
  }
  Curl().easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  Curl().easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  Curl().easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  Curl().easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);

  const CURLcode code = Curl().easy_perform(curl);
  if (transfer.exception) std::rethrow_exception(transfer.exception);
  if (transfer.too_large) {
    return MakeError(ErrorCode::kFailed, what + ": the answer is larger than " +
                                             std::to_string(request.max_body) + " bytes");
  }
  if (code != CURLE_OK && !transfer.response.stopped) {
    return std::unexpected(TransferError(code, error_buffer, what, request.timeout));
  }
  transfer.response.status = transfer.Status();
  return std::move(transfer.response);
}

Expected<HttpResponse> Perform(const HttpRequest& request) {
  HttpSession session;
  return session.Perform(request);
}

Status Connect(std::string_view host, int port, std::chrono::milliseconds timeout,
               std::stop_token stop) {
  const bool v6 = host.find(':') != std::string_view::npos && !host.starts_with('[');
  const std::string address =
      (v6 ? "[" + std::string(host) + "]" : std::string(host)) + ":" + std::to_string(port);
  CurlHandle curl = TRY(NewHandle());
  char error_buffer[CURL_ERROR_SIZE];
  SetCommonOptions(curl.get(), timeout, timeout, stop, {}, error_buffer);
  // The scheme only satisfies the URL parser: CONNECT_ONLY opens the connection, sends nothing.
  const std::string url = "http://" + address + "/";
  Curl().easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  Curl().easy_setopt(curl.get(), CURLOPT_CONNECT_ONLY, 1L);
  Curl().easy_setopt(curl.get(), CURLOPT_PROXY, "");
  const CURLcode code = Curl().easy_perform(curl.get());
  if (code != CURLE_OK) {
    return std::unexpected(TransferError(code, error_buffer, "connect to " + address, timeout));
  }
  return {};
}

namespace {

struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t bytes = std::min(size * count, upload->data.size() - upload->offset);
  std::copy_n(upload->data.data() + upload->offset, bytes, buffer);
  upload->offset += bytes;
  return bytes;
}

}  // namespace

Status SendMail(const MailRequest& request) {
  CurlHandle curl = TRY(NewHandle());
  CurlList recipients = TRY(MakeList(request.recipients));
  char error_buffer[CURL_ERROR_SIZE];
  SetCommonOptions(curl.get(), request.timeout, request.timeout, {}, request.ca_file, error_buffer);
  CURL* handle = curl.get();
  Upload upload{.data = request.message};
  Curl().easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  Curl().easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  if (request.url.starts_with("smtp:")) {
    Curl().easy_setopt(handle, CURLOPT_USE_SSL,
                       request.starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE);
  }
  if (!request.username.empty()) {
    Curl().easy_setopt(handle, CURLOPT_USERNAME, request.username.c_str());
    Curl().easy_setopt(handle, CURLOPT_PASSWORD, request.password.c_str());
  }
  Curl().easy_setopt(handle, CURLOPT_MAIL_FROM, request.from.c_str());
  Curl().easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients.get());
  Curl().easy_setopt(handle, CURLOPT_UPLOAD, 1L);
  Curl().easy_setopt(handle, CURLOPT_READFUNCTION, ReadUpload);
  Curl().easy_setopt(handle, CURLOPT_READDATA, &upload);
  Curl().easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload.data.size()));
  const CURLcode code = Curl().easy_perform(handle);
  if (code == CURLE_OK) return {};
  long reply = 0;
  Curl().easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &reply);
  Error error = TransferError(code, error_buffer, request.what, request.timeout);
  if (reply >= 500 && reply < 600 && code != CURLE_LOGIN_DENIED) {
    // The server refused the message or a recipient for good.
    return MakeError(ErrorCode::kInvalidArgument,
                     error.message() + " (SMTP " + std::to_string(reply) + ")");
  }
  return std::unexpected(std::move(error));
}

ErrorCode StatusErrorCode(long status) {
  switch (status) {
    case 401:
      return ErrorCode::kUnauthorized;
    case 403:
      return ErrorCode::kForbidden;
    case 404:
    case 410:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kConflict;
    case 408:
    case 429:
      return ErrorCode::kUnavailable;
    default:
      if (status >= 500 && status < 600) return ErrorCode::kUnavailable;
      if (status >= 400 && status < 500) return ErrorCode::kInvalidArgument;
      return ErrorCode::kFailed;
  }
}

std::string Snippet(std::string_view body, std::size_t max_bytes) {
  body = core::Trim(body);
  std::string text(body.substr(0, max_bytes));
  std::ranges::replace_if(
      text, [](unsigned char c) { return c < 0x20 || c == 0x7f; }, ' ');
  if (body.size() > max_bytes) text += "...";
  return text;
}

std::string UrlOrigin(const std::string& url) {
  if (!LoadCurl()) return "<unparsable URL: " + LoadCurl().error().message() + ">";
  struct UrlDeleter {
    void operator()(CURLU* handle) const { Curl().url_cleanup(handle); }
  };
  std::unique_ptr<CURLU, UrlDeleter> parsed(Curl().url());
  if (!parsed || Curl().url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return "<unparsable URL>";
  }
  std::string origin;
  for (const auto& [part, prefix] :
       {std::pair{CURLUPART_SCHEME, ""}, std::pair{CURLUPART_HOST, "://"},
        std::pair{CURLUPART_PORT, ":"}}) {
    char* text = nullptr;
    if (Curl().url_get(parsed.get(), part, &text, 0) == CURLUE_OK) {
      origin += std::string(prefix) + text;
      Curl().free(text);
    }
  }
  return origin;
}

std::string UrlEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace galaos::net
