// The sinks the updater ships, built from the [notify] config. Each speaks libcurl.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "config/Config.h"
#include "core/Clock.h"
#include "notify/Sink.h"

namespace galaos::notify {

struct SinkOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // per delivery attempt
  std::filesystem::path ca_file{};  // trusted CAs for https/TLS; empty: the system's
};

// POSTs the payload exactly as stored with Content-Type application/json and
//   X-GalaOS-Event: <event type>
//   X-GalaOS-Delivery: <event id>  (the same on every retry: receivers drop duplicates)
//   X-GalaOS-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the secret>
std::unique_ptr<Sink> MakeWebhookSink(const config::WebhookSink& config,
                                      const SinkOptions& options = {});

// Posts {"text", "blocks"} to a Slack incoming webhook; text is escaped for Slack's mrkdwn
// (&, <, >). Errors name the webhook only by scheme and host (its path is the secret).
std::unique_ptr<Sink> MakeSlackSink(const config::SlackSink& config,
                                    const SinkOptions& options = {});

// Sends a text/plain UTF-8 message over SMTP: smtps:// is TLS from the start; smtp:// with
// starttls requires STARTTLS (a server not offering it fails the attempt); AUTH with the
// username and password when set. Message-ID is derived from the event id, so a resent message
// is recognisably the same. SMTP 5xx answers are permanent failures, 4xx are retried.
std::unique_ptr<Sink> MakeEmailSink(const config::EmailSink& config, core::Clock& clock,
                                    const SinkOptions& options = {});

// Every sink the config enables (see EnabledSinks; "database" needs none). `clock` must
// outlive the sinks.
std::vector<std::unique_ptr<Sink>> MakeSinks(const config::NotifyConfig& config, core::Clock& clock,
                                             const SinkOptions& options = {});

}  // namespace galaos::notify
