// The audit log as JSON, shared by `audit list --json` / `audit verify --json` and the API's
// getAuditLog / verifyAuditLog.
//
// A row: {seq, time (ISO 8601 UTC), actor, clientAddress, requestId, action, input (the
//         recorded JSON, or its raw text when it does not parse), outcome, transactionId,
//         prevHash, hash}
// A verification: {ok, rowsChecked, headHash, message, firstTamperedSeq (only when not ok)}
#pragma once

#include <nlohmann/json.hpp>

#include "store/Records.h"

namespace galaos::store {

nlohmann::json AuditRowJson(const AuditRecord& row);

nlohmann::json AuditVerificationJson(const AuditVerification& result);

}  // namespace galaos::store
