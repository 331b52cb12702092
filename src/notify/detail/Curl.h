// libcurl plumbing shared by the sinks; internal to the notify module (CURL* stays here and in
// the sinks' .cpp files).
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::notify::detail {

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlList = std::unique_ptr<curl_slist, SlistDeleter>;

// A fresh easy handle with what every sink's transfer shares: `timeout` for the whole
// transfer, no signals, no redirects, `ca_file` (when not empty) as the trusted CAs, errors
// into `error_buffer` (CURL_ERROR_SIZE bytes).
Expected<CurlHandle> NewTransfer(std::chrono::milliseconds timeout,
                                 const std::filesystem::path& ca_file, char* error_buffer);

Expected<CurlList> MakeList(const std::vector<std::string>& items);

// A failed curl_easy_perform as an Error starting with `what`: a timeout is kTimeout, refused
// credentials kUnauthorized, anything else kUnavailable (worth retrying).
Error TransferError(CURLcode code, const char* error_buffer, std::string_view what);

// scheme://host[:port] of `url`, without credentials, path or query: how errors name a
// receiver whose URL is itself a secret. `url` unchanged when it does not parse.
std::string UrlOrigin(const std::string& url);

struct HttpPost {
  std::string url{};
  std::string body{};
  std::vector<std::string> headers{};  // "Name: value"
  std::chrono::milliseconds timeout{0};
  std::filesystem::path ca_file{};
};

// POSTs and classifies the answer by the Sink contract: 2xx is success; 4xx other than 408
// and 429 is permanent (kInvalidArgument, or kUnauthorized/kForbidden/kNotFound); 408, 429,
// 5xx and transport failures are retryable. Errors start with `what` and quote the start of
// the answer's body.
Status PostForAcknowledgement(const HttpPost& request, std::string_view what);

}  // namespace galaos::notify::detail
