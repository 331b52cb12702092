#include <gtest/gtest.h>

#include "health/Redact.h"

namespace galaos::health {
namespace {

TEST(RedactSecretsTest, MasksThePasswordOfUrlCredentials) {
  EXPECT_EQ(RedactSecrets("postgresql://app:hunter2@db:5432/galaos"),
            "postgresql://app:***@db:5432/galaos");
  EXPECT_EQ(RedactSecrets("redis://:hunter2@127.0.0.1:6379/0"), "redis://:***@127.0.0.1:6379/0");
}

TEST(RedactSecretsTest, MasksEveryUrlInsideALongerMessage) {
  EXPECT_EQ(RedactSecrets("GET http://u:p1@a/x failed, then \"redis://:p2@b\" too"),
            "GET http://u:***@a/x failed, then \"redis://:***@b\" too");
}

TEST(RedactSecretsTest, MasksPasswordsHoldingUnencodedSlashesAndAts) {
  EXPECT_EQ(RedactSecrets("redis://:pa/ss@word@host:6379"), "redis://:***@host:6379");
}

TEST(RedactSecretsTest, MasksConninfoAndQueryPasswords) {
  EXPECT_EQ(RedactSecrets("host=db password=hunter2 dbname=x"), "host=db password=*** dbname=x");
  EXPECT_EQ(RedactSecrets("host=db password = 'a b\\' c' user=x"), "host=db password = *** user=x");
  EXPECT_EQ(RedactSecrets("postgres://db/x?sslmode=off&Password=hunter2&x=1"),
            "postgres://db/x?sslmode=off&Password=***&x=1");
}

TEST(RedactSecretsTest, LeavesTextWithoutCredentialsAlone) {
  for (const char* text : {"http://127.0.0.1:8080/health", "postgresql://app@db/galaos",
                           "connection refused", "https://host/a@b", ""}) {
    EXPECT_EQ(RedactSecrets(text), text);
  }
}

}  // namespace
}  // namespace galaos::health
