#include <gtest/gtest.h>

#include <string>

#include "StoreTestSupport.h"
#include "store/AuditChain.h"

namespace galaos::store::testing {
namespace {

AuditEntry Entry(std::string actor, std::string action, std::string outcome = "ok") {
  return AuditEntry{.actor = std::move(actor),
                    .client_address = "127.0.0.1",
                    .request_id = "req-" + action,
                    .action = action,
                    .input_json = R"({"skipBackup":false})",
                    .outcome = std::move(outcome),
                    .transaction_id = "tx-1"};
}

class AuditLogTest : public StoreTest {
 protected:
  void AppendThree() {
    for (const char* action : {"applyCodeUpdate", "rollback", "cleanBackups"}) {
      ASSERT_OK(store_->AppendAudit(Entry("admin", action)));
      clock_.Advance(1s);
    }
  }

  // Tampering needs the append-only triggers out of the way, as an attacker would do.
  void DropTriggers(RawDb& raw) {
    ASSERT_EQ(raw.Exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete"), "");
  }

  AuditVerification Verify() {
    auto result = store_->VerifyAuditLog();
    EXPECT_TRUE(result) << result.error().message();
    return result ? *result : AuditVerification{};
  }
};

TEST_F(AuditLogTest, RowsFormAChainFromTheGenesisHash) {
  ASSERT_OK_AND_ASSIGN(AuditRecord first, store_->AppendAudit(Entry("admin", "applyCodeUpdate")));
  clock_.Advance(1s);
  ASSERT_OK_AND_ASSIGN(AuditRecord second, store_->AppendAudit(Entry("viewer", "rollback")));

  EXPECT_EQ(first.seq, 1);
  EXPECT_EQ(first.prev_hash, kAuditGenesisHash);
  EXPECT_EQ(first.hash, ComputeAuditHash(first));
  EXPECT_EQ(first.time, kStart);
  EXPECT_EQ(second.seq, 2);
  EXPECT_EQ(second.prev_hash, first.hash);
  EXPECT_EQ(second.hash, ComputeAuditHash(second));
  EXPECT_EQ(second.hash.size(), 64u);
  EXPECT_NE(first.hash, second.hash);
}

TEST_F(AuditLogTest, StoredRowsReadBackExactly) {
  ASSERT_OK_AND_ASSIGN(AuditRecord appended, store_->AppendAudit(Entry("admin", "rollback")));
  ASSERT_OK_AND_ASSIGN(auto rows, store_->ListAudit({}));
  ASSERT_EQ(rows.size(), 1u);
  const AuditRecord& row = rows[0];
  EXPECT_EQ(row.seq, appended.seq);
  EXPECT_EQ(row.time, appended.time);
  EXPECT_EQ(row.entry.actor, "admin");
  EXPECT_EQ(row.entry.client_address, "127.0.0.1");
  EXPECT_EQ(row.entry.request_id, "req-rollback");
  EXPECT_EQ(row.entry.action, "rollback");
  EXPECT_EQ(row.entry.input_json, R"({"skipBackup":false})");
  EXPECT_EQ(row.entry.outcome, "ok");
  EXPECT_EQ(row.entry.transaction_id, "tx-1");
  EXPECT_EQ(row.hash, appended.hash);
}

TEST_F(AuditLogTest, IntactChainVerifiesWithItsHeadHash) {
  AppendThree();
  ASSERT_OK_AND_ASSIGN(auto rows, store_->ListAudit({}));
  AuditVerification verification = Verify();
  EXPECT_TRUE(verification.ok()) << verification.Describe();
  EXPECT_EQ(verification.rows_checked, 3);
  EXPECT_EQ(verification.head_hash, rows.front().hash);
  EXPECT_EQ(verification.Describe(), "audit log intact: 3 rows, head " + rows.front().hash);
}

TEST_F(AuditLogTest, EmptyLogVerifies) {
  AuditVerification verification = Verify();
  EXPECT_TRUE(verification.ok());
  EXPECT_EQ(verification.rows_checked, 0);
}

TEST_F(AuditLogTest, EditedRowIsReportedAsAHashMismatch) {
  AppendThree();
  RawDb raw(path_);
  DropTriggers(raw);
  ASSERT_EQ(raw.Exec("UPDATE audit_log SET outcome = 'error: denied' WHERE seq = 2"), "");

  AuditVerification verification = Verify();
  ASSERT_FALSE(verification.ok());
  EXPECT_EQ(verification.first_tampered->seq, 2);
  EXPECT_EQ(verification.first_tampered->kind, AuditTamper::Kind::kHashMismatch);
  EXPECT_EQ(verification.rows_checked, 1);
  EXPECT_NE(verification.Describe().find("first bad row seq 2 (hash mismatch"), std::string::npos)
      << verification.Describe();
}

TEST_F(AuditLogTest, EditedTimeIsReportedAsAHashMismatch) {
  AppendThree();
  RawDb raw(path_);
  DropTriggers(raw);
  ASSERT_EQ(raw.Exec("UPDATE audit_log SET time = time + 1 WHERE seq = 3"), "");
  AuditVerification verification = Verify();
  ASSERT_FALSE(verification.ok());
  EXPECT_EQ(verification.first_tampered->seq, 3);
  EXPECT_EQ(verification.first_tampered->kind, AuditTamper::Kind::kHashMismatch);
}

TEST_F(AuditLogTest, RemovedRowIsReportedAsABrokenLinkAtTheNextRow) {
  AppendThree();
  RawDb raw(path_);
  DropTriggers(raw);
  ASSERT_EQ(raw.Exec("DELETE FROM audit_log WHERE seq = 2"), "");

  AuditVerification verification = Verify();
  ASSERT_FALSE(verification.ok());
  EXPECT_EQ(verification.first_tampered->seq, 3);
  EXPECT_EQ(verification.first_tampered->kind, AuditTamper::Kind::kBrokenLink);
}

TEST_F(AuditLogTest, RemovedFirstRowIsReportedAsABrokenLink) {
  AppendThree();
  RawDb raw(path_);
  DropTriggers(raw);
  ASSERT_EQ(raw.Exec("DELETE FROM audit_log WHERE seq = 1"), "");
  AuditVerification verification = Verify();
  ASSERT_FALSE(verification.ok());
  EXPECT_EQ(verification.first_tampered->seq, 2);
  EXPECT_EQ(verification.first_tampered->kind, AuditTamper::Kind::kBrokenLink);
}

TEST_F(AuditLogTest, RewrittenRowWithARecomputedHashBreaksTheNextLink) {
  AppendThree();
  ASSERT_OK_AND_ASSIGN(auto rows, store_->ListAudit({}));
  AuditRecord forged = rows[1];  // seq 2
  ASSERT_EQ(forged.seq, 2);
  forged.entry.actor = "someone-else";
  forged.hash = ComputeAuditHash(forged);
  RawDb raw(path_);
  DropTriggers(raw);
  ASSERT_EQ(raw.Exec("UPDATE audit_log SET actor = 'someone-else', hash = '" + forged.hash +
                     "' WHERE seq = 2"),
            "");

  AuditVerification verification = Verify();
  ASSERT_FALSE(verification.ok());
  EXPECT_EQ(verification.first_tampered->seq, 3);
  EXPECT_EQ(verification.first_tampered->kind, AuditTamper::Kind::kBrokenLink);
}

TEST_F(AuditLogTest, TablesRefuseUpdatesAndDeletes) {
  AppendThree();
  RawDb raw(path_);
  EXPECT_NE(raw.Exec("UPDATE audit_log SET outcome = 'x'").find("append-only"), std::string::npos);
  EXPECT_NE(raw.Exec("DELETE FROM audit_log").find("append-only"), std::string::npos);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM audit_log"), 3);
}

TEST_F(AuditLogTest, ListFiltersByActorActionAndSinceNewestFirst) {
  ASSERT_OK(store_->AppendAudit(Entry("admin", "applyCodeUpdate")));
  clock_.Advance(1min);
  ASSERT_OK(store_->AppendAudit(Entry("ci", "applyCodeUpdate")));
  clock_.Advance(1min);
  ASSERT_OK(store_->AppendAudit(Entry("admin", "rollback")));
  clock_.Advance(1min);
  ASSERT_OK(store_->AppendAudit(Entry("admin", "applyCodeUpdate")));

  ASSERT_OK_AND_ASSIGN(auto by_admin, store_->ListAudit({.actor = "admin"}));
  ASSERT_EQ(by_admin.size(), 3u);
  EXPECT_EQ(by_admin[0].seq, 4);
  EXPECT_EQ(by_admin[2].seq, 1);

  ASSERT_OK_AND_ASSIGN(auto applies, store_->ListAudit({.action = "applyCodeUpdate"}));
  EXPECT_EQ(applies.size(), 3u);

  ASSERT_OK_AND_ASSIGN(auto both,
                       store_->ListAudit({.actor = "admin", .action = "applyCodeUpdate"}));
  EXPECT_EQ(both.size(), 2u);

  ASSERT_OK_AND_ASSIGN(auto recent, store_->ListAudit({.since = kStart + 2min}));
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].seq, 4);
  EXPECT_EQ(recent[1].seq, 3);

