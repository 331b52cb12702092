// The checks that speak through libcurl: http, tcp (connect only) and docker (/_ping).
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <string>

#include "docker/DockerHost.h"
#include "health/Checks.h"
#include "health/Endpoints.h"

namespace galaos::health::detail {
namespace {

constexpr std::size_t kMaxBody = 1 << 20;
constexpr std::size_t kSnippetBytes = 200;

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

// curl_global_init is not thread-safe in every libcurl; checks start on several threads.
Expected<CurlHandle> NewHandle() {
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) {
    return MakeError(ErrorCode::kFailed,
                     std::string("cannot initialise libcurl: ") + curl_easy_strerror(init));
  }
  CurlHandle handle(curl_easy_init());
  if (!handle) return MakeError(ErrorCode::kFailed, "cannot create a libcurl handle");
  return handle;
}

struct Transfer {
  std::string body;
  std::string api_version;  // Docker's Api-Version header
  std::stop_token stop;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  transfer->body.append(data, std::min(bytes, kMaxBody - transfer->body.size()));
  return bytes;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  constexpr std::string_view kName = "api-version:";
  const std::size_t bytes = size * count;
  std::string line(data, bytes);
  std::ranges::transform(line.begin(), line.begin() + std::min(line.size(), kName.size()),
                         line.begin(), [](unsigned char c) { return std::tolower(c); });
  if (line.starts_with(kName)) {
    const auto first = line.find_first_not_of(" \t", kName.size());
    const auto last = line.find_last_not_of(" \t\r\n");
    if (first != std::string::npos && last != std::string::npos && last >= first) {
      static_cast<Transfer*>(user)->api_version = line.substr(first, last - first + 1);
    }
  }
  return bytes;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Transfer*>(user)->stop.stop_requested() ? 1 : 0;
}

// Options every check's transfer shares: bounded by the check's deadline, abortable through
// its stop token, no signals (we run on many threads), no redirects.
void SetCommonOptions(CURL* curl, Transfer& transfer, const CheckContext& context,
                      char* error_buffer) {
  const long remaining = static_cast<long>(context.Remaining().count());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, remaining);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, remaining);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "galaos-updater-health/" GALAOS_VERSION);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
}

Error TransferFailure(CURLcode code, const char* error_buffer, const CheckContext& context,
                      const std::string& what) {
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return context.Failure(
        ErrorCode::kTimeout,
        what + ": no answer within " + std::to_string(context.timeout.count()) + " ms");
  }
  if (code == CURLE_ABORTED_BY_CALLBACK) return Error(ErrorCode::kCancelled, what + ": cancelled");
  const std::string reason = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  return context.Failure(ErrorCode::kUnavailable, what + ": " + reason);
}

struct Response {
  long status = 0;
  std::string body;
  std::string api_version;
};

// GET `url` (over `unix_socket` when not empty); errors start with `what`.
Expected<Response> Get(const std::string& url, const std::string& unix_socket,
                       const CheckContext& context, const std::string& what) {
  auto curl = TRY(NewHandle());
  Transfer transfer;
  transfer.stop = context.stop;
  char error_buffer[CURL_ERROR_SIZE] = {};
  SetCommonOptions(curl.get(), transfer, context, error_buffer);
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  if (!unix_socket.empty()) {
    curl_easy_setopt(curl.get(), CURLOPT_UNIX_SOCKET_PATH, unix_socket.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_PROXY, "");  // a local socket is never proxied
  }
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) return std::unexpected(TransferFailure(code, error_buffer, context, what));
  Response response;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(transfer.body);
  response.api_version = std::move(transfer.api_version);
  return response;
}

// The start of a body, on one line, for an error message.
std::string Snippet(std::string_view body) {
  std::string text(body.substr(0, kSnippetBytes));
  std::ranges::replace_if(
      text, [](unsigned char c) { return c < 0x20 || c == 0x7f; }, ' ');
  if (body.size() > kSnippetBytes) text += "...";
  return text;
}

}  // namespace

Expected<std::string> Check(const HttpCheck& check, const CheckContext& context) {
  const std::string what = "GET " + check.url;
  const Response response = TRY(Get(check.url, {}, context, what));
  const std::string status = "HTTP " + std::to_string(response.status);
  if (response.status < check.min_status || response.status > check.max_status) {
    const std::string expected =
        check.min_status == check.max_status
            ? std::to_string(check.min_status)
            : std::to_string(check.min_status) + "-" + std::to_string(check.max_status);
    std::string message = what + ": " + status + ", expected " + expected;
    if (!response.body.empty()) message += ": " + Snippet(response.body);
    return std::unexpected(Error(ErrorCode::kFailed, std::move(message)));
  }
  if (!check.body_contains.empty() &&
      response.body.find(check.body_contains) == std::string::npos) {
    return MakeError(
        ErrorCode::kFailed,
        what + ": " + status + " but the body does not contain \"" + check.body_contains + "\"");
  }
  return status;
}

Expected<std::string> Check(const TcpCheck& check, const CheckContext& context) {
  const bool v6 = check.host.find(':') != std::string::npos && !check.host.starts_with('[');
  const std::string host = v6 ? "[" + check.host + "]" : check.host;
  const std::string address = host + ":" + std::to_string(check.port);
  auto curl = TRY(NewHandle());
  Transfer transfer;
  transfer.stop = context.stop;
  char error_buffer[CURL_ERROR_SIZE] = {};
  SetCommonOptions(curl.get(), transfer, context, error_buffer);
  // The scheme only satisfies the URL parser: CONNECT_ONLY opens the connection, sends nothing.
  const std::string url = "http://" + address + "/";
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_PROXY, "");
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) {
    return std::unexpected(TransferFailure(code, error_buffer, context, "connect to " + address));
  }
  return "connected to " + address;
}

Expected<std::string> Check(const DockerCheck& check, const CheckContext& context) {
  const docker::DockerHost endpoint = TRY(docker::ParseDockerHost(check.endpoint));
  const std::string what = "Docker Engine at " + check.endpoint;
  const Response response =
      TRY(Get(endpoint.base_url + "/_ping", endpoint.unix_socket, context, what));
  std::string body = response.body;
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back()))) body.pop_back();
  if (response.status != 200 || body != "OK") {
    return MakeError(ErrorCode::kUnavailable, what + ": /_ping answered HTTP " +
                                                  std::to_string(response.status) + " \"" +
                                                  Snippet(body) + "\", expected 200 \"OK\"");
  }
  return response.api_version.empty() ? std::string("OK") : "OK (API " + response.api_version + ")";
}

}  // namespace galaos::health::detail
