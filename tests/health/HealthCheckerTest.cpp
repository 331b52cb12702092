// HealthChecker: concurrency, the report and its JSON, WaitHealthy's retry policy.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "RunCheck.h"
#include "core/TempDir.h"
#include "health/HealthChecker.h"
#include "support/TestServices.h"

namespace galaos::health {
namespace {

using namespace std::chrono_literals;
using testing::MakeSpec;

CheckSpec Command(std::string name, std::vector<std::string> argv) {
  return MakeSpec(CommandCheck{.argv = std::move(argv), .cwd = {}}, 5s, std::move(name));
}

std::chrono::system_clock::time_point Jan31() {
  return std::chrono::sys_days(std::chrono::year(2026) / 1 / 31) + 2h;
}

TEST(HealthCheckerTest, RunsChecksConcurrently) {
  testing::HttpServer server;
  std::vector<CheckSpec> specs;
  for (int i = 0; i < 4; ++i) {
    specs.push_back(
        MakeSpec(HttpCheck{.url = server.Url("/slow")}, 1s, "slow" + std::to_string(i)));
  }
  const auto started = std::chrono::steady_clock::now();
  const HealthReport report = HealthChecker().Run(specs);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_LT(elapsed, 3s) << "four 1 s checks one after another would take 4 s";
  ASSERT_EQ(report.checks.size(), 4U);
  for (const auto& [name, result] : report.checks) {
    ASSERT_FALSE(result.healthy) << name;
    EXPECT_EQ(result.error->code(), ErrorCode::kTimeout) << name;
  }
}

TEST(HealthCheckerTest, ReportListsEveryFailureInSpecOrder) {
  const std::vector<CheckSpec> specs = {
      Command("zeta", {"/bin/false"}),
      Command("ok", {"/bin/true"}),
      MakeSpec(TcpCheck{.host = "127.0.0.1", .port = testing::FreePort()}, 5s, "alpha"),
  };
  const HealthReport report = HealthChecker().Run(specs);
  EXPECT_FALSE(report.healthy);
  ASSERT_EQ(report.checks.size(), 3U);
  EXPECT_TRUE(report.checks.at("ok").healthy);
  ASSERT_EQ(report.errors.size(), 2U);
  EXPECT_TRUE(report.errors[0].starts_with("zeta: `/bin/false` exited with status 1"))
      << report.errors[0];
  EXPECT_TRUE(report.errors[1].starts_with("alpha: connect to 127.0.0.1:")) << report.errors[1];
}

TEST(HealthCheckerTest, AllHealthyAndEmptyReportsAreHealthy) {
  const std::vector<CheckSpec> specs = {Command("a", {"/bin/true"}), Command("b", {"/bin/true"})};
  const HealthReport report = HealthChecker().Run(specs);
  EXPECT_TRUE(report.healthy);
  EXPECT_TRUE(report.errors.empty());
  EXPECT_TRUE(HealthChecker().Run({}).healthy);
}

TEST(HealthCheckerTest, DuplicateNameMakesTheReportUnhealthy) {
  const std::vector<CheckSpec> specs = {Command("api", {"/bin/true"}),
                                        Command("api", {"/bin/true"})};
  const HealthReport report = HealthChecker().Run(specs);
  EXPECT_FALSE(report.healthy);
  EXPECT_EQ(report.checks.size(), 1U);
  ASSERT_EQ(report.errors.size(), 1U);
  EXPECT_NE(report.errors[0].find("used twice"), std::string::npos);
}

TEST(HealthCheckerTest, InvalidSpecIsAnUnhealthyCheck) {
  const std::vector<CheckSpec> specs = {MakeSpec(TcpCheck{.host = "db", .port = 0}, 5s, "db")};
  const HealthReport report = HealthChecker().Run(specs);
  EXPECT_FALSE(report.healthy);
  EXPECT_EQ(report.checks.at("db").error->code(), ErrorCode::kInvalidArgument);
}

TEST(HealthReportJsonTest, KeepsTheOriginalShapeAndAddsTimings) {
  core::TestClock clock(Jan31());
  StopTokenWaiter waiter;  // Run does not wait
  const std::vector<CheckSpec> specs = {Command("api", {"/bin/true"}),
                                        Command("workers", {"/bin/false"})};
  const nlohmann::json json = ToJson(HealthChecker(clock, waiter).Run(specs));

  std::set<std::string> keys;
  for (const auto& [key, value] : json.items()) keys.insert(key);
  EXPECT_EQ(keys, (std::set<std::string>{"healthy", "checks", "errors", "details", "checkedAt",
                                         "durationMs", "attempts"}));
  EXPECT_EQ(json["healthy"], false);
  EXPECT_EQ(json["checks"], nlohmann::json({{"api", true}, {"workers", false}}));
  ASSERT_EQ(json["errors"].size(), 1U);
  EXPECT_TRUE(json["errors"][0].get<std::string>().starts_with("workers: "));
  EXPECT_EQ(json["checkedAt"], "2026-01-31T02:00:00.000Z");
  EXPECT_EQ(json["attempts"], 1);

  const auto& api = json["details"]["api"];
  EXPECT_EQ(api["kind"], "command");
  EXPECT_EQ(api["healthy"], true);
  EXPECT_TRUE(api["durationMs"].is_number_integer());
  EXPECT_EQ(api["message"], "exit status 0");
  EXPECT_FALSE(api.contains("error"));
  const auto& workers = json["details"]["workers"];
  EXPECT_EQ(workers["healthy"], false);
  EXPECT_EQ(workers["errorCode"], "failed");
  EXPECT_TRUE(workers["error"].get<std::string>().starts_with("`/bin/false` exited"));
  EXPECT_FALSE(workers.contains("message"));
}

TEST(HealthReportJsonTest, NeverContainsAPassword) {
  const int port = testing::FreePort();
  const std::vector<CheckSpec> specs = {
      MakeSpec(
          PostgresCheck{.url = "postgresql://app:hunter2@127.0.0.1:" + std::to_string(port) + "/x"},
          5s, "database"),
      MakeSpec(RedisCheck{.url = "redis://:hunter3@127.0.0.1:" + std::to_string(port)}, 5s,
               "redis"),
      MakeSpec(HttpCheck{.url = "http://u:hunter4@127.0.0.1:" + std::to_string(port) + "/"}, 5s,
               "api"),
  };
  const std::string dumped = ToJson(HealthChecker().Run(specs)).dump();
  for (const char* secret : {"hunter2", "hunter3", "hunter4"}) {
    EXPECT_EQ(dumped.find(secret), std::string::npos) << dumped;
  }
}

// Advances a TestClock by each requested wait and records it, instead of waiting.
class RecordingWaiter final : public Waiter {
 public:
  explicit RecordingWaiter(core::TestClock& clock) : clock_(clock) {}
  bool WaitFor(std::chrono::milliseconds duration, std::stop_token) override {
    waits.push_back(duration);
    clock_.Advance(duration);
    if (on_wait) on_wait(static_cast<int>(waits.size()));
    return static_cast<int>(waits.size()) != stop_at_wait;
  }