  ASSERT_OK_AND_ASSIGN(auto limited, store_->ListAudit({.limit = 1}));
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_EQ(limited[0].seq, 4);
}

// outcome "failed" matches "failed" and "failed: <why>", but not an outcome that merely
// starts with the same letters.
TEST_F(AuditLogTest, ListFiltersByOutcomeAndUntil) {
  ASSERT_OK(store_->AppendAudit(Entry("admin", "applyCodeUpdate", "ok")));
  clock_.Advance(1min);
  ASSERT_OK(store_->AppendAudit(Entry("admin", "applyCodeUpdate", "failed")));
  clock_.Advance(1min);
  ASSERT_OK(store_->AppendAudit(Entry("admin", "rollback", "failed: CONFLICT held")));
  clock_.Advance(1min);
  ASSERT_OK(store_->AppendAudit(Entry("admin", "rollback", "failedish")));

  ASSERT_OK_AND_ASSIGN(auto failed, store_->ListAudit({.outcome = "failed"}));
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].seq, 3);
  EXPECT_EQ(failed[1].seq, 2);
  ASSERT_OK_AND_ASSIGN(auto ok, store_->ListAudit({.outcome = "ok"}));
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].seq, 1);

  ASSERT_OK_AND_ASSIGN(auto before, store_->ListAudit({.until = kStart + 2min}));
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0].seq, 2);
  ASSERT_OK_AND_ASSIGN(auto window,
                       store_->ListAudit({.since = kStart + 1min, .until = kStart + 3min}));
  ASSERT_EQ(window.size(), 2u);
  EXPECT_EQ(window[0].seq, 3);
  EXPECT_EQ(window[1].seq, 2);
}

