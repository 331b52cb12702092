// GalaOS JWTs: HS256 only, signature checked before anything else, exp required, nbf and exp
// with a small leeway, role admin or viewer. Tokens are made here with libsodium and also by
// the real npm `jsonwebtoken`, as the GalaOS API makes them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "TestJwt.h"
#include "api/Jwt.h"
#include "support/Assertions.h"
#include "support/NodeReference.h"

namespace galaos::api {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using std::chrono::system_clock;

constexpr std::string_view kSecret = "b8f1c2d3e4a5968778695a4b3c2d1e0f9a8b7c6d";

std::string MakeJwt(const json& header, const json& claims, std::string_view secret = kSecret) {
  return testing::MakeJwt(header, claims, secret);
}

const system_clock::time_point kNow = system_clock::time_point(seconds(1'800'000'000));
const json kHs256 = {{"alg", "HS256"}, {"typ", "JWT"}};

json Claims(std::string role = "admin") {
  return {
      {"sub", "alice"}, {"role", role}, {"iat", 1'800'000'000 - 60}, {"exp", 1'800'000'000 + 3600}};
}

void ExpectRefused(std::string_view token, system_clock::time_point now = kNow) {
  Expected<Caller> caller = VerifyJwt(token, kSecret, now);
  ASSERT_FALSE(caller.has_value()) << token;
  EXPECT_EQ(caller.error().code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(caller.error().message(), "invalid token");
}

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }
};

TEST_F(JwtTest, AValidTokenGivesItsRoleAndSubject) {
  ASSERT_OK_AND_ASSIGN(Caller admin, VerifyJwt(MakeJwt(kHs256, Claims("admin")), kSecret, kNow));
  EXPECT_EQ(admin.role, Role::kAdmin);
  EXPECT_EQ(admin.actor, "jwt:alice");
  json named = Claims("viewer");
  named.erase("sub");
  named["name"] = "Bob";
  ASSERT_OK_AND_ASSIGN(Caller viewer, VerifyJwt(MakeJwt(kHs256, named), kSecret, kNow));
  EXPECT_EQ(viewer.role, Role::kViewer);
  EXPECT_EQ(viewer.actor, "jwt:Bob");
}

TEST_F(JwtTest, ATamperedPayloadOrAnotherSecretIsRefused) {
  const std::string token = MakeJwt(kHs256, Claims("viewer"));
  const std::string forged_claims = testing::Base64Url(Claims("admin").dump());
  const size_t first = token.find('.');
  const size_t second = token.rfind('.');
  ExpectRefused(token.substr(0, first + 1) + forged_claims + token.substr(second));
  ExpectRefused(MakeJwt(kHs256, Claims(), "another-secret-0123456789abcdef012345"));
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  ExpectRefused(flipped);
  ExpectRefused(token.substr(0, second + 1));  // no signature
}

TEST_F(JwtTest, OnlyHs256IsAccepted) {
  const std::string claims = testing::Base64Url(Claims().dump());
  ExpectRefused(testing::Base64Url(R"({"alg":"none","typ":"JWT"})") + "." + claims + ".");
  ExpectRefused(MakeJwt({{"alg", "none"}}, Claims()));
  ExpectRefused(MakeJwt({{"alg", "RS256"}}, Claims()));  // HMAC'd with the secret: key confusion
  ExpectRefused(MakeJwt({{"alg", "HS512"}}, Claims()));
  ExpectRefused(MakeJwt({{"alg", "hs256"}}, Claims()));
  ExpectRefused(MakeJwt({{"typ", "JWT"}}, Claims()));  // no alg
  ExpectRefused(MakeJwt({{"alg", "HS256"}, {"crit", {"exp"}}}, Claims()));
  ExpectRefused(MakeJwt({{"alg", "HS256"}, {"typ", "JWE"}}, Claims()));
}

TEST_F(JwtTest, ExpiryAndNotBeforeAreCheckedWithASmallLeeway) {
  const std::int64_t now = 1'800'000'000;
  auto with = [](json claims, std::string_view name, std::int64_t value) {
    claims[name] = value;
    return claims;
  };
  ExpectRefused(MakeJwt(kHs256, with(Claims(), "exp", now - 60)));
  EXPECT_TRUE(VerifyJwt(MakeJwt(kHs256, with(Claims(), "exp", now - 10)), kSecret, kNow));
  ExpectRefused(MakeJwt(kHs256, with(Claims(), "nbf", now + 120)));
  EXPECT_TRUE(VerifyJwt(MakeJwt(kHs256, with(Claims(), "nbf", now + 10)), kSecret, kNow));
  json no_exp = Claims();
  no_exp.erase("exp");
  ExpectRefused(MakeJwt(kHs256, no_exp));
  json text_exp = Claims();
  text_exp["exp"] = "tomorrow";
  ExpectRefused(MakeJwt(kHs256, text_exp));
}

TEST_F(JwtTest, AnUnknownOrMissingRoleIsRefused) {
  ExpectRefused(MakeJwt(kHs256, Claims("superuser")));
  ExpectRefused(MakeJwt(kHs256, Claims("Admin")));
  json no_role = Claims();
  no_role.erase("role");
  ExpectRefused(MakeJwt(kHs256, no_role));
  json list_role = Claims();
  list_role["role"] = json::array({"admin"});
  ExpectRefused(MakeJwt(kHs256, list_role));
}

TEST_F(JwtTest, MalformedTokensAreRefused) {
  const std::string token = MakeJwt(kHs256, Claims());
  ExpectRefused("");
  ExpectRefused("a.b");
  ExpectRefused("a.b.c.d");
  ExpectRefused(token + "=");  // padding is not base64url
  ExpectRefused("+" + token);  // nor is +
  ExpectRefused(MakeJwt(json::array({"HS256"}), Claims()));
  const std::string input =
      testing::Base64Url(kHs256.dump()) + "." + testing::Base64Url("not json");
  ExpectRefused(input + "." + testing::HmacSignature(input, kSecret));
  EXPECT_FALSE(LooksLikeJwt("0123456789ab.secret"));
  EXPECT_TRUE(LooksLikeJwt(token));
}

// The GalaOS API signs with the npm `jsonwebtoken`; its tokens are what we must accept.
TEST_F(JwtTest, TokensOfTheRealJsonwebtokenPackageAreAcceptedOrRefusedAlike) {
  ASSERT_OK_AND_ASSIGN(
      galaos::testing::NodeReference jsonwebtoken,
      galaos::testing::NodeReference::Install("galaos-jwt-", {"jsonwebtoken@9.0.3"}));
  const std::int64_t now =
      std::chrono::duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  const json input = {{"secret", kSecret},
                      {"tokens",
                       {{{"payload", {{"role", "admin"}}},
                         {"options", {{"subject", "carol"}, {"expiresIn", "1h"}}}},
                        {{"payload", {{"role", "viewer"}, {"username", "dave"}}},
                         {"options", {{"expiresIn", 600}}}},
                        {{"payload", {{"role", "admin"}, {"sub", "erin"}, {"exp", now - 300}}},
                         {"options", json::object()}},
                        {{"payload", {{"role", "admin"}, {"sub", "frank"}}},
                         {"options", {{"algorithm", "HS512"}, {"expiresIn", "1h"}}}},
                        {{"payload", {{"role", "admin"}, {"sub", "grace"}}},
                         {"options", {{"algorithm", "none"}, {"expiresIn", "1h"}}},
                         {"unsigned", true}},
                        {{"payload", {{"role", "admin"}, {"sub", "heidi"}}},
                         {"options", {{"expiresIn", "1h"}, {"notBefore", "10m"}}}}}}};
  ASSERT_OK_AND_ASSIGN(
      json signed_tokens,
      jsonwebtoken.Ask(std::string(GALAOS_SOURCE_DIR) + "/tests/api/jwt-sign.js", input));
  const json& tokens = signed_tokens["tokens"];
  ASSERT_EQ(tokens.size(), 6u);
  const system_clock::time_point clock = system_clock::now();

  ASSERT_OK_AND_ASSIGN(Caller carol, VerifyJwt(tokens[0].get<std::string>(), kSecret, clock));
  EXPECT_EQ(carol.role, Role::kAdmin);
  EXPECT_EQ(carol.actor, "jwt:carol");
  ASSERT_OK_AND_ASSIGN(Caller dave, VerifyJwt(tokens[1].get<std::string>(), kSecret, clock));
  EXPECT_EQ(dave.role, Role::kViewer);
  EXPECT_EQ(dave.actor, "jwt:dave");
  ExpectRefused(tokens[2].get<std::string>(), clock);  // expired
  ExpectRefused(tokens[3].get<std::string>(), clock);  // HS512
  ExpectRefused(tokens[4].get<std::string>(), clock);  // alg none
  ExpectRefused(tokens[5].get<std::string>(), clock);  // not before 10 minutes from now
}

}  // namespace
}  // namespace galaos::api
