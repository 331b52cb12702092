// SessionStore: lifetime, sign-out, capacity and CSRF comparison, on a test clock.
#include <gtest/gtest.h>

#include "api/Sessions.h"

namespace galaos::api {
namespace {

using namespace std::chrono_literals;

class SessionsTest : public ::testing::Test {
 protected:
  core::TestClock clock_{std::chrono::system_clock::now()};
};

TEST_F(SessionsTest, ASessionIsFoundByItsIdWithItsRoleActorAndCsrfToken) {
  SessionStore sessions(clock_, 1h);
  NewSession created = sessions.Create(Role::kAdmin, "ops", "0123456789ab");
  EXPECT_EQ(created.id.size(), 64u);
  std::optional<Session> found = sessions.Find(created.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->role, Role::kAdmin);
  EXPECT_EQ(found->actor, "ops");
  EXPECT_EQ(found->token_id, "0123456789ab");
  EXPECT_EQ(found->csrf_token, created.session.csrf_token);
  EXPECT_NE(found->csrf_token, created.id);
  EXPECT_EQ(found->expires_at, clock_.Now() + 1h);
  EXPECT_FALSE(sessions.Find("not-a-session").has_value());
}

TEST_F(SessionsTest, ASessionExpiresAfterItsLifetime) {
  SessionStore sessions(clock_, 1h);
  NewSession created = sessions.Create(Role::kViewer, "dash", "0123456789ab");
  clock_.Advance(59min);
  EXPECT_TRUE(sessions.Find(created.id).has_value());
  clock_.Advance(1min);
  EXPECT_FALSE(sessions.Find(created.id).has_value());
}

TEST_F(SessionsTest, SignOutEndsOnlyThatSession) {
  SessionStore sessions(clock_, 1h);
  NewSession first = sessions.Create(Role::kViewer, "a", "0123456789ab");
  NewSession second = sessions.Create(Role::kViewer, "b", "0123456789ab");
  EXPECT_NE(first.id, second.id);
  EXPECT_NE(first.session.csrf_token, second.session.csrf_token);
  sessions.Remove(first.id);
  sessions.Remove("unknown");
  EXPECT_FALSE(sessions.Find(first.id).has_value());
  EXPECT_TRUE(sessions.Find(second.id).has_value());
}

TEST_F(SessionsTest, BeyondCapacityTheSessionClosestToExpiryIsDropped) {
  SessionStore sessions(clock_, 1h, 2);
  NewSession oldest = sessions.Create(Role::kViewer, "a", "0123456789ab");
  clock_.Advance(1s);
  NewSession middle = sessions.Create(Role::kViewer, "b", "0123456789ab");
  clock_.Advance(1s);
  NewSession newest = sessions.Create(Role::kViewer, "c", "0123456789ab");
  EXPECT_FALSE(sessions.Find(oldest.id).has_value());
  EXPECT_TRUE(sessions.Find(middle.id).has_value());
  EXPECT_TRUE(sessions.Find(newest.id).has_value());
}

TEST(CsrfTokenMatchesTest, OnlyTheExactNonEmptyTokenMatches) {
  EXPECT_TRUE(CsrfTokenMatches("abc123", "abc123"));
  EXPECT_FALSE(CsrfTokenMatches("abc124", "abc123"));
  EXPECT_FALSE(CsrfTokenMatches("abc12", "abc123"));
  EXPECT_FALSE(CsrfTokenMatches("", "abc123"));
  EXPECT_FALSE(CsrfTokenMatches("", ""));
}

}  // namespace
}  // namespace galaos::api