  std::vector<std::chrono::milliseconds> waits;
  std::function<void(int)> on_wait;  // gets the wait's 1-based number
  int stop_at_wait = 0;              // that wait reports a stop request

 private:
  core::TestClock& clock_;
};

class WaitHealthyTest : public ::testing::Test {
 protected:
  core::TestClock clock_{Jan31()};
  RecordingWaiter waiter_{clock_};
  HealthChecker checker_{clock_, waiter_};
};

TEST_F(WaitHealthyTest, HealthyAtOnceWaitsOnlyTheGracePeriod) {
  const std::vector<CheckSpec> specs = {Command("api", {"/bin/true"})};
  const auto report =
      checker_.WaitHealthy(specs, WaitOptions{.grace_period = 10s, .retries = 3, .interval = 2s});
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->healthy);
  EXPECT_EQ(report->attempts, 1);
  EXPECT_EQ(waiter_.waits, (std::vector<std::chrono::milliseconds>{10s}));
  EXPECT_EQ(report->checked_at, Jan31() + 10s);
}

TEST_F(WaitHealthyTest, RetriesUntilTheCheckPasses) {
  auto dir = core::TempDir::Create("galaos-health-wait-");
  ASSERT_TRUE(dir.has_value());
  const auto flag = dir->path() / "up";
  waiter_.on_wait = [&](int wait) {
    if (wait == 3) std::ofstream(flag) << "up";  // the service comes up during the 2nd interval
  };
  const std::vector<CheckSpec> specs = {Command("app", {"test", "-e", flag.string()})};
  const auto report =
      checker_.WaitHealthy(specs, WaitOptions{.grace_period = 1s, .retries = 5, .interval = 3s});
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->healthy);
  EXPECT_EQ(report->attempts, 3);
  EXPECT_EQ(waiter_.waits, (std::vector<std::chrono::milliseconds>{1s, 3s, 3s}));
}

TEST_F(WaitHealthyTest, GivesUpAfterTheRetriesAndReturnsTheLastReport) {
  const std::vector<CheckSpec> specs = {Command("app", {"/bin/false"})};
  const auto report =
      checker_.WaitHealthy(specs, WaitOptions{.grace_period = 0s, .retries = 2, .interval = 5s});
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->healthy);
  EXPECT_EQ(report->attempts, 3);
  EXPECT_EQ(report->errors.size(), 1U);
  EXPECT_EQ(waiter_.waits, (std::vector<std::chrono::milliseconds>{5s, 5s}));
}

