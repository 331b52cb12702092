// getUpdateHistory's JSON: transactions in the shape of the original API's history entries,
// plus our steps. Shared by `galaos-updater history --json` and the API.
//
// Each entry:
//   id           transaction id
//   type         system_update_code | system_update_docker | system_update_full | system_rollback
//   scope        "system" (the original audit log's scope for update entries)
//   status       pending | running | rolling_back | succeeded | failed | rolled_back |
//                rollback_failed
//   findings     {errors: [string], fromVersion, toVersion, trigger, actor, state,
//                 failedStep: string | null}
//   actions      names of the steps that ran, in order
//   startedAt    ISO 8601 UTC with milliseconds, e.g. "2026-11-26T20:17:51.123Z"
//   completedAt  same, or null while unfinished
//   duration     milliseconds from start to completion, or null while unfinished
//   steps        [{name, status, startedAt, endedAt, duration, exitCode, outputTail, error}]
//                (endedAt, duration, exitCode null when unknown; error null when none)
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "store/Records.h"

namespace galaos::store {

// "system_update_code", ... for the type field.
std::string_view HistoryTypeName(TransactionType type);

nlohmann::json HistoryEntryJson(const Transaction& transaction);

// An array of entries in the order given (ListTransactions returns newest first).
nlohmann::json HistoryJson(std::span<const Transaction> transactions);

}  // namespace galaos::store
