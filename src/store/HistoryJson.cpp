#include "store/HistoryJson.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/Time.h"

namespace galaos::store {
namespace {

nlohmann::json TimeOrNull(const std::optional<TimePoint>& time) {
  return time ? nlohmann::json(core::FormatIsoUtc(*time)) : nlohmann::json(nullptr);
}

nlohmann::json DurationOrNull(TimePoint start, const std::optional<TimePoint>& end) {
  if (!end) return nullptr;
  return std::chrono::duration_cast<std::chrono::milliseconds>(*end - start).count();
}

nlohmann::json TextOrNull(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

nlohmann::json StepJson(const Step& step) {
  return {
      {"name", step.name},
      {"status", Name(step.status)},
      {"startedAt", core::FormatIsoUtc(step.started_at)},
      {"endedAt", TimeOrNull(step.ended_at)},
      {"duration", DurationOrNull(step.started_at, step.ended_at)},
      {"exitCode", step.exit_code ? nlohmann::json(*step.exit_code) : nlohmann::json(nullptr)},
      {"outputTail", step.output_tail},
      {"error", TextOrNull(step.error)},
  };
}

}  // namespace

std::string_view HistoryTypeName(TransactionType type) {
  switch (type) {
    case TransactionType::kCode:
      return "system_update_code";
    case TransactionType::kDocker:
      return "system_update_docker";
    case TransactionType::kFull:
      return "system_update_full";
    case TransactionType::kRollback:
      return "system_rollback";
  }
  return "unknown";
}

nlohmann::json HistoryEntryJson(const Transaction& tx) {
  nlohmann::json errors = nlohmann::json::array();
  nlohmann::json actions = nlohmann::json::array();
  nlohmann::json steps = nlohmann::json::array();
  nlohmann::json failed_step = nullptr;
  if (!tx.error.empty()) errors.push_back(tx.error);
  for (const Step& step : tx.steps) {
    actions.push_back(step.name);
    steps.push_back(StepJson(step));
    if (step.status == StepStatus::kFailed) {
      if (failed_step.is_null()) failed_step = step.name;
      if (!step.error.empty()) errors.push_back(step.name + ": " + step.error);
    }
  }
  return {
      {"id", tx.id},
      {"type", HistoryTypeName(tx.type)},
      {"scope", "system"},
      {"status", Name(tx.status)},
      {"findings",
       {
           {"errors", std::move(errors)},
           {"fromVersion", tx.from_version},
           {"toVersion", tx.to_version},
           {"trigger", tx.trigger},
           {"actor", tx.actor},
           {"state", tx.state},
           {"failedStep", std::move(failed_step)},
       }},
      {"actions", std::move(actions)},
      {"startedAt", core::FormatIsoUtc(tx.started_at)},
      {"completedAt", TimeOrNull(tx.completed_at)},
      {"duration", DurationOrNull(tx.started_at, tx.completed_at)},
      {"steps", std::move(steps)},
  };
}

nlohmann::json HistoryJson(std::span<const Transaction> transactions) {
  nlohmann::json entries = nlohmann::json::array();
  for (const Transaction& tx : transactions) entries.push_back(HistoryEntryJson(tx));
  return entries;
}

}  // namespace galaos::store
