// `galaos-updater notify test|outbox` as a user runs them, against a real HTTP receiver.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "HttpReceiver.h"
#include "NotifyTestSupport.h"
#include "core/AtomicFile.h"
#include "core/Process.h"
#include "core/TempDir.h"
#include "support/TestServices.h"

namespace galaos::notify::testing {
namespace {

constexpr std::string_view kSecret = "whsec-cli-test-2291";

struct CliRun {
  int exit_code = -1;
  std::string out{};
  std::string err{};
};

class NotifyCliTest : public ::testing::Test {
 protected:
  CliRun Run(std::vector<std::string> args, const std::string& config) {
    const auto path = dir_.path() / "config.toml";
    EXPECT_TRUE(core::WriteFileAtomic(path, config));
    core::ProcessOptions options;
    options.argv = {GALAOS_CLI_PATH, "--config",   path.string(),       "--state-dir",
                    state_.string(), "--app-root", dir_.path().string()};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.environment["GALAOS_UPDATER_CONFIG"] = "";
    options.timeout = std::chrono::seconds(60);
    auto result = core::RunProcess(options);
    EXPECT_TRUE(result.has_value()) << result.error().message();
    return result ? CliRun{result->exit_code, result->stdout_tail, result->stderr_tail} : CliRun{};
  }

  static std::string WebhookConfig(const std::string& url) {
    return "[notify.webhook]\nurl = \"" + url + "\"\nsecret = \"" + std::string(kSecret) + "\"\n";
  }

  core::TempDir dir_ = std::move(*core::TempDir::Create("galaos-notify-cli-"));
  std::filesystem::path state_ = dir_.path() / "state";
};

TEST_F(NotifyCliTest, TestSendsASignedTestMessageToTheWebhook) {
  HttpReceiver receiver;
  const CliRun run =
      Run({"notify", "test", "--sink", "webhook"}, WebhookConfig(receiver.Url("/hook")));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out, "webhook: delivered\n");
  const auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers.at("x-galaos-event"), "notification_test");
  EXPECT_EQ(requests[0].headers.at("x-galaos-signature"),
            "sha256=" + OpensslHmacSha256(std::string(kSecret), requests[0].body));
}

TEST_F(NotifyCliTest, TestReportsAFailingSinkWithoutItsSecretAndExitsNonZero) {
  const std::string url = "http://127.0.0.1:" + std::to_string(galaos::testing::FreePort()) + "/h";
  const CliRun run = Run({"notify", "test"}, WebhookConfig(url));
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.out.find("webhook: failed: "), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("1 of 1 sink(s) failed"), std::string::npos) << run.err;
  EXPECT_EQ((run.out + run.err).find(kSecret), std::string::npos);
}

TEST_F(NotifyCliTest, TestOfAnUnconfiguredSinkIsAUsageError) {
  const CliRun run = Run({"notify", "test", "--sink", "email"}, "");
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("the email sink is not configured"), std::string::npos) << run.err;
}

TEST_F(NotifyCliTest, OutboxListsRowsAsJson) {
  const CliRun empty = Run({"notify", "outbox", "--json"}, "");
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(nlohmann::json::parse(empty.out), nlohmann::json::array());
  const CliRun table = Run({"notify", "outbox", "--status", "pending"}, "");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("LAST ERROR"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace galaos::notify::testing
