// Tokens against the real SQLite store.
#include <gtest/gtest.h>

#include "api/Tokens.h"
#include "core/Clock.h"
#include "core/TempDir.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"

namespace galaos::api {
namespace {

class TokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(core::TempDir dir, core::TempDir::Create("tokens"));
    dir_ = std::make_unique<core::TempDir>(std::move(dir));
    ASSERT_OK_AND_ASSIGN(store_, store::OpenSqliteStore(dir_->path() / "state.db", clock_));
  }

  core::TestClock clock_{std::chrono::system_clock::now()};
  std::unique_ptr<core::TempDir> dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(TokensTest, AnIssuedTokenAuthenticatesWithItsRoleAndName) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, IssueToken(*store_, "deploy bot", Role::kAdmin));
  EXPECT_EQ(issued.token.substr(0, issued.token.find('.')), issued.record.id);
  EXPECT_EQ(issued.record.id.size(), 12u);
  EXPECT_EQ(issued.token.size(), 12u + 1 + 43);
  ASSERT_OK_AND_ASSIGN(Caller caller, Authenticate(*store_, issued.token));
  EXPECT_EQ(caller.role, Role::kAdmin);
  EXPECT_EQ(caller.actor, "deploy bot");
  ASSERT_OK_AND_ASSIGN(store::ApiToken stored, store_->GetApiToken(issued.record.id));
  EXPECT_TRUE(stored.last_used_at.has_value());
}

TEST_F(TokensTest, TheStoreHoldsOnlyAHashOfTheSecret) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, IssueToken(*store_, "viewer", Role::kViewer));
  std::string secret = issued.token.substr(issued.token.find('.') + 1);
  ASSERT_OK_AND_ASSIGN(store::ApiToken stored, store_->GetApiToken(issued.record.id));
  EXPECT_EQ(stored.secret_hash.find(secret), std::string::npos);
  EXPECT_TRUE(stored.secret_hash.starts_with("blake2b256:"));
  ASSERT_OK_AND_ASSIGN(Caller caller, Authenticate(*store_, issued.token));
  EXPECT_EQ(caller.role, Role::kViewer);
}

TEST_F(TokensTest, EveryBadTokenGetsTheSameUnauthorizedAnswer) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, IssueToken(*store_, "ops", Role::kAdmin));
  std::string wrong_secret = issued.token;
  wrong_secret.back() = wrong_secret.back() == 'A' ? 'B' : 'A';
  const std::string id = issued.record.id;
  for (const std::string& token :
       {wrong_secret, id, id + ".", "." + issued.token, std::string("0123456789ab.secret"),
        std::string("ZZZZZZZZZZZZ.x"), std::string(""), std::string(300, 'a')}) {
    SCOPED_TRACE(token);
    Expected<Caller> caller = Authenticate(*store_, token);
    EXPECT_ERROR_CODE(caller, ErrorCode::kUnauthorized);
    if (!caller) {
      EXPECT_EQ(caller.error().message(), "invalid token");
    }
  }
}

TEST_F(TokensTest, ARevokedTokenNoLongerAuthenticates) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, IssueToken(*store_, "old", Role::kAdmin));
  ASSERT_OK(Authenticate(*store_, issued.token));
  ASSERT_OK(store_->RevokeApiToken(issued.record.id));
  EXPECT_ERROR_CODE(Authenticate(*store_, issued.token), ErrorCode::kUnauthorized);
}

TEST_F(TokensTest, TokensAreUnique) {
  ASSERT_OK_AND_ASSIGN(IssuedToken a, IssueToken(*store_, "a", Role::kViewer));
  ASSERT_OK_AND_ASSIGN(IssuedToken b, IssueToken(*store_, "a", Role::kViewer));
  EXPECT_NE(a.record.id, b.record.id);
  EXPECT_NE(a.token, b.token);
}

TEST_F(TokensTest, NamesMustBeShortAndPrintable) {
  EXPECT_ERROR_CODE(IssueToken(*store_, "", Role::kViewer), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(IssueToken(*store_, std::string(65, 'n'), Role::kViewer),
                    ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(IssueToken(*store_, "line\nbreak", Role::kViewer), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace galaos::api
