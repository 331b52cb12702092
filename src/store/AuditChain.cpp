#include "store/AuditChain.h"

#include <sodium.h>

#include <array>
#include <chrono>

namespace galaos::store {
namespace {

void AppendField(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ',';
}

}  // namespace

std::string CanonicalAuditBytes(const AuditRecord& record) {
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(record.time.time_since_epoch());
  std::string out = "galaos-audit-v1";
  AppendField(out, std::to_string(record.seq));
  AppendField(out, std::to_string(millis.count()));
  AppendField(out, record.entry.actor);
  AppendField(out, record.entry.client_address);
  AppendField(out, record.entry.request_id);
  AppendField(out, record.entry.action);
  AppendField(out, record.entry.input_json);
  AppendField(out, record.entry.outcome);
  AppendField(out, record.entry.transaction_id);
  AppendField(out, record.prev_hash);
  return out;
}

std::string ComputeAuditHash(const AuditRecord& record) {
  const std::string bytes = CanonicalAuditBytes(record);
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  // Portable code without global state: needs no sodium_init().
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data(), crypto_hash_sha256_BYTES * 2);
}

bool AuditChainVerifier::Add(const AuditRecord& row) {
  if (result_.first_tampered) return false;
  const auto fail = [&](AuditTamper::Kind kind, std::string detail) {
    result_.first_tampered = AuditTamper{row.seq, kind, std::move(detail)};
    return false;
  };
  if (row.seq != expected_seq_) {
    return fail(AuditTamper::Kind::kBrokenLink, "expected seq " + std::to_string(expected_seq_) +
                                                    ", found " + std::to_string(row.seq));
  }
  if (row.prev_hash != expected_prev_hash_) {
    return fail(AuditTamper::Kind::kBrokenLink, "prev_hash " + row.prev_hash +
                                                    " does not match the previous row's hash " +
                                                    expected_prev_hash_);
  }
  const std::string computed = ComputeAuditHash(row);
  if (row.hash != computed) {
    return fail(AuditTamper::Kind::kHashMismatch,
                "stored hash " + row.hash + ", content hashes to " + computed);
  }
  ++result_.rows_checked;
  result_.head_hash = row.hash;
  ++expected_seq_;
  expected_prev_hash_ = row.hash;
  return true;
}

}  // namespace galaos::store
