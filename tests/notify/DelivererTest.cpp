// The Deliverer against a real SQLite store and a real HTTP receiver, with a test clock for
// the backoff schedule.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "HttpReceiver.h"
#include "NotifyTestSupport.h"
#include "core/TempDir.h"
#include "notify/Deliverer.h"
#include "notify/Sinks.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"
#include "support/TestServices.h"

namespace galaos::notify::testing {
namespace {

constexpr std::string_view kSecret = "whsec-deliverer-4471";

DeliveryPolicy TestPolicy() {
  return DeliveryPolicy{
      .max_attempts = 4, .retry_backoff = 30s, .max_backoff = 1h, .lease = 2min, .batch_size = 2};
}

class DelivererTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = Open(clock_); }

  std::unique_ptr<store::Store> Open(core::Clock& clock) {
    auto store = store::OpenSqliteStore(dir_.path() / "state.db", clock);
    EXPECT_TRUE(store) << store.error().message();
    return store ? std::move(*store) : nullptr;
  }

  Deliverer MakeDeliverer(store::Store& store, core::Clock& clock, std::string url,
                          DeliveryPolicy policy = TestPolicy()) {
    std::vector<std::unique_ptr<Sink>> sinks;
    sinks.push_back(
        MakeWebhookSink({.url = std::move(url), .secret = std::string(kSecret)}, {.timeout = 5s}));
    return Deliverer(store, clock, std::move(sinks), policy);
  }

  std::string EnqueueStarted(std::string sink = "webhook") {
    const std::vector<std::string> sinks = {"database", std::move(sink)};
    auto id = Enqueue(*store_, UpdateStarted{.transaction_id = "tx-1", .to_version = "1.3.0"},
                      sinks, clock_.Now());
    EXPECT_TRUE(id) << id.error().message();
    return id ? *id : "";
  }

  // The single non-database row.
  store::Notification OnlyRow() {
    auto rows = store_->ListNotifications({});
    EXPECT_TRUE(rows) << rows.error().message();
    std::vector<store::Notification> sent;
    for (auto& row : *rows) {
      if (row.sink != "database") sent.push_back(row);
    }
    EXPECT_EQ(sent.size(), 1u);
    return sent.empty() ? store::Notification{} : sent[0];
  }

  core::TempDir dir_ = std::move(*core::TempDir::Create("galaos-notify-deliverer-"));
  core::TestClock clock_{kNow};
  std::unique_ptr<store::Store> store_;
  HttpReceiver receiver_;
};

TEST(RetryDelayTest, DoublesFromTheConfiguredBackoffAndIsCapped) {
  const DeliveryPolicy policy{.retry_backoff = 30s, .max_backoff = 5min};
  EXPECT_EQ(RetryDelay(policy, 1), 30s);
  EXPECT_EQ(RetryDelay(policy, 2), 60s);
  EXPECT_EQ(RetryDelay(policy, 3), 120s);
  EXPECT_EQ(RetryDelay(policy, 4), 240s);
  EXPECT_EQ(RetryDelay(policy, 5), 5min);
  EXPECT_EQ(RetryDelay(policy, 60), 5min);
}

TEST(PolicyFromTest, TakesAttemptsAndBackoffFromTheConfig) {
  config::NotifyConfig config;
  config.max_attempts = 3;
  config.retry_backoff = 10s;
  const DeliveryPolicy policy = PolicyFrom(config);
  EXPECT_EQ(policy.max_attempts, 3);
  EXPECT_EQ(policy.retry_backoff, 10s);
}

TEST_F(DelivererTest, DeliversADueRowOnceAndNeverAgain) {
  const std::string event_id = EnqueueStarted();
  Deliverer deliverer = MakeDeliverer(*store_, clock_, receiver_.Url("/hook"));
  ASSERT_OK_AND_ASSIGN(const DeliveryRound first, deliverer.DeliverDue());
  EXPECT_EQ(first.delivered, 1);
  EXPECT_EQ(first.next_due, std::nullopt);
  clock_.Advance(1h);
  ASSERT_OK_AND_ASSIGN(const DeliveryRound second, deliverer.DeliverDue());
  EXPECT_EQ(second.delivered, 0);

  ASSERT_EQ(receiver_.Requests().size(), 1u);
  EXPECT_EQ(receiver_.Requests()[0].headers.at("x-galaos-delivery"), event_id);
  const store::Notification row = OnlyRow();
  EXPECT_EQ(row.status, store::OutboxStatus::kDelivered);
  EXPECT_EQ(row.attempts, 1);
}

