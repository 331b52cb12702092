#include "notify/Sinks.h"

namespace galaos::notify {

bool IsPermanentFailure(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnauthorized:
    case ErrorCode::kForbidden:
    case ErrorCode::kNotFound:
    case ErrorCode::kCorrupt:
      return true;
    default:
      return false;
  }
}

std::vector<std::unique_ptr<Sink>> MakeSinks(const config::NotifyConfig& config, core::Clock& clock,
                                             const SinkOptions& options) {
  std::vector<std::unique_ptr<Sink>> sinks;
  if (!config.webhook.url.empty()) sinks.push_back(MakeWebhookSink(config.webhook, options));
  if (!config.slack.webhook_url.empty()) sinks.push_back(MakeSlackSink(config.slack, options));
  if (!config.email.smtp_url.empty()) sinks.push_back(MakeEmailSink(config.email, clock, options));
  return sinks;
}

}  // namespace galaos::notify
