// The audit log's hash chain, shared by every backend. Each row's hash is the hex SHA-256 of
// a canonical serialization of its fields and the previous row's hash, so changing, removing
// or inserting a row breaks the chain from that row on. Removing rows from the end is only
// detectable against a head hash recorded elsewhere (AuditVerification::head_hash).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/Records.h"

namespace galaos::store {

// prev_hash of the first row.
inline constexpr std::string_view kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// "galaos-audit-v1" followed by each field as a netstring (<length>:<bytes>,) in this order:
// seq, time (milliseconds since the Unix epoch), actor, client_address, request_id, action,
// input_json, outcome, transaction_id, prev_hash. Length prefixes make it unambiguous.
std::string CanonicalAuditBytes(const AuditRecord& record);

// Hex SHA-256 of CanonicalAuditBytes(record); record.hash is not read.
std::string ComputeAuditHash(const AuditRecord& record);

// Checks rows fed in seq order, stopping at the first one that does not verify.
class AuditChainVerifier {
 public:
  // Returns false once a tampered row has been found; later rows are not checked.
  bool Add(const AuditRecord& row);
  const AuditVerification& result() const { return result_; }

 private:
  std::int64_t expected_seq_ = 1;
  std::string expected_prev_hash_ = std::string(kAuditGenesisHash);
  AuditVerification result_;
};

}  // namespace galaos::store
