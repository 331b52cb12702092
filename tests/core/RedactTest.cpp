#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "core/Redact.h"

namespace galaos::core {
namespace {

TEST(RedactUrlCredentialsTest, PasswordsInsideUrlsAreReplaced) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"postgres://user:pass@host/db", "postgres://user:***@host/db"},
      {"postgresql://user:p%40ss@host:5432/db?sslmode=require",
       "postgresql://user:***@host:5432/db?sslmode=require"},
      {"redis://:secret@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"},
      {"smtps://mailer:pw@mail.example.com:465", "smtps://mailer:***@mail.example.com:465"},
      // A raw '/' or '@' in a password still hides the whole password.
      {"postgres://u:pa/ss@host/db", "postgres://u:***@host/db"},
      {"postgres://u:p@ss@host/db", "postgres://u:***@host/db"},
      {"postgres://host/db?user=u&password=pw&sslmode=disable",
       "postgres://host/db?user=u&password=***&sslmode=disable"},
      {"https://h/x?access_token=t#frag", "https://h/x?access_token=***#frag"},
      {"https://h/x?api_key=k&sslpassword=s", "https://h/x?api_key=***&sslpassword=***"},
  };
  for (const auto& [url, redacted] : cases) EXPECT_EQ(RedactUrlCredentials(url), redacted) << url;
}

TEST(RedactUrlCredentialsTest, TextWithoutCredentialsIsUnchanged) {
  for (const char* text : {"", "origin", "git@github.com:galaos/core.git", "https://api.github.com",
                           "postgres://user@host/db", "unix:///var/run/docker.sock",
                           "file:./dev.db", "https://h/x?page=2&sort=asc", "https://h/path@x"}) {
    EXPECT_EQ(RedactUrlCredentials(text), text);
  }
}

TEST(RedactUrlCredentialsTest, AnHttpUserWithoutPasswordIsTakenForAToken) {
  EXPECT_EQ(RedactUrlCredentials("https://ghp_abc123@github.com/o/r.git"),
            "https://***@github.com/o/r.git");
  EXPECT_EQ(RedactUrlCredentials("ssh://git@github.com/o/r.git"), "ssh://git@github.com/o/r.git");
}

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
}  // namespace galaos::core
