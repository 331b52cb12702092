// The POST the webhook and Slack sinks share; internal to the notify module.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::notify::detail {

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
