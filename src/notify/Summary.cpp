#include "notify/Summary.h"

#include <nlohmann/json.hpp>

namespace galaos::notify {
namespace {

using nlohmann::json;

// A string member, "" when absent, null or not a string (payloads of a newer schema).
std::string Text(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string Versions(const std::string& from, const std::string& to) {
  if (from.empty()) return to;
  if (to.empty()) return from;
  return from + " → " + to;
}

std::string Headline(std::string text, const std::string& versions) {
  return versions.empty() ? text : text + ": " + versions;
}

void Add(Summary& summary, std::string label, std::string value) {
  if (!value.empty()) summary.fields.emplace_back(std::move(label), std::move(value));
}

void SummarizeAvailable(const json& data, Summary& summary) {
  const std::string current = Text(data, "current_version");
  const std::string latest = Text(data, "latest_version");
  const bool breaking = data.value("breaking", false);
  summary.title = Headline("Update available", Versions(current, latest));
  if (breaking) summary.title += " (breaking)";
  Add(summary, "Current version", current);
  Add(summary, "Latest version", latest);
  Add(summary, "Breaking", breaking ? "yes" : "");
  Add(summary, "Released", Text(data, "release_date"));
  const auto containers = data.find("containers");
  if (containers != data.end() && containers->is_array()) {
    for (const json& container : *containers) {
      if (!container.is_object()) continue;
      Add(summary, "Container " + Text(container, "name"),
          Text(container, "image") + " " +
              Versions(Text(container, "current_digest"), Text(container, "latest_digest")));
    }
  }
  summary.details = Text(data, "changelog");
}

void SummarizeTransaction(const std::string& type, const json& data, Summary& summary) {
  const std::string versions = Versions(Text(data, "from_version"), Text(data, "to_version"));
  Add(summary, "Transaction", Text(data, "transaction_id"));
  Add(summary, "Update type", Text(data, "update_type"));
  if (type == "update_started") {
    summary.title = Headline("Update started", versions);
    Add(summary, "Trigger", Text(data, "trigger"));
  } else if (type == "update_completed") {
    summary.title = Headline("Update completed", versions);
    const auto duration = data.find("duration_ms");
    if (duration != data.end() && duration->is_number_integer()) {
      Add(summary, "Duration", std::to_string(duration->get<std::int64_t>() / 1000) + " s");
    }
  } else {
    const std::string rollback = Text(data, "rollback");
    summary.title = Headline("Update failed", versions);
    if (rollback == "rolled_back") summary.title += " (rolled back)";
    if (rollback == "rollback_failed") summary.title += " (ROLLBACK FAILED)";
    Add(summary, "Failed step", Text(data, "failed_step"));
    Add(summary, "Rollback", rollback);
    summary.details = Text(data, "error");
  }
}

void SummarizeRollback(const json& data, Summary& summary) {
  summary.title = Headline("Rollback completed", Text(data, "restored_version"));
  Add(summary, "Transaction", Text(data, "transaction_id"));
  Add(summary, "Backup", Text(data, "backup_id"));
  Add(summary, "Reason", Text(data, "reason"));
}

}  // namespace

std::string EscapeEntities(std::string_view text, bool quotes) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += quotes ? "&quot;" : "\"";
        break;
      case '\'':
        escaped += quotes ? "&#39;" : "'";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

Expected<Summary> Summarize(const store::Notification& message) {
  const json payload = json::parse(message.payload_json, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object() || !payload.contains("data") || !payload["data"].is_object()) {
    return MakeError(ErrorCode::kCorrupt, "notification " + std::to_string(message.id) +
                                              " has a payload that is not an event object");
  }
  const json& data = payload["data"];
  Summary summary;
  if (message.event_type == "update_available") {
    SummarizeAvailable(data, summary);
  } else if (message.event_type == "rollback_completed") {
    SummarizeRollback(data, summary);
  } else if (message.event_type == "notification_test") {
    summary.title = "Test notification from galaos-updater";
    Add(summary, "Requested by", Text(data, "requested_by"));
    summary.details = Text(data, "message");
  } else if (message.event_type.starts_with("update_")) {
    SummarizeTransaction(message.event_type, data, summary);
  } else {
    summary.title = "galaos-updater: " + message.event_type;
  }
  Add(summary, "Time", Text(payload, "occurred_at"));
  Add(summary, "Event id", Text(payload, "id"));
  return summary;
}

}  // namespace galaos::notify
