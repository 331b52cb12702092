#include "store/Records.h"

#include <array>
#include <utility>

namespace galaos::store {
namespace {

template <class Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

constexpr NameTable<TransactionType, 4> kTransactionTypes{{
    {TransactionType::kCode, "code"},
    {TransactionType::kDocker, "docker"},
    {TransactionType::kFull, "full"},
    {TransactionType::kRollback, "rollback"},
}};

constexpr NameTable<TransactionStatus, 7> kTransactionStatuses{{
    {TransactionStatus::kPending, "pending"},
    {TransactionStatus::kRunning, "running"},
    {TransactionStatus::kRollingBack, "rolling_back"},
    {TransactionStatus::kSucceeded, "succeeded"},
    {TransactionStatus::kFailed, "failed"},
    {TransactionStatus::kRolledBack, "rolled_back"},
    {TransactionStatus::kRollbackFailed, "rollback_failed"},
}};

constexpr NameTable<StepStatus, 4> kStepStatuses{{
    {StepStatus::kRunning, "running"},
    {StepStatus::kSucceeded, "succeeded"},
    {StepStatus::kFailed, "failed"},
    {StepStatus::kSkipped, "skipped"},
}};

constexpr NameTable<ScheduleUpdateType, 3> kScheduleUpdateTypes{{
    {ScheduleUpdateType::kCode, "code"},
    {ScheduleUpdateType::kDocker, "docker"},
    {ScheduleUpdateType::kBoth, "both"},
}};

constexpr NameTable<ConflictPolicy, 2> kConflictPolicies{{
    {ConflictPolicy::kSkip, "skip"},
    {ConflictPolicy::kQueue, "queue"},
}};

constexpr NameTable<OutboxStatus, 3> kOutboxStatuses{{
    {OutboxStatus::kPending, "pending"},
    {OutboxStatus::kDelivered, "delivered"},
    {OutboxStatus::kFailed, "failed"},
}};

constexpr NameTable<TokenRole, 2> kTokenRoles{{
    {TokenRole::kAdmin, "admin"},
    {TokenRole::kViewer, "viewer"},
}};

template <class Enum, std::size_t N>
std::string_view Lookup(const NameTable<Enum, N>& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";
}

template <class Enum, std::size_t N>
Expected<Enum> Parse(const NameTable<Enum, N>& table, std::string_view name,
                     std::string_view what) {
  std::string accepted;
  for (const auto& [value, candidate] : table) {
    if (candidate == name) return value;
    accepted += accepted.empty() ? "" : ", ";
    accepted += candidate;
  }
  return MakeError(
      ErrorCode::kInvalidArgument,
      "unknown " + std::string(what) + " '" + std::string(name) + "' (expected " + accepted + ")");
}

bool IsContinuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is not one.
std::size_t ValidSequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;  // allowed range of the second byte (rules out overlongs etc.)
  unsigned char high = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) low = 0xA0;
    if (b0 == 0xED) high = 0x9F;  // no UTF-16 surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) low = 0x90;
    if (b0 == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!IsContinuation(byte(k))) return 0;
  }
  return length;
}

}  // namespace

bool IsTerminal(TransactionStatus status) {
  switch (status) {
    case TransactionStatus::kSucceeded:
    case TransactionStatus::kFailed:
    case TransactionStatus::kRolledBack:
    case TransactionStatus::kRollbackFailed:
      return true;
    case TransactionStatus::kPending:
    case TransactionStatus::kRunning:
    case TransactionStatus::kRollingBack:
      return false;
  }
  return false;
}

std::string AuditVerification::Describe() const {
  if (!first_tampered) {
    return "audit log intact: " + std::to_string(rows_checked) + " rows, head " +
           (head_hash.empty() ? std::string("(empty)") : head_hash);
  }
  const char* kind =
      first_tampered->kind == AuditTamper::Kind::kHashMismatch ? "hash mismatch" : "broken link";
  return "audit log tampered: first bad row seq " + std::to_string(first_tampered->seq) + " (" +
         kind + ": " + first_tampered->detail + ")";
}

std::string_view Name(TransactionType value) {
  return Lookup(kTransactionTypes, value);
}
std::string_view Name(TransactionStatus value) {
  return Lookup(kTransactionStatuses, value);
}
std::string_view Name(StepStatus value) {
  return Lookup(kStepStatuses, value);
}
std::string_view Name(ScheduleUpdateType value) {
  return Lookup(kScheduleUpdateTypes, value);
}
std::string_view Name(ConflictPolicy value) {
  return Lookup(kConflictPolicies, value);
}
std::string_view Name(OutboxStatus value) {
  return Lookup(kOutboxStatuses, value);
}
std::string_view Name(TokenRole value) {
  return Lookup(kTokenRoles, value);
}

Expected<TransactionType> ParseTransactionType(std::string_view name) {
  return Parse(kTransactionTypes, name, "transaction type");
}
Expected<TransactionStatus> ParseTransactionStatus(std::string_view name) {
  return Parse(kTransactionStatuses, name, "transaction status");
}
Expected<StepStatus> ParseStepStatus(std::string_view name) {
  return Parse(kStepStatuses, name, "step status");
}
Expected<ScheduleUpdateType> ParseScheduleUpdateType(std::string_view name) {
  return Parse(kScheduleUpdateTypes, name, "update type");
}
Expected<ConflictPolicy> ParseConflictPolicy(std::string_view name) {
  return Parse(kConflictPolicies, name, "conflict policy");
}
Expected<OutboxStatus> ParseOutboxStatus(std::string_view name) {
  return Parse(kOutboxStatuses, name, "outbox status");
}
Expected<TokenRole> ParseTokenRole(std::string_view name) {
  return Parse(kTokenRoles, name, "token role");
}

std::string Utf8Tail(std::string_view text, std::size_t max_bytes) {
  std::size_t start = text.size() > max_bytes ? text.size() - max_bytes : 0;
  if (start > 0) {
    // Drop the rest of a character cut by the limit (at most 3 continuation bytes).
    for (int k = 0;
         k < 3 && start < text.size() && IsContinuation(static_cast<unsigned char>(text[start]));
         ++k) {
      ++start;
    }
  }
  std::string out;
  out.reserve(text.size() - start);
  for (std::size_t i = start; i < text.size();) {
    const std::size_t length = ValidSequenceLength(text, i);
    if (length == 0) {
      out.push_back('?');
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

}  // namespace galaos::store
