// `notify test` sends a test message through the configured sinks at once (not through the
// outbox); `notify outbox` lists the outbox.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/Commands.h"
#include "cli/Table.h"
#include "core/Clock.h"
#include "core/Time.h"
#include "notify/Event.h"
#include "notify/Sinks.h"

namespace galaos::cli {
namespace {

Status SendTest(const config::Config& config, const std::string& only) {
  std::vector<std::unique_ptr<notify::Sink>> sinks =
      notify::MakeSinks(config.notify, core::SystemClock::Instance());
  if (!only.empty()) {
    std::erase_if(sinks, [&](const auto& sink) { return sink->Name() != only; });
    if (sinks.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "the " + only + " sink is not configured (see [notify] in the config)");
    }
  }
  if (sinks.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no sink is configured: set notify.webhook.url, notify.slack.webhook_url "
                     "or notify.email.smtp_url");
  }
  const std::string id = TRY(notify::NewEventId());
  const notify::Event event = notify::NotificationTest{.requested_by = "cli"};
  int failed = 0;
  for (const auto& sink : sinks) {
    const store::Notification message{
        .event_type = std::string(notify::EventType(event)),
        .payload_json = notify::PayloadJson(event, id, core::SystemClock::Instance().Now()),
        .sink = std::string(sink->Name()),
        .attempts = 1};
    const Status sent = sink->Deliver(message);
    if (sent) {
      std::printf("%s: delivered\n", message.sink.c_str());
    } else {
      ++failed;
      std::printf("%s: failed: %s\n", message.sink.c_str(), sent.error().message().c_str());
    }
  }
  if (failed > 0) {
    return MakeError(ErrorCode::kUnavailable, std::to_string(failed) + " of " +
                                                  std::to_string(sinks.size()) +
                                                  " sink(s) failed the test");
  }
  return {};
}

nlohmann::json RowJson(const store::Notification& row) {
  return {{"id", row.id},
          {"event", row.event_type},
          {"sink", row.sink},
          {"status", store::Name(row.status)},
          {"attempts", row.attempts},
          {"nextAttemptAt", row.status == store::OutboxStatus::kPending
                                ? nlohmann::json(core::FormatIsoUtc(row.next_attempt_at))
                                : nlohmann::json(nullptr)},
          {"lastError", row.last_error},
          {"createdAt", core::FormatIsoUtc(row.created_at)},
          {"deliveredAt", row.delivered_at ? nlohmann::json(core::FormatIsoUtc(*row.delivered_at))
                                           : nlohmann::json(nullptr)}};
}

}  // namespace

void AddNotifyCommands(CLI::App& app, Context& context, Action& action) {
  CLI::App* group = app.add_subcommand("notify", "Notifications: test the sinks, list the outbox");
  group->require_subcommand(1);

  auto sink = std::make_shared<std::string>();
  CLI::App* test = group->add_subcommand("test", "Send a test message through the sinks now");
  test->add_option("--sink", *sink, "Only this sink (default: every configured one)")
      ->check(CLI::IsMember({"webhook", "slack", "email"}));
  test->callback([&context, &action, sink] {
    action = [&context, sink]() -> Status {
      const config::Config* config = TRY(context.Config());
      return SendTest(*config, *sink);
    };
  });

  struct OutboxOptions {
    std::string status;
    int limit = 50;
    bool json = false;
  };
  auto outbox_options = std::make_shared<OutboxOptions>();
  CLI::App* outbox = group->add_subcommand("outbox", "Queued and sent notifications, newest first");
  outbox->add_option("--status", outbox_options->status, "pending, delivered or failed")
      ->check(CLI::IsMember({"pending", "delivered", "failed"}));
  outbox->add_option("--limit", outbox_options->limit, "At most this many rows")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  outbox->add_flag("--json", outbox_options->json, "As JSON");
  outbox->callback([&context, &action, outbox_options] {
    action = [&context, outbox_options]() -> Status {
      store::Store* store = TRY(context.Store());
      store::OutboxQuery query{.limit = outbox_options->limit};
      if (!outbox_options->status.empty()) {
        query.status = TRY(store::ParseOutboxStatus(outbox_options->status));
      }
      const std::vector<store::Notification> rows = TRY(store->ListNotifications(query));
      if (outbox_options->json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& row : rows) out.push_back(RowJson(row));
        std::printf("%s\n", out.dump(2).c_str());
        return {};
      }
      Table table({"ID", "EVENT", "SINK", "STATUS", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR"});
      for (const auto& row : rows) {
        table.AddRow(
            {std::to_string(row.id), row.event_type, row.sink, std::string(store::Name(row.status)),
             std::to_string(row.attempts),
             row.status == store::OutboxStatus::kPending ? FormatUtc(row.next_attempt_at) : "-",
             row.last_error.empty() ? "-" : row.last_error});
      }
      table.Print(stdout);
      return {};
    };
  });
}

}  // namespace galaos::cli
