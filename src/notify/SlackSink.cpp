// Slack incoming webhooks: a readable message with blocks.
#include <nlohmann/json.hpp>

#include "net/Http.h"
#include "notify/Event.h"
#include "notify/Sinks.h"
#include "notify/Summary.h"
#include "notify/detail/HttpPost.h"

namespace galaos::notify {
namespace {

// Slack refuses section texts longer than 3000 characters and field texts longer than 2000.
constexpr std::size_t kMaxSectionChars = 3000;
constexpr std::size_t kMaxTitleChars = 200;
constexpr std::size_t kMaxFieldChars = 1900;
constexpr std::size_t kMaxFields = 10;

// Slack's mrkdwn control characters, escaped as Slack documents (&, <, > only).
std::string Escape(std::string_view text) {
  return EscapeEntities(text, /*quotes=*/false);
}

// Escaped, and at most `limit` bytes: cut between characters (never inside an escape or a
// UTF-8 sequence) and marked with "..." when cut.
std::string EscapeWithin(std::string_view text, std::size_t limit) {
  std::string escaped = Escape(text);
  if (escaped.size() <= limit) return escaped;
  escaped.clear();
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = 1;
    while (i + length < text.size() &&
           (static_cast<unsigned char>(text[i + length]) & 0xC0) == 0x80) {
      ++length;
    }
    const std::string piece = Escape(text.substr(i, length));
    if (escaped.size() + piece.size() > limit - 3) break;
    escaped += piece;
    i += length;
  }
  return escaped + "...";
}

nlohmann::json Mrkdwn(std::string text) {
  return {{"type", "mrkdwn"}, {"text", std::move(text)}};
}

std::string SlackBody(const Summary& summary) {
  nlohmann::json blocks = nlohmann::json::array();
  blocks.push_back({{"type", "section"},
                    {"text", Mrkdwn("*" + EscapeWithin(summary.title, kMaxTitleChars) + "*")}});
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& [label, value] : summary.fields) {
    if (fields.size() == kMaxFields) break;
    fields.push_back(Mrkdwn("*" + Escape(label) + "*\n" + EscapeWithin(value, kMaxFieldChars)));
  }
  if (!fields.empty()) blocks.push_back({{"type", "section"}, {"fields", std::move(fields)}});
  if (!summary.details.empty()) {
    blocks.push_back(
        {{"type", "section"},
         {"text", Mrkdwn("```" + EscapeWithin(summary.details, kMaxSectionChars - 6) + "```")}});
  }
  const nlohmann::json body = {{"text", Escape(summary.title)}, {"blocks", std::move(blocks)}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class SlackSink final : public Sink {
 public:
  SlackSink(config::SlackSink config, SinkOptions options)
      : config_(std::move(config)), options_(std::move(options)) {}

  std::string_view Name() const override { return kSlackSink; }

  Status Deliver(const store::Notification& message) override {
    // Named at delivery, not construction: UrlOrigin loads libcurl, which an idle daemon
    // does without (core/SharedLibrary.h).
    const std::string what = "Slack webhook at " + net::UrlOrigin(config_.webhook_url);
    const Summary summary = TRY(WithContext(Summarize(message), what));
    return detail::PostForAcknowledgement({.url = config_.webhook_url,
                                           .body = SlackBody(summary),
                                           .headers = {"Content-Type: application/json"},
                                           .timeout = options_.timeout,
                                           .ca_file = options_.ca_file},
                                          what);
  }

 private:
  config::SlackSink config_;
  SinkOptions options_;
};

}  // namespace

std::unique_ptr<Sink> MakeSlackSink(const config::SlackSink& config, const SinkOptions& options) {
  return std::make_unique<SlackSink>(config, options);
}

}  // namespace galaos::notify
