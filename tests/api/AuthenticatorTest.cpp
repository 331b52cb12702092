// Authenticator: API tokens and GalaOS JWTs, and failed authentications in the audit trail
// without letting a flood grow it without bound.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "TestJwt.h"
#include "api/Authenticator.h"
#include "api/Tokens.h"
#include "core/TempDir.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"

namespace galaos::api {
namespace {

using nlohmann::json;

constexpr std::string_view kSecret = "9c4f1e2d3b5a69788a7b6c5d4e3f2a1b0c9d8e7f";

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    ASSERT_OK_AND_ASSIGN(core::TempDir dir, core::TempDir::Create("authenticator"));
    dir_ = std::make_unique<core::TempDir>(std::move(dir));
    ASSERT_OK_AND_ASSIGN(store_, store::OpenSqliteStore(dir_->path() / "state.db", clock_));
    config_.auth_failures_per_minute = 5;
  }

  Caller Request(std::string address) {
    return Caller{.address = std::move(address), .request_id = "req-1"};
  }

  std::vector<store::AuditRecord> Audit() {
    auto rows = store_->ListAudit(store::AuditQuery{.limit = 1000});
    EXPECT_TRUE(rows.has_value());
    return rows ? *rows : std::vector<store::AuditRecord>{};
  }

  std::string Jwt(std::string_view role) {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
    return testing::MakeJwt({{"alg", "HS256"}, {"typ", "JWT"}},
                            {{"sub", "ops@galaos"}, {"role", role}, {"exp", now + 600}}, kSecret);
  }

  core::TestClock clock_{std::chrono::system_clock::now()};
  std::unique_ptr<core::TempDir> dir_;
  std::unique_ptr<store::Store> store_;
  config::ApiConfig config_;
};

TEST_F(AuthenticatorTest, ApiTokensWorkAndJwtsOnlyWhenEnabled) {
  ASSERT_OK_AND_ASSIGN(IssuedToken token, IssueToken(*store_, "dash", Role::kViewer));
  Authenticator tokens_only(config_, *store_, clock_);
  ASSERT_OK_AND_ASSIGN(Caller viewer, tokens_only.Authenticate(token.token, Request("10.0.0.1"),
                                                               "systemUpdates.listBackups"));
  EXPECT_EQ(viewer.role, Role::kViewer);
  EXPECT_EQ(viewer.actor, "dash");
  EXPECT_EQ(viewer.address, "10.0.0.1");
  EXPECT_EQ(viewer.request_id, "req-1");
  EXPECT_FALSE(tokens_only.Authenticate(Jwt("admin"), Request("10.0.0.1"), "x").has_value());

  config_.jwt_enabled = true;
  config_.jwt_secret = kSecret;
  Authenticator with_jwt(config_, *store_, clock_);
  const std::string jwt = Jwt("admin");
  ASSERT_OK_AND_ASSIGN(Caller admin, with_jwt.Authenticate(jwt, Request("10.0.0.2"), "x"));
  EXPECT_EQ(admin.role, Role::kAdmin);
  EXPECT_EQ(admin.actor, "jwt:ops@galaos");
  EXPECT_TRUE(with_jwt.Authenticate(token.token, Request("10.0.0.2"), "x").has_value());
  clock_.Advance(std::chrono::minutes(11));  // past its exp, on the authenticator's clock
  EXPECT_FALSE(with_jwt.Authenticate(jwt, Request("10.0.0.2"), "x").has_value());
}

TEST_F(AuthenticatorTest, AFailureIsAuditedWithAddressProcedureAndRequestId) {
  Metrics metrics({}, {}, clock_.Now());
  Authenticator authenticator(config_, *store_, clock_, &metrics);
  Expected<Caller> refused = authenticator.Authenticate("0123456789ab.wrong", Request("192.0.2.7"),
                                                        "systemUpdates.rollback");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnauthorized);
  std::vector<store::AuditRecord> rows = Audit();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].entry.actor, "unknown");
  EXPECT_EQ(rows[0].entry.client_address, "192.0.2.7");
  EXPECT_EQ(rows[0].entry.request_id, "req-1");
  EXPECT_EQ(rows[0].entry.action, "systemUpdates.rollback");
  EXPECT_EQ(rows[0].entry.outcome, "unauthorized");
  EXPECT_NE(metrics.Render().find("galaos_updater_auth_failures_total 1\n"), std::string::npos);
}

TEST_F(AuthenticatorTest, AFloodOfFailuresWritesAtMostTheMinutesQuotaThenOneSummary) {
  Authenticator authenticator(config_, *store_, clock_);
  const int flood = Authenticator::kMaxFailureAuditsPerMinute + 25;
  for (int i = 0; i < flood; ++i) {  // many addresses, so the per-address limit never applies
    EXPECT_FALSE(authenticator.Authenticate("bad", Request(fmt::format("198.51.100.{}", i)), "p"));
  }
  EXPECT_EQ(Audit().size(), static_cast<std::size_t>(Authenticator::kMaxFailureAuditsPerMinute));
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_FALSE(authenticator.Authenticate("bad", Request("203.0.113.1"), "p"));
  std::vector<store::AuditRecord> rows = Audit();
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(Authenticator::kMaxFailureAuditsPerMinute) + 1);
  EXPECT_EQ(rows[0].entry.outcome, "unauthorized; 25 more not recorded (over 20 per minute)");
  ASSERT_OK_AND_ASSIGN(store::AuditVerification verification, store_->VerifyAuditLog());
  EXPECT_FALSE(verification.first_tampered.has_value());
}

TEST_F(AuthenticatorTest, AnAddressOverItsLimitIsBlockedOthersAreNot) {
  Authenticator authenticator(config_, *store_, clock_);
  for (int i = 0; i < config_.auth_failures_per_minute; ++i) {
    EXPECT_FALSE(authenticator.BlockedFor("192.0.2.1").has_value());
    EXPECT_FALSE(authenticator.Authenticate("bad", Request("192.0.2.1"), "p"));
  }
  EXPECT_TRUE(authenticator.BlockedFor("192.0.2.1").has_value());
  EXPECT_FALSE(authenticator.BlockedFor("192.0.2.2").has_value());
}

}  // namespace
}  // namespace galaos::api
