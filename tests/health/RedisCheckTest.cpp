// redis and worker_queue checks against a throw-away redis-server.
#include <gtest/gtest.h>

#include "RunCheck.h"
#include "support/TestServices.h"

namespace galaos::health {
namespace {

using namespace std::chrono_literals;
using testing::ErrorOf;
using testing::MakeSpec;
using testing::RunCheck;

class RedisCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = testing::SharedRedis();
    ASSERT_NE(redis_, nullptr);
  }
  testing::RedisServer* redis_ = nullptr;
};

TEST_F(RedisCheckTest, PongIsHealthy) {
  const CheckResult result = RunCheck(MakeSpec(RedisCheck{.url = redis_->Url()}));
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_EQ(result.message, "PONG from 127.0.0.1:" + std::to_string(redis_->port) + "/0");
}

TEST_F(RedisCheckTest, SelectsTheDatabaseOfTheUrl) {
  EXPECT_TRUE(RunCheck(MakeSpec(RedisCheck{.url = redis_->Url({}, 3)})).healthy);
  const CheckResult result = RunCheck(MakeSpec(RedisCheck{.url = redis_->Url({}, 4000)}));
  ASSERT_FALSE(result.healthy);
  EXPECT_NE(ErrorOf(result).find("DB index is out of range"), std::string::npos) << ErrorOf(result);
}

TEST_F(RedisCheckTest, AclUserWithPasswordIsHealthyAndWrongOneIsRefused) {
  testing::RedisConnection admin(redis_->port);
  admin.Run({"ACL", "SETUSER", "health-app", "on", ">app-s3cret", "~*", "+@all"});
  EXPECT_TRUE(RunCheck(MakeSpec(RedisCheck{.url = redis_->Url("health-app:app-s3cret@")})).healthy);

  const CheckResult wrong =
      RunCheck(MakeSpec(RedisCheck{.url = redis_->Url("health-app:nope-pw@")}));
  ASSERT_FALSE(wrong.healthy);
  EXPECT_EQ(wrong.error->code(), ErrorCode::kUnauthorized) << ErrorOf(wrong);
  EXPECT_EQ(ErrorOf(wrong).find("nope-pw"), std::string::npos) << ErrorOf(wrong);
}

TEST(RedisPasswordTest, RequirePassIsEnforcedAndPasswordsStayHidden) {
  auto redis = testing::StartRedis(0, "r3dis-pass");
  ASSERT_TRUE(redis.has_value()) << redis.error().message();
  const auto& server = **redis;

  EXPECT_TRUE(RunCheck(MakeSpec(RedisCheck{.url = server.Url(":r3dis-pass@")})).healthy);

  const CheckResult wrong = RunCheck(MakeSpec(RedisCheck{.url = server.Url(":wr0ng-pass@")}));
  ASSERT_FALSE(wrong.healthy);
  EXPECT_EQ(wrong.error->code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(ErrorOf(wrong).find("wr0ng-pass"), std::string::npos) << ErrorOf(wrong);

  const CheckResult none = RunCheck(MakeSpec(RedisCheck{.url = server.Url()}));
  ASSERT_FALSE(none.healthy);
  EXPECT_NE(ErrorOf(none).find("NOAUTH"), std::string::npos) << ErrorOf(none);
}

TEST(RedisStoppedTest, StoppedServerIsUnavailable) {
  auto redis = testing::StartRedis();
  ASSERT_TRUE(redis.has_value()) << redis.error().message();
  const std::string url = (*redis)->Url();
  EXPECT_TRUE(RunCheck(MakeSpec(RedisCheck{.url = url})).healthy);

  (*redis)->process.reset();  // stops redis-server
  const CheckResult result = RunCheck(MakeSpec(RedisCheck{.url = url}));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kUnavailable) << ErrorOf(result);
  EXPECT_NE(ErrorOf(result).find("Connection refused"), std::string::npos) << ErrorOf(result);
}

TEST(RedisSilentTest, SilentServerTimesOutAtTheCheckTimeout) {
  testing::SilentListener silent;
  const CheckResult result = RunCheck(
      MakeSpec(RedisCheck{.url = "redis://127.0.0.1:" + std::to_string(silent.port())}, 300ms));
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kTimeout) << ErrorOf(result);
  EXPECT_GE(result.duration, 250ms);
  EXPECT_LT(result.duration, 3s);
}

// BullMQ's layout, as its source defines it (QueueKeys, createBlockingConnection,
// Queue.getWorkers, the getCounts script), written into Redis by hand:
//   <prefix>:<queue>:wait         list of job ids (also legacy "0:<ts>" markers of BullMQ 4)
//   <prefix>:<queue>:paused       list (jobs of a paused queue before BullMQ 5.x kept them in wait)
//   <prefix>:<queue>:prioritized  sorted set of job ids with a priority
//   <prefix>:<queue>:meta         hash; field "paused" present while the queue is paused
//   worker connection name        <prefix>:<base64(queue)> or <prefix>:<base64(queue)>:w:<name>
//   QueueEvents connection name   <prefix>:<base64(queue)>:qe (not a worker)
class WorkerQueueCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = testing::SharedRedis();
    ASSERT_NE(redis_, nullptr);
    setup_ = std::make_unique<testing::RedisConnection>(redis_->port);
    // Each test gets its own queue: the shared server outlives single tests.
    queue_ =
        std::string("emails-") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  CheckResult Check(std::int64_t max_waiting = 10, std::string prefix = "bull") const {
    return RunCheck(MakeSpec(WorkerQueueCheck{.redis_url = redis_->Url(),
                                              .queue = queue_,
                                              .prefix = std::move(prefix),
                                              .max_waiting = max_waiting}));
  }

  // A connection named the way BullMQ names its workers' connections.
  std::unique_ptr<testing::RedisConnection> Worker(const std::string& name) const {
    auto worker = std::make_unique<testing::RedisConnection>(redis_->port);
    worker->Run({"CLIENT", "SETNAME", name});
    return worker;
  }

  std::string Base64Queue() const;

  testing::RedisServer* redis_ = nullptr;
  std::unique_ptr<testing::RedisConnection> setup_;
  std::string queue_;
};

