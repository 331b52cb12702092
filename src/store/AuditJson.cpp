#include "store/AuditJson.h"

#include "core/Time.h"

namespace galaos::store {

nlohmann::json AuditRowJson(const AuditRecord& row) {
  auto input = nlohmann::json::parse(row.entry.input_json, nullptr, /*allow_exceptions=*/false);
  return {{"seq", row.seq},
          {"time", core::FormatIsoUtc(row.time)},
          {"actor", row.entry.actor},
          {"clientAddress", row.entry.client_address},
          {"requestId", row.entry.request_id},
          {"action", row.entry.action},
          {"input", input.is_discarded() ? nlohmann::json(row.entry.input_json) : input},
          {"outcome", row.entry.outcome},
          {"transactionId", row.entry.transaction_id},
          {"prevHash", row.prev_hash},
          {"hash", row.hash}};
}

nlohmann::json AuditVerificationJson(const AuditVerification& result) {
  nlohmann::json json = {{"ok", result.ok()},
                         {"rowsChecked", result.rows_checked},
                         {"headHash", result.head_hash},
                         {"message", result.Describe()}};
  if (result.first_tampered) json["firstTamperedSeq"] = result.first_tampered->seq;
  return json;
}

}  // namespace galaos::store
