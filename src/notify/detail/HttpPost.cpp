#include "notify/detail/HttpPost.h"

#include "net/Http.h"

namespace galaos::notify::detail {
namespace {

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;  // kept of an answer, for its message

}  // namespace

Status PostForAcknowledgement(const HttpPost& request, std::string_view what) {
  const net::HttpResponse response = TRY(net::Perform({.method = "POST",
                                                       .url = request.url,
                                                       .headers = request.headers,
                                                       .body = request.body,
                                                       .what = std::string(what),
                                                       .ca_file = request.ca_file,
                                                       .connect_timeout = request.timeout,
                                                       .timeout = request.timeout,
                                                       .max_body = kMaxAnswerBytes,
                                                       .cut_long_body = true}));
  if (response.status >= 200 && response.status < 300) return {};
  std::string message = std::string(what) + ": HTTP " + std::to_string(response.status);
  if (!response.body.empty()) message += ": " + net::Snippet(response.body);
  ErrorCode code = net::StatusErrorCode(response.status);
  // A 409 is the receiver's final word on this message too.
  if (code == ErrorCode::kConflict) code = ErrorCode::kInvalidArgument;
  return MakeError(code, std::move(message));
}

}  // namespace galaos::notify::detail