TEST_F(WaitHealthyTest, StopDuringAWaitCancels) {
  waiter_.stop_at_wait = 2;
  const std::vector<CheckSpec> specs = {Command("app", {"/bin/false"})};
  const auto report =
      checker_.WaitHealthy(specs, WaitOptions{.grace_period = 1s, .retries = 5, .interval = 1s});
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code(), ErrorCode::kCancelled);
  EXPECT_EQ(waiter_.waits.size(), 2U);
}

TEST_F(WaitHealthyTest, WatchHealthyChecksEveryIntervalUntilTheDurationHasPassed) {
  const std::vector<CheckSpec> specs = {Command("app", {"/bin/true"})};
  const auto report =
      checker_.WatchHealthy(specs, WatchOptions{.duration = 10s, .interval = 3s, .retries = 2});
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->healthy);
  EXPECT_EQ(report->attempts, 4);  // at 3, 6, 9 and 12 s
  EXPECT_EQ(waiter_.waits, (std::vector<std::chrono::milliseconds>{3s, 3s, 3s, 3s}));
}

TEST_F(WaitHealthyTest, WatchHealthyStopsAtACheckThatStaysUnhealthyThroughTheRetries) {
  auto dir = core::TempDir::Create("galaos-health-watch-");
  ASSERT_TRUE(dir.has_value());
  const auto up = dir->path() / "up";
  std::ofstream(up) << "up";
  waiter_.on_wait = [&](int wait) {
    if (wait == 2) std::filesystem::remove(up);  // a blip: back before the retry
    if (wait == 3) std::ofstream(up) << "up";
    if (wait == 5) std::filesystem::remove(up);  // down for good
  };
  const std::vector<CheckSpec> specs = {Command("app", {"test", "-e", up.string()})};
  const auto report =
      checker_.WatchHealthy(specs, WatchOptions{.duration = 60s, .interval = 1s, .retries = 1});
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->healthy);
  EXPECT_EQ(report->attempts, 6);
  EXPECT_EQ(waiter_.waits.size(), 6U);
}

TEST(StopTokenWaiterTest, WaitsTheWholeDuration) {
  StopTokenWaiter waiter;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(waiter.WaitFor(200ms, {}));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 200ms);
}

TEST(StopTokenWaiterTest, StopRequestEndsTheWaitAtOnce) {
  StopTokenWaiter waiter;
  std::stop_source stop;
  const auto started = std::chrono::steady_clock::now();
  std::jthread stopper([&] {
    std::this_thread::sleep_for(100ms);  // most likely inside the wait by then
    stop.request_stop();
  });
  EXPECT_FALSE(waiter.WaitFor(60s, stop.get_token()));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

TEST(WaitHealthyRealTest, StopDuringTheGracePeriodCancelsPromptly) {
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(100ms);
    stop.request_stop();
  });
  const std::vector<CheckSpec> specs = {Command("app", {"/bin/true"})};
  const auto started = std::chrono::steady_clock::now();
  const auto report = HealthChecker().WaitHealthy(
      specs, WaitOptions{.grace_period = 60s, .retries = 0, .interval = 1s}, stop.get_token());
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code(), ErrorCode::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

// Really waits, and starts Redis on the port the check probes during the first interval.
class StartRedisDuringWait final : public Waiter {
 public:
  explicit StartRedisDuringWait(int port) : port_(port) {}
  bool WaitFor(std::chrono::milliseconds duration, std::stop_token stop) override {
    if (!redis_) {
      auto started = testing::StartRedis(port_);
      EXPECT_TRUE(started.has_value()) << started.error().message();
      if (started) redis_ = std::move(*started);
    }
    return real_.WaitFor(duration, stop);
  }

 private:
  int port_;
  std::unique_ptr<testing::RedisServer> redis_;
  StopTokenWaiter real_;
};

TEST(WaitHealthyRealTest, SucceedsWhenRedisComesUpDuringRetries) {
  const int port = testing::FreePort();
  StartRedisDuringWait waiter(port);
  const HealthChecker checker(core::SystemClock::Instance(), waiter);
  const std::vector<CheckSpec> specs = {
      MakeSpec(RedisCheck{.url = "redis://127.0.0.1:" + std::to_string(port)}, 2s, "redis")};
  const auto report =
      checker.WaitHealthy(specs, WaitOptions{.grace_period = 0s, .retries = 5, .interval = 100ms});
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->healthy) << (report->errors.empty() ? "" : report->errors.front());
  EXPECT_EQ(report->attempts, 2);
}

TEST(WaitHealthyRealTest, FailsAfterRetriesWhenTheServiceNeverComes) {
  const std::vector<CheckSpec> specs = {
      MakeSpec(TcpCheck{.host = "127.0.0.1", .port = testing::FreePort()}, 1s, "api")};
  const auto started = std::chrono::steady_clock::now();
  const auto report = HealthChecker().WaitHealthy(
      specs, WaitOptions{.grace_period = 0s, .retries = 2, .interval = 150ms});
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->healthy);
  EXPECT_EQ(report->attempts, 3);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
}

}  // namespace
}  // namespace galaos::health
