// The generic webhook: the JSON payload, signed with HMAC-SHA256.
#include <sodium.h>

#include <array>

#include "core/Hmac.h"
#include "core/Redact.h"
#include "notify/Event.h"
#include "notify/Sinks.h"
#include "notify/detail/HttpPost.h"

namespace galaos::notify {
namespace {

std::string HmacSha256Hex(std::string_view key, std::string_view body) {
  const auto mac = core::HmacSha256(key, body);
  std::array<char, 2 * mac.size() + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  return hex.data();
}

class WebhookSink final : public Sink {
 public:
  WebhookSink(config::WebhookSink config, SinkOptions options)
      : config_(std::move(config)),
        options_(std::move(options)),
        what_("webhook " + core::RedactUrlCredentials(config_.url)) {}

  std::string_view Name() const override { return kWebhookSink; }

  Status Deliver(const store::Notification& message) override {
    if (sodium_init() < 0) return MakeError(ErrorCode::kFailed, "libsodium failed to initialise");
    const std::string event_id = TRY(WithContext(EventIdOf(message), what_));
    return detail::PostForAcknowledgement(
        {.url = config_.url,
         .body = message.payload_json,
         .headers = {"Content-Type: application/json", "X-GalaOS-Event: " + message.event_type,
                     "X-GalaOS-Delivery: " + event_id,
                     "X-GalaOS-Signature: sha256=" +
                         HmacSha256Hex(config_.secret, message.payload_json)},
         .timeout = options_.timeout,
         .ca_file = options_.ca_file},
        what_);
  }

 private:
  config::WebhookSink config_;
  SinkOptions options_;
  std::string what_;
};

}  // namespace

std::unique_ptr<Sink> MakeWebhookSink(const config::WebhookSink& config,
                                      const SinkOptions& options) {
  return std::make_unique<WebhookSink>(config, options);
}

}  // namespace galaos::notify
