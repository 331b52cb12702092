#include "notify/detail/Curl.h"

#include <algorithm>
#include <mutex>

namespace galaos::notify::detail {
namespace {

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;
constexpr std::size_t kSnippetBytes = 200;

std::size_t KeepAnswer(char* data, std::size_t size, std::size_t count, void* user) {
  auto* answer = static_cast<std::string*>(user);
  const std::size_t bytes = size * count;
  answer->append(data, std::min(bytes, kMaxAnswerBytes - answer->size()));
  return bytes;
}

// The start of an answer, on one line, for an error message.
std::string Snippet(std::string_view body) {
  std::string text(body.substr(0, kSnippetBytes));
  std::ranges::replace_if(
      text, [](unsigned char c) { return c < 0x20 || c == 0x7f; }, ' ');
  if (body.size() > kSnippetBytes) text += "...";
  return text;
}

ErrorCode PermanentCode(long status) {
  switch (status) {
    case 401:
      return ErrorCode::kUnauthorized;
    case 403:
      return ErrorCode::kForbidden;
    case 404:
    case 410:
      return ErrorCode::kNotFound;
    default:
      return ErrorCode::kInvalidArgument;
  }
}

}  // namespace

Expected<CurlHandle> NewTransfer(std::chrono::milliseconds timeout,
                                 const std::filesystem::path& ca_file, char* error_buffer) {
  // curl_global_init is not thread-safe in every libcurl.
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) {
    return MakeError(ErrorCode::kFailed,
                     std::string("cannot initialise libcurl: ") + curl_easy_strerror(init));
  }
  CurlHandle handle(curl_easy_init());
  if (!handle) return MakeError(ErrorCode::kFailed, "cannot create a libcurl handle");
  CURL* curl = handle.get();
  error_buffer[0] = '\0';
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "galaos-updater/" GALAOS_VERSION);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  if (!ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
  return handle;
}

Expected<CurlList> MakeList(const std::vector<std::string>& items) {
  CurlList list;
  for (const std::string& item : items) {
    curl_slist* head = curl_slist_append(list.get(), item.c_str());
    if (head == nullptr) return MakeError(ErrorCode::kFailed, "out of memory building a list");
    list.release();
    list.reset(head);
  }
  return list;
}

Error TransferError(CURLcode code, const char* error_buffer, std::string_view what) {
  const std::string reason = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  const std::string message = std::string(what) + ": " + reason;
  if (code == CURLE_OPERATION_TIMEDOUT) return Error(ErrorCode::kTimeout, message);
  if (code == CURLE_LOGIN_DENIED) return Error(ErrorCode::kUnauthorized, message);
  return Error(ErrorCode::kUnavailable, message);
}

std::string UrlOrigin(const std::string& url) {
  struct UrlDeleter {
    void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
  };
  std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return "<unparsable URL>";
  }
  std::string origin;
  for (const auto& [part, prefix] :
       {std::pair{CURLUPART_SCHEME, ""}, std::pair{CURLUPART_HOST, "://"},
        std::pair{CURLUPART_PORT, ":"}}) {
    char* text = nullptr;
    if (curl_url_get(parsed.get(), part, &text, 0) == CURLUE_OK) {
      origin += std::string(prefix) + text;
      curl_free(text);
    }
  }
  return origin;
}

Status PostForAcknowledgement(const HttpPost& request, std::string_view what) {
  char error_buffer[CURL_ERROR_SIZE];
  auto curl = TRY(NewTransfer(request.timeout, request.ca_file, error_buffer));
  auto headers = TRY(MakeList(request.headers));
  std::string answer;
  curl_easy_setopt(curl.get(), CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, KeepAnswer);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer);
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) return std::unexpected(TransferError(code, error_buffer, what));
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) return {};
  std::string message = std::string(what) + ": HTTP " + std::to_string(status);
  if (!answer.empty()) message += ": " + Snippet(answer);
  const bool permanent = status >= 400 && status < 500 && status != 408 && status != 429;
  return MakeError(permanent ? PermanentCode(status) : ErrorCode::kUnavailable, std::move(message));
}

}  // namespace galaos::notify::detail
