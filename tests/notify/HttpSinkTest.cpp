// The webhook and Slack sinks against a real HTTP receiver. Slack itself cannot run here (no
// internet): the receiver stands in for hooks.slack.com and the test checks the documented
// incoming-webhook body.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "HttpReceiver.h"
#include "NotifyTestSupport.h"
#include "notify/Sinks.h"
#include "support/Assertions.h"
#include "support/TestServices.h"

namespace galaos::notify::testing {
namespace {

using nlohmann::json;

constexpr std::string_view kSecret = "whsec-7f3a9c1e-not-in-logs";

const UpdateAvailable kAvailable{.current_version = "1.2.0",
                                 .latest_version = "2.0.0",
                                 .changelog = "- feat!: drop <legacy> & old API",
                                 .breaking = true};

std::unique_ptr<Sink> Webhook(const std::string& url) {
  return MakeWebhookSink({.url = url, .secret = std::string(kSecret)}, {.timeout = 5s});
}

TEST(WebhookSinkTest, PostsTheStoredPayloadSignedWithAnHmacOfTheExactBody) {
  HttpReceiver receiver;
  const store::Notification row = RowFor(kAvailable, "webhook");
  ASSERT_OK(Webhook(receiver.Url("/hooks/galaos"))->Deliver(row));

  const auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& request = requests[0];
  EXPECT_EQ(request.path, "/hooks/galaos");
  EXPECT_EQ(request.body, row.payload_json);
  EXPECT_EQ(request.headers.at("content-type"), "application/json");
  EXPECT_EQ(request.headers.at("x-galaos-event"), "update_available");
  EXPECT_EQ(request.headers.at("x-galaos-delivery"), "evt-0123456789abcdef01234567");
  EXPECT_EQ(request.headers.at("x-galaos-signature"),
            "sha256=" + OpensslHmacSha256(std::string(kSecret), request.body));
}

TEST(WebhookSinkTest, AnswersAreClassifiedAsSuccessPermanentOrRetryable) {
  HttpReceiver receiver;
  const auto sink = Webhook(receiver.Url("/hook"));
  const store::Notification row = RowFor(kAvailable, "webhook");
  for (int status : {200, 202, 204}) {
    receiver.AnswerWith({status});
    EXPECT_TRUE(sink->Deliver(row)) << status;
  }
  for (int status : {400, 401, 403, 404, 410, 422}) {
    receiver.AnswerWith({status});
    const Status result = sink->Deliver(row);
    ASSERT_FALSE(result) << status;
    EXPECT_TRUE(IsPermanentFailure(result.error())) << result.error().message();
    EXPECT_NE(result.error().message().find("HTTP " + std::to_string(status)), std::string::npos);
  }
  for (int status : {408, 429, 500, 502, 503}) {
    receiver.AnswerWith({status});
    const Status result = sink->Deliver(row);
    ASSERT_FALSE(result) << status;
    EXPECT_FALSE(IsPermanentFailure(result.error())) << result.error().message();
  }
}

TEST(WebhookSinkTest, UnreachableReceiverIsRetryableAndTheErrorHoldsNoSecret) {
  const std::string url =
      "http://hookuser:url-pass-8d2e@127.0.0.1:" + std::to_string(galaos::testing::FreePort()) +
      "/hook";
  const Status result = Webhook(url)->Deliver(RowFor(kAvailable, "webhook"));
  ASSERT_FALSE(result);
  EXPECT_FALSE(IsPermanentFailure(result.error()));
  EXPECT_EQ(result.error().message().find("url-pass-8d2e"), std::string::npos)
      << result.error().message();
  EXPECT_EQ(result.error().message().find(kSecret), std::string::npos);
  EXPECT_NE(result.error().message().find("webhook http://hookuser:***@127.0.0.1"),
            std::string::npos)
      << result.error().message();
}

TEST(SlackSinkTest, PostsEscapedTextAndBlocksWithVersionsAndChangelog) {
  HttpReceiver receiver;
  const auto sink = MakeSlackSink({.webhook_url = receiver.Url("/services/T000/B000/XXXX")});
  ASSERT_OK(sink->Deliver(RowFor(kAvailable, "slack")));

  const auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/json");
  const json body = json::parse(requests[0].body);
  EXPECT_EQ(body["text"], "Update available: 1.2.0 → 2.0.0 (breaking)");
  const std::string blocks = body["blocks"].dump();
  EXPECT_NE(blocks.find("*Latest version*\\n2.0.0"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("drop &lt;legacy&gt; &amp; old API"), std::string::npos) << blocks;
  EXPECT_EQ(blocks.find("<legacy>"), std::string::npos) << blocks;
  for (const json& block : body["blocks"]) EXPECT_EQ(block["type"], "section");
}

TEST(SlackSinkTest, ALongChangelogIsCutToSlacksLimitBetweenEscapesAndCharacters) {
  HttpReceiver receiver;
  std::string changelog = "x";                        // shifts the limit into the middle of "é"
  for (int i = 0; i < 400; ++i) changelog += "<é>&";  // escapes to 15 bytes each
  const UpdateAvailable available{.latest_version = "2.0.0", .changelog = changelog};
  ASSERT_OK(
      MakeSlackSink({.webhook_url = receiver.Url("/s")})->Deliver(RowFor(available, "slack")));
  const json body = json::parse(receiver.Requests().at(0).body);
  const std::string details = body["blocks"].back()["text"]["text"];
  EXPECT_LE(details.size(), 3000u);
  EXPECT_TRUE(details.ends_with("...```")) << details.substr(details.size() - 40);
  EXPECT_EQ(details.find("\xEF\xBF\xBD"), std::string::npos) << "a character was split";
  for (auto at = details.find('&'); at != std::string::npos; at = details.find('&', at + 1)) {
    const std::string_view rest = std::string_view(details).substr(at);
    EXPECT_TRUE(rest.starts_with("&lt;") || rest.starts_with("&gt;") || rest.starts_with("&amp;"))
        << "an escape was split at " << at << ": " << rest.substr(0, 8);
  }
}

TEST(SlackSinkTest, ErrorsNameTheHostButNeverTheSecretWebhookPath) {
  HttpReceiver receiver;
  receiver.AnswerWith({404});
  const std::string url = receiver.Url("/services/T000/B000/sekret-token-55");
  const Status refused = MakeSlackSink({.webhook_url = url})->Deliver(RowFor(kAvailable, "slack"));
  ASSERT_FALSE(refused);
  EXPECT_TRUE(IsPermanentFailure(refused.error()));
  EXPECT_EQ(refused.error().message().find("sekret-token-55"), std::string::npos)
      << refused.error().message();
  EXPECT_NE(refused.error().message().find("Slack webhook at http://127.0.0.1"), std::string::npos)
      << refused.error().message();

  const std::string down = "http://127.0.0.1:" + std::to_string(galaos::testing::FreePort()) +
                           "/services/T000/B000/sekret-token-55";
  const Status unreachable =
      MakeSlackSink({.webhook_url = down})->Deliver(RowFor(kAvailable, "slack"));
  ASSERT_FALSE(unreachable);
  EXPECT_FALSE(IsPermanentFailure(unreachable.error()));
  EXPECT_EQ(unreachable.error().message().find("sekret-token-55"), std::string::npos)
      << unreachable.error().message();
}

}  // namespace
}  // namespace galaos::notify::testing
