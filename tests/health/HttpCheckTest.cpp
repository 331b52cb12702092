// http, tcp and docker checks against real servers on loopback.
#include <gtest/gtest.h>

#include <thread>

#include "RunCheck.h"
#include "core/TempDir.h"
#include "support/TestServices.h"

namespace galaos::health {
namespace {

using namespace std::chrono_literals;
using testing::ErrorOf;
using testing::MakeSpec;
using testing::RunCheck;

class HttpCheckTest : public ::testing::Test {
 protected:
  testing::HttpServer server_;
};

TEST_F(HttpCheckTest, TwoHundredIsHealthy) {
  const CheckResult result = RunCheck(MakeSpec(HttpCheck{.url = server_.Url("/ok")}));
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_EQ(result.message, "HTTP 200");
  EXPECT_EQ(result.kind, CheckKind::kHttp);
}

TEST_F(HttpCheckTest, ServerErrorIsUnhealthyWithStatusAndBody) {
  const CheckResult result = RunCheck(MakeSpec(HttpCheck{.url = server_.Url("/fail")}));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kFailed);
  EXPECT_NE(ErrorOf(result).find("HTTP 500, expected 200-299: database down"), std::string::npos)
      << ErrorOf(result);
}

TEST_F(HttpCheckTest, RedirectIsNotFollowedAndCountsAgainstTheRange) {
  EXPECT_FALSE(RunCheck(MakeSpec(HttpCheck{.url = server_.Url("/redirect")})).healthy);
  const CheckResult widened = RunCheck(
      MakeSpec(HttpCheck{.url = server_.Url("/redirect"), .min_status = 200, .max_status = 399}));
  EXPECT_TRUE(widened.healthy) << ErrorOf(widened);
  EXPECT_EQ(widened.message, "HTTP 302");
}

TEST_F(HttpCheckTest, ExactExpectedStatusIsHonoured) {
  const CheckResult result = RunCheck(
      MakeSpec(HttpCheck{.url = server_.Url("/fail"), .min_status = 500, .max_status = 500}));
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  const CheckResult ok = RunCheck(
      MakeSpec(HttpCheck{.url = server_.Url("/ok"), .min_status = 204, .max_status = 204}));
  ASSERT_FALSE(ok.healthy);
  EXPECT_NE(ErrorOf(ok).find("expected 204"), std::string::npos) << ErrorOf(ok);
}

TEST_F(HttpCheckTest, ExpectedBodySubstringMustBePresent) {
  EXPECT_TRUE(
      RunCheck(MakeSpec(HttpCheck{.url = server_.Url("/ok"), .body_contains = "good"})).healthy);
  const CheckResult missing =
      RunCheck(MakeSpec(HttpCheck{.url = server_.Url("/ok"), .body_contains = "ready"}));
  ASSERT_FALSE(missing.healthy);
  EXPECT_NE(ErrorOf(missing).find("does not contain \"ready\""), std::string::npos)
      << ErrorOf(missing);
}

TEST_F(HttpCheckTest, SlowServerIsCutOffAtTheCheckTimeout) {
  // The server would answer after 30 s; the check must give up after about 300 ms.
  const CheckResult result = RunCheck(MakeSpec(HttpCheck{.url = server_.Url("/slow")}, 300ms));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kTimeout) << ErrorOf(result);
  EXPECT_GE(result.duration, 250ms);
  EXPECT_LT(result.duration, 5s);
}

TEST_F(HttpCheckTest, StopRequestEndsARunningCheckAtOnce) {
  std::stop_source stop;
  std::jthread canceller([&] {
    server_.WaitForSlowRequests(1);
    stop.request_stop();
  });
  const CheckSpec spec = MakeSpec(HttpCheck{.url = server_.Url("/slow")}, 20s);
  const auto started = std::chrono::steady_clock::now();
  const HealthReport report = HealthChecker().Run(std::span(&spec, 1), stop.get_token());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  const CheckResult& result = report.checks.at("probe");
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kCancelled) << ErrorOf(result);
}

TEST(HttpCheckNoServerTest, RefusedConnectionIsUnavailable) {
  const CheckResult result = RunCheck(MakeSpec(
      HttpCheck{.url = "http://127.0.0.1:" + std::to_string(testing::FreePort()) + "/health"}));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kUnavailable) << ErrorOf(result);
}

TEST(HttpCheckNoServerTest, ErrorNeverShowsThePasswordOfTheUrl) {
  const CheckResult result = RunCheck(MakeSpec(HttpCheck{
      .url = "http://admin:hunter2@127.0.0.1:" + std::to_string(testing::FreePort()) + "/h"}));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(ErrorOf(result).find("hunter2"), std::string::npos) << ErrorOf(result);
  EXPECT_NE(ErrorOf(result).find("admin:***@"), std::string::npos) << ErrorOf(result);
}

TEST(TcpCheckTest, ListeningPortIsHealthy) {
  testing::SilentListener listener;
  const CheckResult result =
      RunCheck(MakeSpec(TcpCheck{.host = "127.0.0.1", .port = listener.port()}));
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_EQ(result.message, "connected to 127.0.0.1:" + std::to_string(listener.port()));
}

TEST(TcpCheckTest, ClosedPortIsUnavailable) {
  const CheckResult result =
      RunCheck(MakeSpec(TcpCheck{.host = "127.0.0.1", .port = testing::FreePort()}));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kUnavailable) << ErrorOf(result);
}

class DockerCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = core::TempDir::Create("galaos-health-docker-");
    ASSERT_TRUE(dir.has_value());
    dir_ = std::make_unique<core::TempDir>(std::move(*dir));
  }
  std::filesystem::path Socket() const { return dir_->path() / "docker.sock"; }

  std::unique_ptr<core::TempDir> dir_;
};

TEST_F(DockerCheckTest, PingOverUnixSocketIsHealthy) {
  testing::UnixHttpResponder engine(
      Socket(),
      "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Length: 2\r\nConnection: close\r\n\r\nOK");
  const CheckResult result =
      RunCheck(MakeSpec(DockerCheck{.endpoint = "unix://" + Socket().string()}));
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_EQ(result.message, "OK (API 1.41)");
}

TEST_F(DockerCheckTest, EngineAnsweringAnErrorIsUnavailable) {
  testing::UnixHttpResponder engine(
      Socket(),
      "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 14\r\nConnection: close\r\n\r\n"
      "engine is sick");
  const CheckResult result =
      RunCheck(MakeSpec(DockerCheck{.endpoint = "unix://" + Socket().string()}));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kUnavailable);
  EXPECT_NE(ErrorOf(result).find("HTTP 500 \"engine is sick\""), std::string::npos)
      << ErrorOf(result);
}

TEST_F(DockerCheckTest, MissingSocketIsUnavailable) {
  const CheckResult result =
      RunCheck(MakeSpec(DockerCheck{.endpoint = "unix://" + Socket().string()}));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kUnavailable) << ErrorOf(result);
}

TEST(DockerTcpCheckTest, PingOverTcpIsHealthy) {
  testing::HttpServer engine;
  const CheckResult result = RunCheck(
      MakeSpec(DockerCheck{.endpoint = "tcp://127.0.0.1:" + std::to_string(engine.port())}));
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_EQ(result.message, "OK (API 1.41)");
}

}  // namespace
}  // namespace galaos::health
