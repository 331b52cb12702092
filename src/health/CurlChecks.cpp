// The checks that speak over the network: http, tcp (connect only) and docker (/_ping).
#include <cctype>
#include <string>

#include "docker/DockerHost.h"
#include "health/Checks.h"
#include "health/Endpoints.h"
#include "net/Http.h"

namespace galaos::health::detail {
namespace {

constexpr std::size_t kMaxBody = 1 << 20;  // kept of an answer, for body_contains

// A transfer failure of a check: its deadline, its stop token or the way to the server.
Error TransferFailure(const Error& error, const CheckContext& context) {
  if (error.code() == ErrorCode::kCancelled) return error;
  return context.Failure(error.code(), error.message());
}

// GET `url` (over `unix_socket` when not empty), bounded by the check's deadline, abortable
// through its stop token, no redirects; errors start with `what`.
Expected<net::HttpResponse> Get(const std::string& url, const std::string& unix_socket,
                                const CheckContext& context, const std::string& what) {
  const auto remaining = context.Remaining();
  Expected<net::HttpResponse> response = net::Perform({.url = url,
                                                       .what = what,
                                                       .unix_socket = unix_socket,
                                                       .connect_timeout = remaining,
                                                       .timeout = remaining,
                                                       .max_body = kMaxBody,
                                                       .cut_long_body = true,
                                                       .stop = context.stop});
  if (!response) return std::unexpected(TransferFailure(response.error(), context));
  return response;
}

}  // namespace

Expected<std::string> Check(const HttpCheck& check, const CheckContext& context) {
  const std::string what = "GET " + check.url;
  const net::HttpResponse response = TRY(Get(check.url, {}, context, what));
  const std::string status = "HTTP " + std::to_string(response.status);
  if (response.status < check.min_status || response.status > check.max_status) {
    const std::string expected =
        check.min_status == check.max_status
            ? std::to_string(check.min_status)
            : std::to_string(check.min_status) + "-" + std::to_string(check.max_status);
    std::string message = what + ": " + status + ", expected " + expected;
    if (!response.body.empty()) message += ": " + net::Snippet(response.body);
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
  const Status connected = net::Connect(check.host, check.port, context.Remaining(), context.stop);
  if (!connected) return std::unexpected(TransferFailure(connected.error(), context));
  const bool v6 = check.host.find(':') != std::string::npos && !check.host.starts_with('[');
  return "connected to " + (v6 ? "[" + check.host + "]" : check.host) + ":" +
         std::to_string(check.port);
}

Expected<std::string> Check(const DockerCheck& check, const CheckContext& context) {
  const docker::DockerHost endpoint = TRY(docker::ParseDockerHost(check.endpoint));
  const std::string what = "Docker Engine at " + check.endpoint;
  const net::HttpResponse response =
      TRY(Get(endpoint.base_url + "/_ping", endpoint.unix_socket, context, what));
  std::string body = response.body;
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back()))) body.pop_back();
  const std::string api_version = response.Header("api-version");
  if (response.status != 200 || body != "OK") {
    return MakeError(ErrorCode::kUnavailable, what + ": /_ping answered HTTP " +
                                                  std::to_string(response.status) + " \"" +
                                                  net::Snippet(body) + "\", expected 200 \"OK\"");
  }
  return api_version.empty() ? std::string("OK") : "OK (API " + api_version + ")";
}

}  // namespace galaos::health::detail
