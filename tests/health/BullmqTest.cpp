// The worker_queue check against queues and workers of the real bullmq npm package: the test
// installs it from the npm registry into a temporary directory, fills a queue with Node and
// runs a real Worker, then checks what our check sees.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "RunCheck.h"
#include "core/TempDir.h"
#include "support/TestServices.h"

namespace galaos::health {
namespace {

using namespace std::chrono_literals;
using testing::ErrorOf;
using testing::MakeSpec;
using testing::RunCheck;

constexpr std::string_view kProducer = R"js(
const { Queue } = require('bullmq');
const connection = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT) };
(async () => {
  const queue = new Queue(process.env.QUEUE, { connection });
  for (let i = 0; i < 4; i++) await queue.add('mail', { i });
  for (let i = 0; i < 2; i++) await queue.add('mail', { i }, { priority: 5 });
  await queue.close();
  console.log('queued');
})().catch((error) => { console.error(error); process.exit(1); });
)js";

// Takes one job and never finishes it, so exactly one job leaves the waiting ones.
constexpr std::string_view kWorker = R"js(
const { Worker } = require('bullmq');
const connection = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT) };
const options = { connection, concurrency: 1 };
if (process.env.WORKER_NAME) options.name = process.env.WORKER_NAME;
let started;
const processing = new Promise((resolve) => { started = resolve; });
const worker = new Worker(process.env.QUEUE, () => { started(); return new Promise(() => {}); },
                          options);
worker.on('error', (error) => console.error(error));
Promise.all([worker.waitUntilReady(), processing]).then(() => console.log('ready'));
)js";

struct BullmqSetup {
  std::string bullmq;   // exact version
  std::string ioredis;  // bullmq 6 has ioredis as an optional peer; "" when bullmq brings it
  std::string worker_name;
};

void PrintTo(const BullmqSetup& setup, std::ostream* out) {
  *out << "bullmq@" << setup.bullmq
       << (setup.worker_name.empty() ? " unnamed worker" : " named worker");
}

class RealBullmqTest : public ::testing::TestWithParam<BullmqSetup> {
 protected:
  void SetUp() override {
    redis_ = testing::SharedRedis();
    ASSERT_NE(redis_, nullptr);
    auto dir = core::TempDir::Create("galaos-health-bullmq-");
    ASSERT_TRUE(dir.has_value());
    dir_ = std::make_unique<core::TempDir>(std::move(*dir));
    std::ofstream(dir_->path() / "package.json") << R"({"private": true})";
    std::ofstream(dir_->path() / "producer.js") << kProducer;
    std::ofstream(dir_->path() / "worker.js") << kWorker;

    core::ProcessOptions install;
    install.argv = {"npm",
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--ignore-scripts",
                    "--loglevel=error",
                    "bullmq@" + GetParam().bullmq};
    if (!GetParam().ioredis.empty()) install.argv.push_back("ioredis@" + GetParam().ioredis);
    install.cwd = dir_->path();
    install.timeout = 300s;
    const auto installed = core::RunChecked(std::move(install));
    ASSERT_TRUE(installed.has_value()) << installed.error().message();
    queue_ = "mail-" + GetParam().bullmq;
  }

  core::ProcessOptions Node(std::string script) const {
    core::ProcessOptions options;
    options.argv = {"node", std::move(script)};
    options.cwd = dir_->path();
    options.environment = {{"REDIS_PORT", std::to_string(redis_->port)},
                           {"QUEUE", queue_},
                           {"WORKER_NAME", GetParam().worker_name}};
    options.timeout = 60s;
    return options;
  }

  CheckResult Check(std::int64_t max_waiting) const {
    return RunCheck(MakeSpec(
        WorkerQueueCheck{.redis_url = redis_->Url(), .queue = queue_, .max_waiting = max_waiting}));
  }

  testing::RedisServer* redis_ = nullptr;
  std::unique_ptr<core::TempDir> dir_;
  std::string queue_;
};

TEST_P(RealBullmqTest, SeesRealWorkersAndWaitingJobs) {
  const auto produced = core::RunChecked(Node("producer.js"));
  ASSERT_TRUE(produced.has_value()) << produced.error().message();

  const CheckResult without_worker = Check(10);
  ASSERT_FALSE(without_worker.healthy);
  EXPECT_NE(ErrorOf(without_worker).find("0 workers, 6 jobs waiting"), std::string::npos)
      << ErrorOf(without_worker);

  auto worker = testing::ServerProcess::Start(Node("worker.js"), "ready");
  ASSERT_TRUE(worker.has_value()) << worker.error().message();

  const CheckResult with_worker = Check(10);
  EXPECT_TRUE(with_worker.healthy) << ErrorOf(with_worker);
  EXPECT_EQ(with_worker.message, "queue \"" + queue_ + "\": 1 worker, 5 jobs waiting");

  const CheckResult backlog = Check(4);
  ASSERT_FALSE(backlog.healthy);
  EXPECT_NE(ErrorOf(backlog).find("more than 4 waiting"), std::string::npos) << ErrorOf(backlog);
}

INSTANTIATE_TEST_SUITE_P(
    Versions, RealBullmqTest,
    ::testing::Values(BullmqSetup{.bullmq = "5.81.5", .ioredis = "", .worker_name = "mailer-1"},
                      BullmqSetup{.bullmq = "6.7.0", .ioredis = "5.11.1", .worker_name = ""}),
    [](const ::testing::TestParamInfo<BullmqSetup>& info) {
      std::string name = "bullmq_" + info.param.bullmq +
                         (info.param.worker_name.empty() ? "_unnamed_worker" : "_named_worker");
      std::ranges::replace(name, '.', '_');
      return name;
    });

}  // namespace
}  // namespace galaos::health
