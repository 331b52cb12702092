#include "NotifyTestSupport.h"

#include <gtest/gtest.h>

#include "core/Process.h"

namespace galaos::notify::testing {

std::string OpensslHmacSha256(const std::string& key, const std::string& body) {
  core::ProcessOptions options;
  options.argv = {"openssl", "dgst", "-sha256", "-hmac", key};
  options.stdin_data = body;
  auto result = core::RunChecked(std::move(options));
  if (!result) {
    ADD_FAILURE() << result.error().message();
    return {};
  }
  // "SHA2-256(stdin)= <hex>\n"
  std::string out = result->stdout_tail;
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out.substr(out.rfind(' ') + 1);
}

LogCapture::LogCapture() : previous_(spdlog::default_logger()) {
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*stream_);
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

LogCapture::~LogCapture() {
  spdlog::set_default_logger(previous_);
}

}  // namespace galaos::notify::testing
