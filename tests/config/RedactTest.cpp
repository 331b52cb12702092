#include <gtest/gtest.h>

#include "config/Redact.h"

namespace galaos::config {
namespace {

TEST(RedactTest, PasswordsInsideUrlsAreReplaced) {
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

TEST(RedactTest, TextWithoutCredentialsIsUnchanged) {
  for (const char* text : {"", "origin", "git@github.com:galaos/core.git", "https://api.github.com",
                           "postgres://user@host/db", "unix:///var/run/docker.sock",
                           "file:./dev.db", "https://h/x?page=2&sort=asc", "https://h/path@x"}) {
    EXPECT_EQ(RedactUrlCredentials(text), text);
  }
}

}  // namespace
}  // namespace galaos::config