// Node's Buffer.from(queue).toString('base64') of the queue names used here, computed by the
// base64 tool so the test does not share the implementation under test.
std::string WorkerQueueCheckTest::Base64Queue() const {
  core::ProcessOptions options;
  options.argv = {"base64", "-w0"};
  options.stdin_data = queue_;
  auto result = core::RunChecked(std::move(options));
  EXPECT_TRUE(result.has_value());
  return result ? result->stdout_tail : std::string();
}

TEST_F(WorkerQueueCheckTest, NamedWorkerAndFewWaitingJobsIsHealthy) {
  const auto worker = Worker("bull:" + Base64Queue() + ":w:mailer-1");
  setup_->Run({"LPUSH", "bull:" + queue_ + ":wait", "1", "2", "3"});
  const CheckResult result = Check();
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_EQ(result.message, "queue \"" + queue_ + "\": 1 worker, 3 jobs waiting");
}

TEST_F(WorkerQueueCheckTest, UnnamedWorkerCountsToo) {
  const auto first = Worker("bull:" + Base64Queue());
  const auto second = Worker("bull:" + Base64Queue() + ":w:other");
  const CheckResult result = Check();
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_EQ(result.message, "queue \"" + queue_ + "\": 2 workers, 0 jobs waiting");
}

TEST_F(WorkerQueueCheckTest, NoWorkerIsUnavailableEvenWithOtherClientsAround) {
  const auto events = Worker("bull:" + Base64Queue() + ":qe");
  const auto other_queue = Worker("bull:b3RoZXI=:w:x");  // queue "other"
  const auto other_prefix = Worker("app:" + Base64Queue() + ":w:x");
  setup_->Run({"LPUSH", "bull:" + queue_ + ":wait", "1"});
  const CheckResult result = Check();
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kUnavailable);
  EXPECT_NE(ErrorOf(result).find("0 workers, 1 job waiting; expected at least 1"),
            std::string::npos)
      << ErrorOf(result);
}

TEST_F(WorkerQueueCheckTest, BacklogOverTheLimitIsUnhealthy) {
  const auto worker = Worker("bull:" + Base64Queue() + ":w:mailer-1");
  const std::string key = "bull:" + queue_;
  setup_->Run({"LPUSH", key + ":wait", "1", "2", "3", "4", "5"});
  setup_->Run({"LPUSH", key + ":paused", "6", "7", "8"});
  setup_->Run({"ZADD", key + ":prioritized", "1", "9", "2", "10", "3", "11", "4", "12"});
  setup_->Run({"ZADD", key + ":delayed", "1", "13"});  // scheduled for later: not waiting
  setup_->Run({"LPUSH", key + ":active", "14"});       // being processed: not waiting
  const CheckResult result = Check(/*max_waiting=*/11);
  ASSERT_FALSE(result.healthy);
  EXPECT_EQ(result.error->code(), ErrorCode::kFailed);
  EXPECT_NE(ErrorOf(result).find("1 worker, 12 jobs waiting; more than 11 waiting"),
            std::string::npos)
      << ErrorOf(result);
  EXPECT_TRUE(Check(/*max_waiting=*/12).healthy);
}

TEST_F(WorkerQueueCheckTest, LegacyMarkerInTheWaitListIsNotAJob) {
  const auto worker = Worker("bull:" + Base64Queue());
  setup_->Run({"LPUSH", "bull:" + queue_ + ":wait", "0:1700000000000", "1", "2"});
  const CheckResult result = Check();
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_EQ(result.message, "queue \"" + queue_ + "\": 1 worker, 2 jobs waiting");
}

TEST_F(WorkerQueueCheckTest, PausedQueueIsReported) {
  const auto worker = Worker("bull:" + Base64Queue());
  setup_->Run({"HSET", "bull:" + queue_ + ":meta", "paused", "1"});
  const CheckResult result = Check();
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_EQ(result.message, "queue \"" + queue_ + "\": 1 worker, 0 jobs waiting, queue paused");
}

TEST_F(WorkerQueueCheckTest, CustomPrefixIsUsedForKeysAndNames) {
  const auto worker = Worker("galaos:" + Base64Queue() + ":w:1");
  setup_->Run({"LPUSH", "galaos:" + queue_ + ":wait", "1"});
  EXPECT_FALSE(Check(10, "bull").healthy);
  const CheckResult result = Check(10, "galaos");
  EXPECT_TRUE(result.healthy) << ErrorOf(result);
  EXPECT_EQ(result.message, "queue \"" + queue_ + "\": 1 worker, 1 job waiting");
}

}  // namespace
}  // namespace galaos::health