TEST_F(AuditLogTest, InvalidInputJsonIsRefusedAndLeavesTheChainIntact) {
  ASSERT_OK(store_->AppendAudit(Entry("admin", "applyCodeUpdate")));
  AuditEntry bad = Entry("admin", "rollback");
  bad.input_json = "{\"backupPath\":";
  EXPECT_ERROR_CODE(store_->AppendAudit(bad), ErrorCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(AuditRecord next, store_->AppendAudit(Entry("admin", "cleanBackups")));
  EXPECT_EQ(next.seq, 2);
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditLogTest, InvalidUtf8IsStoredAsValidTextAndStillVerifies) {
  AuditEntry entry = Entry("admin\xff", "applyCodeUpdate");
  ASSERT_OK_AND_ASSIGN(AuditRecord record, store_->AppendAudit(entry));
  EXPECT_EQ(record.entry.actor, "admin?");
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditLogTest, CanonicalBytesSeparateFieldsUnambiguously) {
  AuditRecord a;
  a.entry.actor = "ab";
  a.entry.client_address = "c";
  AuditRecord b;
  b.entry.actor = "a";
  b.entry.client_address = "bc";
  EXPECT_NE(CanonicalAuditBytes(a), CanonicalAuditBytes(b));
  EXPECT_NE(ComputeAuditHash(a), ComputeAuditHash(b));
}

}  // namespace
}  // namespace galaos::store::testing
