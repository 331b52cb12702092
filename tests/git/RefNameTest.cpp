#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/Process.h"
#include "git/RefName.h"

namespace galaos::git {
namespace {

// The real git's verdict on a name, the reference our rules extend.
bool GitCheckRefFormatAccepts(const std::string& name) {
  core::ProcessOptions options;
  options.argv = {"git", "check-ref-format", "--allow-onelevel", name};
  Expected<core::ProcessResult> result = core::RunProcess(std::move(options));
  EXPECT_TRUE(result.has_value()) << result.error().message();
  return result && result->Succeeded();
}

const std::vector<std::string> kValidNames = {
    "main",        "v1.2.0",           "v1.2.0-rc.1",  "v1.2.0+build.5",
    "release/2.x", "feature/a_b-c",    "refs/tags/v1", "refs/heads/main",
    "HEAD",        "0123456789abcdef", "a@b",          "x,y=z%",
};

// Names git's check-ref-format refuses too.
const std::vector<std::string> kMalformedNames = {
    "",       "a..b",   "..",
    "a/../b", "-x",     "a b",
    "a\tb",   "a\nb",   std::string("a\x01") + "b",
    "a\x7f",  "a~1",    "a^",
    "a:b",    "a?",     "a*",
    "a[b",    "a\\b",   "a@{1}",
    "@",      "a.lock", "a/b.lock/c",
    "a/",     "/a",     "a//b",
    "a.",     ".a",     "a/.b",
};

// Names git accepts but we refuse: options and shell syntax.
const std::vector<std::string> kHostileNames = {
    "--upload-pack=touch /tmp/x",
    "-x",
    ";id",
    "$(id)",
    "`id`",
    "a|b",
    "a&b",
    "a<b",
    "a>b",
    "a;rm -rf",
    "a$b",
    "'a'",
    "\"a\"",
    "a!b",
    "{a,b}",
    "a#b",
};

TEST(ValidateRefName, AcceptsOrdinaryBranchAndTagNamesThatGitAccepts) {
  for (const std::string& name : kValidNames) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(ValidateRefName(name).has_value());
    EXPECT_TRUE(GitCheckRefFormatAccepts(name));
  }
}

TEST(ValidateRefName, RejectsEveryNameGitRejects) {
  for (const std::string& name : kMalformedNames) {
    SCOPED_TRACE(name);
    const Status status = ValidateRefName(name);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
    if (!name.empty()) {
      EXPECT_FALSE(GitCheckRefFormatAccepts(name));
    }
  }
}

TEST(ValidateRefName, RejectsOptionsAndShellMetacharacters) {
  for (const std::string& name : kHostileNames) {
    SCOPED_TRACE(name);
    const Status status = ValidateRefName(name);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(ValidateRefName, ErrorNamesTheRuleAndEscapesControlCharacters) {
  const Status dash = ValidateRefName("--upload-pack=x");
  ASSERT_FALSE(dash.has_value());
  EXPECT_EQ(dash.error().message(), "ref name '--upload-pack=x' starts with '-'");
  const Status newline = ValidateRefName("v1\nv2");
  ASSERT_FALSE(newline.has_value());
  EXPECT_NE(newline.error().message().find("'v1\\x0av2'"), std::string::npos)
      << newline.error().message();
}

TEST(ValidateRemote, AcceptsRemoteNamesPathsAndUrls) {
  for (std::string_view remote :
       {"origin", "upstream-2", "/srv/git/app.git", "../app.git", "./app", "file:///srv/app.git",
        "https://github.com/galaos/app.git", "ssh://git@host:2222/app.git", "git@host:app.git",
        "git://host/app.git"}) {
    SCOPED_TRACE(std::string(remote));
    EXPECT_TRUE(ValidateRemote(remote).has_value());
  }
}

TEST(ValidateRemote, RejectsOptionsHelpersShellSyntaxAndBadNames) {
  for (std::string_view remote :
       {"", "--upload-pack=touch /tmp/x", "-oProxyCommand=x", "ext::sh -c touch% /tmp/x", "fd::17",
        "/srv/app.git;id", "$(id)", "file:///a b", "https://h/a`id`", "origin\n", "a..b",
        "bad~name"}) {
    SCOPED_TRACE(std::string(remote));
    const Status status = ValidateRemote(remote);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace galaos::git
