#include <gtest/gtest.h>

#include "RunCheck.h"
#include "core/TempDir.h"

namespace galaos::health {
namespace {

using namespace std::chrono_literals;
using testing::ErrorOf;
using testing::MakeSpec;
using testing::RunCheck;

TEST(CommandCheckTest, ExitZeroIsHealthy) {
  const CheckResult result = RunCheck(MakeSpec(CommandCheck{.argv = {"/bin/true"}, .cwd = {}}));
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_EQ(result.message, "exit status 0");
}

TEST(CommandCheckTest, LastLineOfOutputIsReported) {
  const CheckResult result =
      RunCheck(MakeSpec(CommandCheck{.argv = {"echo", "3 workers ok"}, .cwd = {}}));
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_EQ(result.message, "exit status 0: 3 workers ok");
}

TEST(CommandCheckTest, NonZeroExitIsUnhealthy) {
  const CheckResult result = RunCheck(MakeSpec(CommandCheck{.argv = {"/bin/false"}, .cwd = {}}));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kFailed);
  EXPECT_NE(ErrorOf(result).find("exited with status 1"), std::string::npos) << ErrorOf(result);
}

TEST(CommandCheckTest, StderrExplainsTheFailure) {
  const CheckResult result =
      RunCheck(MakeSpec(CommandCheck{.argv = {"ls", "/nonexistent-galaos"}, .cwd = {}}));
  ASSERT_FALSE(result.healthy);
  EXPECT_NE(ErrorOf(result).find("No such file or directory"), std::string::npos)
      << ErrorOf(result);
}

TEST(CommandCheckTest, ArgumentsReachTheProgramUnchangedWithoutAShell) {
  // Through a shell `$HOME;` would expand and `;` would split; as argv they are one argument.
  const CheckResult result =
      RunCheck(MakeSpec(CommandCheck{.argv = {"test", "$HOME;", "=", "$HOME;"}, .cwd = {}}));
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
}

TEST(CommandCheckTest, RunsInTheGivenDirectory) {
  auto dir = core::TempDir::Create("galaos-health-cmd-");
  ASSERT_TRUE(dir.has_value());
  const CheckResult result =
      RunCheck(MakeSpec(CommandCheck{.argv = {"test", "-d", "."}, .cwd = dir->path()}));
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  const CheckResult here = RunCheck(MakeSpec(CommandCheck{.argv = {"pwd"}, .cwd = dir->path()}));
  EXPECT_EQ(here.message, "exit status 0: " + dir->path().string());
}

TEST(CommandCheckTest, MissingProgramIsUnhealthy) {
  const CheckResult result =
      RunCheck(MakeSpec(CommandCheck{.argv = {"no-such-program-galaos"}, .cwd = {}}));
  ASSERT_FALSE(result.healthy);
  EXPECT_NE(ErrorOf(result).find("no-such-program-galaos"), std::string::npos) << ErrorOf(result);
}

TEST(CommandCheckTest, SlowCommandIsKilledAtTheCheckTimeout) {
  const CheckResult result =
      RunCheck(MakeSpec(CommandCheck{.argv = {"sleep", "30"}, .cwd = {}}, 300ms));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kTimeout) << ErrorOf(result);
  EXPECT_LT(result.duration, 5s);
}

TEST(CommandCheckTest, PasswordArgumentsAreRedacted) {
  const CheckResult result =
      RunCheck(MakeSpec(CommandCheck{.argv = {"/bin/false", "--password=hunter2"}, .cwd = {}}));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(ErrorOf(result).find("hunter2"), std::string::npos) << ErrorOf(result);
}

}  // namespace
}  // namespace galaos::health