TEST_F(DelivererTest, DeliversEveryDueRowAcrossSeveralBatches) {
  for (int i = 0; i < 5; ++i) EnqueueStarted();
  Deliverer deliverer = MakeDeliverer(*store_, clock_, receiver_.Url("/hook"));
  ASSERT_OK_AND_ASSIGN(const DeliveryRound round, deliverer.DeliverDue());
  EXPECT_EQ(round.delivered, 5);
  EXPECT_EQ(receiver_.Requests().size(), 5u);
}

TEST_F(DelivererTest, UnreachableReceiverIsRetriedWithBackoffThenFailedForGood) {
  LogCapture log;
  EnqueueStarted();
  const std::string url =
      "http://hook:url-pw-991@127.0.0.1:" + std::to_string(galaos::testing::FreePort()) + "/hook";
  Deliverer deliverer = MakeDeliverer(*store_, clock_, url);
  ASSERT_OK_AND_ASSIGN(const DeliveryRound first, deliverer.DeliverDue());
  EXPECT_EQ(first.retrying, 1);
  EXPECT_EQ(first.next_due, kNow + 30s);
  // Attempt n is retried 30s × 2^(n-1) after it failed, and not a second earlier.
  for (const auto& [wait, next_wait] :
       std::vector<std::pair<std::chrono::seconds, std::chrono::seconds>>{{30s, 60s},
                                                                          {60s, 120s}}) {
    clock_.Advance(wait - 1s);
    ASSERT_OK_AND_ASSIGN(const DeliveryRound early, deliverer.DeliverDue());
    EXPECT_EQ(early.retrying + early.delivered + early.failed, 0);
    EXPECT_EQ(early.next_due, clock_.Now() + 1s);
    clock_.Advance(1s);
    ASSERT_OK_AND_ASSIGN(const DeliveryRound round, deliverer.DeliverDue());
    EXPECT_EQ(round.retrying, 1);
    EXPECT_EQ(round.next_due, clock_.Now() + next_wait);
  }
  clock_.Advance(120s);
  ASSERT_OK_AND_ASSIGN(const DeliveryRound last, deliverer.DeliverDue());
  EXPECT_EQ(last.failed, 1);
  EXPECT_EQ(last.next_due, std::nullopt);

  const store::Notification row = OnlyRow();
  EXPECT_EQ(row.status, store::OutboxStatus::kFailed);
  EXPECT_EQ(row.attempts, 4);
  EXPECT_NE(row.last_error.find("webhook http://hook:***@127.0.0.1"), std::string::npos)
      << row.last_error;
  EXPECT_NE(row.last_error.find("Failed to connect"), std::string::npos) << row.last_error;
  for (const std::string& text : {row.last_error, log.Text()}) {
    EXPECT_EQ(text.find("url-pw-991"), std::string::npos) << text;
    EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
  }
  EXPECT_NE(log.Text().find("failed for good after 4 attempt(s)"), std::string::npos) << log.Text();
}

TEST_F(DelivererTest, RetriesUntilTheReceiverRecoversAndKeepsTheDeliveryId) {
  receiver_.AnswerWith({503, 429, 200});
  const std::string event_id = EnqueueStarted();
  Deliverer deliverer = MakeDeliverer(*store_, clock_, receiver_.Url("/hook"));
  ASSERT_OK_AND_ASSIGN(const DeliveryRound first, deliverer.DeliverDue());
  EXPECT_EQ(first.retrying, 1);
  clock_.Advance(30s);
  ASSERT_OK_AND_ASSIGN(const DeliveryRound second, deliverer.DeliverDue());
  EXPECT_EQ(second.retrying, 1);
  clock_.Advance(60s);
  ASSERT_OK_AND_ASSIGN(const DeliveryRound third, deliverer.DeliverDue());
  EXPECT_EQ(third.delivered, 1);

  const auto requests = receiver_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& request : requests) EXPECT_EQ(request.headers.at("x-galaos-delivery"), event_id);
  const store::Notification row = OnlyRow();
  EXPECT_EQ(row.status, store::OutboxStatus::kDelivered);
  EXPECT_EQ(row.attempts, 3);
}

TEST_F(DelivererTest, PermanentRefusalIsRecordedWithoutRetrying) {
  receiver_.AnswerWith({422});
  EnqueueStarted();
  Deliverer deliverer = MakeDeliverer(*store_, clock_, receiver_.Url("/hook"));
  ASSERT_OK_AND_ASSIGN(const DeliveryRound round, deliverer.DeliverDue());
  EXPECT_EQ(round.failed, 1);
  EXPECT_EQ(round.next_due, std::nullopt);
  const store::Notification row = OnlyRow();
  EXPECT_EQ(row.status, store::OutboxStatus::kFailed);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_NE(row.last_error.find("HTTP 422"), std::string::npos) << row.last_error;
}

TEST_F(DelivererTest, RowForASinkNoLongerConfiguredFailsForGood) {
  EnqueueStarted("email");
  Deliverer deliverer = MakeDeliverer(*store_, clock_, receiver_.Url("/hook"));
  ASSERT_OK_AND_ASSIGN(const DeliveryRound round, deliverer.DeliverDue());
  EXPECT_EQ(round.failed, 1);
  EXPECT_NE(OnlyRow().last_error.find("no sink \"email\""), std::string::npos);
  EXPECT_TRUE(receiver_.Requests().empty());
}

// A real crash: a child process claims the row and is SIGKILLed while the receiver has the
// request and has not answered. A second deliverer (a fresh store connection, as after a
// restart) sends it once the lease ends; what was acknowledged before the crash is not resent.
TEST_F(DelivererTest, ACrashMidDeliveryLosesNothingAndResendsNothingAcknowledged) {
  const std::string acknowledged = EnqueueStarted();
  {
    Deliverer before_crash = MakeDeliverer(*store_, clock_, receiver_.Url("/hook"));
    ASSERT_OK_AND_ASSIGN(const DeliveryRound round, before_crash.DeliverDue());
    ASSERT_EQ(round.delivered, 1);
  }
  const std::string in_flight = EnqueueStarted();
  receiver_.Hold();
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    core::TestClock child_clock(clock_.Now());
    auto store = store::OpenSqliteStore(dir_.path() / "state.db", child_clock);
    if (!store) _exit(2);
    Deliverer crashing = MakeDeliverer(**store, child_clock, receiver_.Url("/hook"));
    (void)crashing.DeliverDue();  // blocks in the held POST until killed
    _exit(3);
  }
  ASSERT_TRUE(receiver_.WaitForRequests(2));
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wait_status));
  receiver_.Release();

  store_.reset();  // the daemon restarts
  store_ = Open(clock_);
  Deliverer restarted = MakeDeliverer(*store_, clock_, receiver_.Url("/hook"));
  ASSERT_OK_AND_ASSIGN(const DeliveryRound during_lease, restarted.DeliverDue());
  EXPECT_EQ(during_lease.delivered, 0);
  EXPECT_EQ(during_lease.next_due, clock_.Now() + TestPolicy().lease);
  clock_.Advance(TestPolicy().lease);
  ASSERT_OK_AND_ASSIGN(const DeliveryRound after_lease, restarted.DeliverDue());
  EXPECT_EQ(after_lease.delivered, 1);
  clock_.Advance(1h);
  ASSERT_OK_AND_ASSIGN(const DeliveryRound later, restarted.DeliverDue());
  EXPECT_EQ(later.delivered, 0);

  std::map<std::string, int> received;
  for (const auto& request : receiver_.Requests()) {
    ++received[request.headers.at("x-galaos-delivery")];
  }
  EXPECT_EQ(received[acknowledged], 1);
  // Once from the crashed process (never acknowledged to it), once after the restart: the same
  // delivery id, so the receiver keeps one.
  EXPECT_EQ(received[in_flight], 2);
  EXPECT_EQ(received.size(), 2u);
  ASSERT_OK_AND_ASSIGN(auto rows,
                       store_->ListNotifications({.status = store::OutboxStatus::kPending}));
  EXPECT_TRUE(rows.empty());
}

}  // namespace
}  // namespace galaos::notify::testing
