#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "StoreTestSupport.h"
#include "store/Records.h"
#include "store/ScheduleMeta.h"
#include "store/SqliteStore.h"

namespace galaos::store::testing {
namespace {

NewTransaction CodeUpdate(std::string id = {}) {
  return NewTransaction{.id = std::move(id),
                        .type = TransactionType::kCode,
                        .trigger = "cli",
                        .actor = "root",
                        .from_version = "1.0.0",
                        .to_version = "1.1.0",
                        .state = "Preflight",
                        .state_version = 1,
                        .state_json = R"({"target":"v1.1.0"})"};
}

mode_t ModeOf(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// ---- opening ----

TEST(SqliteStoreOpenTest, CreatesMissingDirectoriesPrivateAndTheFile0600) {
  auto dir = core::TempDir::Create("galaos-store-");
  ASSERT_TRUE(dir);
  const auto path = dir->path() / "state" / "nested" / "state.db";
  core::TestClock clock(kStart);
  auto store = OpenOrDie(path, clock);
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->SetMeta("k", "v"));  // makes SQLite create the WAL file

  EXPECT_EQ(ModeOf(dir->path() / "state"), 0700u);
  EXPECT_EQ(ModeOf(dir->path() / "state" / "nested"), 0700u);
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(ModeOf(path.string() + "-wal"), 0600u);
  RawDb raw(path);
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "wal");
}

// ---- transactions and the journal ----

TEST_F(StoreTest, CreateTransactionGeneratesATimestampedIdAndStartsPending) {
  ASSERT_OK_AND_ASSIGN(Transaction tx, store_->CreateTransaction(CodeUpdate()));
  EXPECT_TRUE(std::regex_match(tx.id, std::regex("tx-20261126-201751-[0-9a-f]{8}"))) << tx.id;
  EXPECT_EQ(tx.status, TransactionStatus::kPending);
  EXPECT_EQ(tx.started_at, kStart);

  ASSERT_OK_AND_ASSIGN(Transaction stored, store_->GetTransaction(tx.id));
  EXPECT_EQ(stored.type, TransactionType::kCode);
  EXPECT_EQ(stored.trigger, "cli");
  EXPECT_EQ(stored.actor, "root");
  EXPECT_EQ(stored.state, "Preflight");
  EXPECT_EQ(stored.state_json, R"({"target":"v1.1.0"})");
  EXPECT_EQ(stored.from_version, "1.0.0");
  EXPECT_EQ(stored.to_version, "1.1.0");
  EXPECT_EQ(stored.started_at, kStart);
  EXPECT_FALSE(stored.completed_at);
  EXPECT_TRUE(stored.steps.empty());
}

TEST_F(StoreTest, DuplicateTransactionIdIsAConflict) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  EXPECT_ERROR_CODE(store_->CreateTransaction(CodeUpdate("tx-1")), ErrorCode::kConflict);
}

TEST_F(StoreTest, InvalidStateJsonIsRejectedAndStoresNothing) {
  NewTransaction spec = CodeUpdate("tx-bad");
  spec.state_json = "{not json";
  EXPECT_ERROR_CODE(store_->CreateTransaction(spec), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(store_->GetTransaction("tx-bad"), ErrorCode::kNotFound);
}

TEST_F(StoreTest, JournaledTransitionSurvivesARestartAndIsFoundForRecovery) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  clock_.Advance(2s);
  ASSERT_OK(store_->RecordTransition(
      "tx-1", Transition{.status = TransactionStatus::kRunning,
                         .state = "Apply",
                         .state_version = 3,
                         .state_json = R"({"snapshot":"backup-7","step":"build"})",
                         .from_version = std::nullopt,
                         .to_version = "1.1.1",
                         .error = std::nullopt}));
  ASSERT_OK(store_->BeginStep("tx-1", "build"));

  Reopen();  // the updater was killed here

  ASSERT_OK_AND_ASSIGN(auto unfinished, store_->ListUnfinishedTransactions());
  ASSERT_EQ(unfinished.size(), 1u);
  const Transaction& tx = unfinished[0];
  EXPECT_EQ(tx.id, "tx-1");
  EXPECT_EQ(tx.status, TransactionStatus::kRunning);
  EXPECT_EQ(tx.state, "Apply");
  EXPECT_EQ(tx.state_version, 3);
  EXPECT_EQ(tx.state_json, R"({"snapshot":"backup-7","step":"build"})");
  EXPECT_EQ(tx.from_version, "1.0.0");  // kept: nullopt means unchanged
  EXPECT_EQ(tx.to_version, "1.1.1");
  EXPECT_EQ(tx.updated_at, kStart + 2s);
  ASSERT_EQ(tx.steps.size(), 1u);
  EXPECT_EQ(tx.steps[0].name, "build");
  EXPECT_EQ(tx.steps[0].status, StepStatus::kRunning);
}

TEST_F(StoreTest, UnfinishedTransactionsAreListedOldestFirstAndFinishedOnesNot) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-a")));
  clock_.Advance(1s);
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-b")));
  clock_.Advance(1s);
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-c")));
  ASSERT_OK(store_->RecordTransition(
      "tx-c", Transition{.status = TransactionStatus::kRollingBack, .state = "Rollback"}));
  ASSERT_OK(store_->FinishTransaction("tx-b", Completion{.status = TransactionStatus::kSucceeded}));

  ASSERT_OK_AND_ASSIGN(auto unfinished, store_->ListUnfinishedTransactions());
  ASSERT_EQ(unfinished.size(), 2u);
  EXPECT_EQ(unfinished[0].id, "tx-a");
  EXPECT_EQ(unfinished[1].id, "tx-c");
  EXPECT_EQ(unfinished[1].status, TransactionStatus::kRollingBack);
}

TEST_F(StoreTest, StatisticsCountByTypeAndStatusAndTellTheLastSuccessfulUpdate) {
  ASSERT_OK_AND_ASSIGN(TransactionStatistics empty, store_->GetTransactionStatistics());
  EXPECT_TRUE(empty.counts.empty());
  EXPECT_FALSE(empty.last_update_succeeded_at);

  auto finished = [&](std::string id, TransactionType type, TransactionStatus status) {
    NewTransaction transaction = CodeUpdate(id);
    transaction.type = type;
    ASSERT_OK(store_->CreateTransaction(transaction));
    clock_.Advance(10s);
    ASSERT_OK(store_->FinishTransaction(id, Completion{.status = status}));
  };
  finished("tx-1", TransactionType::kCode, TransactionStatus::kSucceeded);
  finished("tx-2", TransactionType::kCode, TransactionStatus::kSucceeded);
  finished("tx-3", TransactionType::kCode, TransactionStatus::kRolledBack);
  finished("tx-4", TransactionType::kRollback, TransactionStatus::kSucceeded);  // not an update
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-5")));

  ASSERT_OK_AND_ASSIGN(TransactionStatistics statistics, store_->GetTransactionStatistics());
  std::map<std::pair<std::string, std::string>, std::int64_t> counts;
  for (const TransactionCount& count : statistics.counts) {
    counts[{std::string(Name(count.type)), std::string(Name(count.status))}] = count.count;
  }
  const std::map<std::pair<std::string, std::string>, std::int64_t> expected = {
      {{"code", "succeeded"}, 2},
      {{"code", "rolled_back"}, 1},
      {{"code", "pending"}, 1},
      {{"rollback", "succeeded"}, 1}};
  EXPECT_EQ(counts, expected);
  ASSERT_TRUE(statistics.last_update_succeeded_at);
  EXPECT_EQ(*statistics.last_update_succeeded_at, kStart + 20s);
}

// /metrics' step durations and notification backlog: finished steps only, added up per
// transaction type and step name; pending outbox rows per sink.
TEST_F(StoreTest, StatisticsAddUpFinishedStepsAndCountPendingNotificationsPerSink) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-2")));
  for (const auto& [id, seconds] : {std::pair{"tx-1", 30s}, std::pair{"tx-2", 90s}}) {
    ASSERT_OK_AND_ASSIGN(std::int64_t step, store_->BeginStep(id, "build"));
    clock_.Advance(seconds);
    ASSERT_OK(store_->FinishStep(step, StepResult{}));
  }
  ASSERT_OK(store_->BeginStep("tx-2", "restart"));  // still running: not counted
  for (const char* sink : {"slack", "slack", "email"}) {
    ASSERT_OK(store_->EnqueueNotification(
        {.event_type = "update_started", .payload_json = "{}", .sink = sink}));
  }

  ASSERT_OK_AND_ASSIGN(TransactionStatistics statistics, store_->GetTransactionStatistics());
  ASSERT_EQ(statistics.step_durations.size(), 1u);
  EXPECT_EQ(statistics.step_durations[0].type, TransactionType::kCode);
  EXPECT_EQ(statistics.step_durations[0].step, "build");
  EXPECT_EQ(statistics.step_durations[0].count, 2);
  EXPECT_EQ(statistics.step_durations[0].seconds, 120.0);
  ASSERT_EQ(statistics.notification_backlog.size(), 2u);
  EXPECT_EQ(statistics.notification_backlog[0].sink, "email");
  EXPECT_EQ(statistics.notification_backlog[0].pending, 1);
  EXPECT_EQ(statistics.notification_backlog[1].sink, "slack");
  EXPECT_EQ(statistics.notification_backlog[1].pending, 2);
}

TEST_F(StoreTest, FinishedTransactionIsImmutable) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  clock_.Advance(90s);
  ASSERT_OK(store_->FinishTransaction(
      "tx-1", Completion{.status = TransactionStatus::kRolledBack, .error = "build failed"}));

  ASSERT_OK_AND_ASSIGN(Transaction tx, store_->GetTransaction("tx-1"));
  EXPECT_EQ(tx.status, TransactionStatus::kRolledBack);
  EXPECT_EQ(tx.error, "build failed");
  ASSERT_TRUE(tx.completed_at);
  EXPECT_EQ(*tx.completed_at, kStart + 90s);

  EXPECT_ERROR_CODE(store_->RecordTransition("tx-1", Transition{.state = "Apply"}),
                    ErrorCode::kConflict);
  EXPECT_ERROR_CODE(
      store_->FinishTransaction("tx-1", Completion{.status = TransactionStatus::kSucceeded}),
      ErrorCode::kConflict);
  EXPECT_ERROR_CODE(store_->BeginStep("tx-1", "late"), ErrorCode::kConflict);
  ASSERT_OK_AND_ASSIGN(Transaction after, store_->GetTransaction("tx-1"));
  EXPECT_EQ(after.status, TransactionStatus::kRolledBack);
}

TEST_F(StoreTest, TransitionAndFinishRefuseTheWrongKindOfStatus) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  EXPECT_ERROR_CODE(store_->RecordTransition(
                        "tx-1", Transition{.status = TransactionStatus::kSucceeded, .state = "X"}),
                    ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(
      store_->FinishTransaction("tx-1", Completion{.status = TransactionStatus::kRunning}),
      ErrorCode::kInvalidArgument);
}

TEST_F(StoreTest, UnknownTransactionIsNotFound) {
  EXPECT_ERROR_CODE(store_->GetTransaction("tx-none"), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(store_->RecordTransition("tx-none", Transition{.state = "Apply"}),
                    ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(
      store_->FinishTransaction("tx-none", Completion{.status = TransactionStatus::kFailed}),
      ErrorCode::kNotFound);
}

TEST_F(StoreTest, ListTransactionsIsNewestFirstAndLimited) {
  for (const char* id : {"tx-1", "tx-2", "tx-3"}) {
    ASSERT_OK(store_->CreateTransaction(CodeUpdate(id)));
    clock_.Advance(1min);
  }
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-4")));  // same instant as tx-5
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-5")));

  ASSERT_OK_AND_ASSIGN(auto newest, store_->ListTransactions({.limit = 3}));
  ASSERT_EQ(newest.size(), 3u);
  EXPECT_EQ(newest[0].id, "tx-5");
  EXPECT_EQ(newest[1].id, "tx-4");
  EXPECT_EQ(newest[2].id, "tx-3");
  EXPECT_ERROR_CODE(store_->ListTransactions({.limit = 0}), ErrorCode::kInvalidArgument);
}

// ---- steps ----

TEST_F(StoreTest, StepRecordsTimingExitCodeAndABoundedOutputTail) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  ASSERT_OK_AND_ASSIGN(std::int64_t step, store_->BeginStep("tx-1", "install"));
  clock_.Advance(12s);
  std::string output(3 * kMaxOutputTailBytes, 'x');
  output += "last line\n";
  ASSERT_OK(store_->FinishStep(step, StepResult{.status = StepStatus::kFailed,
                                                .exit_code = 1,
                                                .output_tail = output,
                                                .error = "npm ci exited with 1"}));

  ASSERT_OK_AND_ASSIGN(Transaction tx, store_->GetTransaction("tx-1"));
  ASSERT_EQ(tx.steps.size(), 1u);
  const Step& s = tx.steps[0];
  EXPECT_EQ(s.name, "install");
  EXPECT_EQ(s.status, StepStatus::kFailed);
  EXPECT_EQ(s.started_at, kStart);
  EXPECT_EQ(s.ended_at, kStart + 12s);
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_EQ(s.error, "npm ci exited with 1");
  EXPECT_EQ(s.output_tail.size(), kMaxOutputTailBytes);
  EXPECT_EQ(s.output_tail, std::string(kMaxOutputTailBytes - 10, 'x') + "last line\n");
}

TEST_F(StoreTest, StepsAreKeptInTheOrderTheyBegan) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  for (const char* name : {"preflight", "backup", "fetch"}) {
    ASSERT_OK_AND_ASSIGN(std::int64_t id, store_->BeginStep("tx-1", name));
    ASSERT_OK(store_->FinishStep(id, StepResult{.status = StepStatus::kSucceeded}));
  }
  ASSERT_OK_AND_ASSIGN(Transaction tx, store_->GetTransaction("tx-1"));
  ASSERT_EQ(tx.steps.size(), 3u);
  EXPECT_EQ(tx.steps[0].name, "preflight");
  EXPECT_EQ(tx.steps[1].name, "backup");
  EXPECT_EQ(tx.steps[2].name, "fetch");
  EXPECT_FALSE(tx.steps[2].exit_code);
}

TEST_F(StoreTest, FinishingAStepTwiceOrAnUnknownStepFails) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  ASSERT_OK_AND_ASSIGN(std::int64_t step, store_->BeginStep("tx-1", "build"));
  ASSERT_OK(store_->FinishStep(step, StepResult{.status = StepStatus::kSucceeded}));
  EXPECT_ERROR_CODE(store_->FinishStep(step, StepResult{.status = StepStatus::kFailed}),
                    ErrorCode::kConflict);
  EXPECT_ERROR_CODE(store_->FinishStep(step + 100, StepResult{}), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(store_->FinishStep(step, StepResult{.status = StepStatus::kRunning}),
                    ErrorCode::kInvalidArgument);
}

TEST_F(StoreTest, AdvanceTransactionEndsTheStepAndJournalsTheNextStateTogether) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  ASSERT_OK_AND_ASSIGN(std::int64_t step, store_->BeginStep("tx-1", "fetch"));
  clock_.Advance(3s);
  ASSERT_OK(store_->AdvanceTransaction(
      step, StepResult{.status = StepStatus::kSucceeded, .output_tail = "fetched"}, "tx-1",
      Transition{.status = TransactionStatus::kRunning,
                 .state = "Checkout",
                 .state_version = 2,
                 .state_json = R"({"started":["Fetch","Checkout"]})"}));

  Reopen();  // durable, as a restarted process sees it
  ASSERT_OK_AND_ASSIGN(Transaction tx, store_->GetTransaction("tx-1"));
  EXPECT_EQ(tx.state, "Checkout");
  EXPECT_EQ(tx.status, TransactionStatus::kRunning);
  EXPECT_EQ(tx.state_json, R"({"started":["Fetch","Checkout"]})");
  EXPECT_EQ(tx.updated_at, kStart + 3s);
  ASSERT_EQ(tx.steps.size(), 1u);
  EXPECT_EQ(tx.steps[0].status, StepStatus::kSucceeded);
  EXPECT_EQ(tx.steps[0].output_tail, "fetched");
  EXPECT_EQ(tx.steps[0].ended_at, kStart + 3s);
}

TEST_F(StoreTest, AdvanceTransactionWritesNeitherWhenTheTransitionIsRefused) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  ASSERT_OK_AND_ASSIGN(std::int64_t step, store_->BeginStep("tx-1", "build"));
  // A terminal status is FinishTransaction's: the step's end must not be kept either.
  EXPECT_ERROR_CODE(
      store_->AdvanceTransaction(step, StepResult{.status = StepStatus::kFailed}, "tx-1",
                                 Transition{.status = TransactionStatus::kFailed, .state = "X"}),
      ErrorCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(Transaction tx, store_->GetTransaction("tx-1"));
  EXPECT_EQ(tx.state, "Preflight");
  ASSERT_EQ(tx.steps.size(), 1u);
  EXPECT_EQ(tx.steps[0].status, StepStatus::kRunning);
}

TEST_F(StoreTest, AdvanceTransactionWritesNeitherWhenTheStepHasEnded) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  ASSERT_OK_AND_ASSIGN(std::int64_t step, store_->BeginStep("tx-1", "build"));
  ASSERT_OK(store_->FinishStep(step, StepResult{.status = StepStatus::kSucceeded}));
  EXPECT_ERROR_CODE(
      store_->AdvanceTransaction(step, StepResult{.status = StepStatus::kFailed}, "tx-1",
                                 Transition{.status = TransactionStatus::kRunning, .state = "Y"}),
      ErrorCode::kConflict);
  ASSERT_OK_AND_ASSIGN(Transaction tx, store_->GetTransaction("tx-1"));
  EXPECT_EQ(tx.state, "Preflight");
  EXPECT_EQ(tx.steps[0].status, StepStatus::kSucceeded);
}

TEST_F(StoreTest, AdvanceTransactionRefusesAStepOfAnotherTransaction) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-2")));
  ASSERT_OK_AND_ASSIGN(std::int64_t step, store_->BeginStep("tx-1", "build"));
  EXPECT_ERROR_CODE(
      store_->AdvanceTransaction(step, StepResult{.status = StepStatus::kSucceeded}, "tx-2",
                                 Transition{.status = TransactionStatus::kRunning, .state = "Y"}),
      ErrorCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(Transaction tx1, store_->GetTransaction("tx-1"));
  EXPECT_EQ(tx1.steps[0].status, StepStatus::kRunning);
  ASSERT_OK_AND_ASSIGN(Transaction tx2, store_->GetTransaction("tx-2"));
  EXPECT_EQ(tx2.state, "Preflight");
}

// ---- WithTransaction ----

TEST_F(StoreTest, WithTransactionCommitsEveryWriteOfTheBodyTogether) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  ASSERT_OK(store_->WithTransaction([](Store& store) -> Status {
    TRY(store.FinishTransaction("tx-1", Completion{.status = TransactionStatus::kSucceeded}));
    TRY(store.EnqueueNotification(NewNotification{
        .event_type = "update_completed", .payload_json = R"({"id":"tx-1"})", .sink = "webhook"}));
    return {};
  }));
  ASSERT_OK_AND_ASSIGN(Transaction tx, store_->GetTransaction("tx-1"));
  EXPECT_EQ(tx.status, TransactionStatus::kSucceeded);
  ASSERT_OK_AND_ASSIGN(auto outbox, store_->ListNotifications({}));
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox[0].event_type, "update_completed");
}

TEST_F(StoreTest, WithTransactionWritesNothingWhenTheBodyFails) {
  ASSERT_OK(store_->CreateTransaction(CodeUpdate("tx-1")));
  Status result = store_->WithTransaction([](Store& store) -> Status {
    TRY(store.FinishTransaction("tx-1", Completion{.status = TransactionStatus::kSucceeded}));
    TRY(store.EnqueueNotification(NewNotification{
        .event_type = "update_completed", .payload_json = "{}", .sink = "webhook"}));
    TRY(store.AppendAudit(AuditEntry{.actor = "root", .action = "apply"}));
    return MakeError(ErrorCode::kFailed, "sink configuration vanished");
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message(), "sink configuration vanished");

  ASSERT_OK_AND_ASSIGN(Transaction tx, store_->GetTransaction("tx-1"));
  EXPECT_EQ(tx.status, TransactionStatus::kPending);
  ASSERT_OK_AND_ASSIGN(auto outbox, store_->ListNotifications({}));
  EXPECT_TRUE(outbox.empty());
  ASSERT_OK_AND_ASSIGN(auto audit, store_->ListAudit({}));
  EXPECT_TRUE(audit.empty());
}

TEST_F(StoreTest, FailedNestedTransactionRollsBackOnlyItsOwnWrites) {
  ASSERT_OK(store_->WithTransaction([](Store& store) -> Status {
    TRY(store.SetMeta("outer", "1"));
    Status inner = store.WithTransaction([](Store& nested) -> Status {
      TRY(nested.SetMeta("inner", "1"));
      return MakeError(ErrorCode::kFailed, "inner failed");
    });
    if (inner) return MakeError(ErrorCode::kFailed, "inner should have failed");
    return {};
  }));
  ASSERT_OK_AND_ASSIGN(auto outer, store_->GetMeta("outer"));
  ASSERT_OK_AND_ASSIGN(auto inner, store_->GetMeta("inner"));
  EXPECT_EQ(outer, "1");
  EXPECT_FALSE(inner);
}

TEST_F(StoreTest, WriterLockedOutPastTheBusyTimeoutGetsUnavailable) {
  auto second = OpenOrDie(path_, clock_, SqliteStoreOptions{.busy_timeout = 100ms});
  ASSERT_NE(second, nullptr);
  ASSERT_OK(store_->WithTransaction([&](Store& store) -> Status {
    TRY(store.SetMeta("held", "1"));
    auto blocked = second->AppendAudit(AuditEntry{.actor = "other", .action = "apply"});
    EXPECT_FALSE(blocked);
    if (!blocked) {
      EXPECT_EQ(blocked.error().code(), ErrorCode::kUnavailable) << blocked.error().message();
      EXPECT_NE(blocked.error().message().find("database is locked"), std::string::npos)
          << blocked.error().message();
    }
    return {};
  }));
  ASSERT_OK(second->AppendAudit(AuditEntry{.actor = "other", .action = "apply"}));
}

// ---- schedules ----

ScheduleSpec DailyCheck() {
  return ScheduleSpec{.enabled = true,
                      .cron = "0 2 * * *",
                      .timezone = "Europe/Berlin",
                      .update_type = ScheduleUpdateType::kCode,
                      .auto_apply = false,
                      .maintenance_window = "Sat,Sun 02:00-05:00 Europe/Berlin",
                      .notification_channels = {"webhook", "email"},
                      .on_conflict = ConflictPolicy::kQueue};
}

TEST_F(StoreTest, ScheduleRoundTripsEveryField) {
  ASSERT_OK_AND_ASSIGN(Schedule created, store_->CreateSchedule(DailyCheck(), kStart + 1h));
  EXPECT_TRUE(created.id.starts_with("sch-")) << created.id;

  ASSERT_OK_AND_ASSIGN(Schedule s, store_->GetSchedule(created.id));
  EXPECT_TRUE(s.spec.enabled);
  EXPECT_EQ(s.spec.cron, "0 2 * * *");
  EXPECT_EQ(s.spec.timezone, "Europe/Berlin");
  EXPECT_EQ(s.spec.update_type, ScheduleUpdateType::kCode);
  EXPECT_FALSE(s.spec.auto_apply);
  EXPECT_EQ(s.spec.maintenance_window, "Sat,Sun 02:00-05:00 Europe/Berlin");
  EXPECT_EQ(s.spec.notification_channels, (std::vector<std::string>{"webhook", "email"}));
  EXPECT_EQ(s.spec.on_conflict, ConflictPolicy::kQueue);
  EXPECT_EQ(s.next_run, kStart + 1h);
  EXPECT_FALSE(s.last_run);
  EXPECT_EQ(s.created_at, kStart);
}

TEST_F(StoreTest, ScheduleCanBeDisabledRunRecordedAndRemoved) {
  ASSERT_OK_AND_ASSIGN(Schedule s, store_->CreateSchedule(DailyCheck(), std::nullopt));
  ASSERT_OK(store_->SetScheduleEnabled(s.id, false));
  ASSERT_OK(store_->RecordScheduleRun(
      s.id, ScheduleRun{.ran_at = kStart + 5min, .result = "no update", .next_run = kStart + 1h}));
  ASSERT_OK(store_->SetScheduleNextRun(s.id, kStart + 2h));

  ASSERT_OK_AND_ASSIGN(Schedule after, store_->GetSchedule(s.id));
  EXPECT_FALSE(after.spec.enabled);
  EXPECT_EQ(after.last_run, kStart + 5min);
  EXPECT_EQ(after.last_result, "no update");
  EXPECT_EQ(after.next_run, kStart + 2h);

  ASSERT_OK(store_->RemoveSchedule(s.id));
  EXPECT_ERROR_CODE(store_->GetSchedule(s.id), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto all, store_->ListSchedules());
  EXPECT_TRUE(all.empty());
}

// What a schedule announced goes with it; another schedule's memory stays, and so does
// everything when the id is unknown (nothing removed, nothing changed).
TEST_F(StoreTest, RemovingAScheduleRemovesWhatItAnnounced) {
  ASSERT_OK_AND_ASSIGN(Schedule gone, store_->CreateSchedule(DailyCheck(), std::nullopt));
  ASSERT_OK_AND_ASSIGN(Schedule kept, store_->CreateSchedule(DailyCheck(), std::nullopt));
  ASSERT_OK(store_->SetMeta(AnnouncedMetaKey(gone.id), R"(["code 1.1.0"])"));
  ASSERT_OK(store_->SetMeta(AnnouncedMetaKey(kept.id), R"(["code 1.1.0"])"));
  ASSERT_OK(store_->SetMeta(AnnouncedMetaKey("sch-none"), R"(["code 1.1.0"])"));

  ASSERT_OK(store_->RemoveSchedule(gone.id));
  ASSERT_OK_AND_ASSIGN(auto removed, store_->GetMeta(AnnouncedMetaKey(gone.id)));
  EXPECT_FALSE(removed.has_value());
  ASSERT_OK_AND_ASSIGN(auto other, store_->GetMeta(AnnouncedMetaKey(kept.id)));
  EXPECT_EQ(other, R"(["code 1.1.0"])");

  EXPECT_ERROR_CODE(store_->RemoveSchedule("sch-none"), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto unknown, store_->GetMeta(AnnouncedMetaKey("sch-none")));
  EXPECT_TRUE(unknown.has_value());
}

TEST_F(StoreTest, UnknownScheduleIsNotFoundForEveryChange) {
  EXPECT_ERROR_CODE(store_->RemoveSchedule("sch-none"), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(store_->SetScheduleEnabled("sch-none", true), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(store_->SetScheduleNextRun("sch-none", std::nullopt), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(store_->RecordScheduleRun("sch-none", ScheduleRun{}), ErrorCode::kNotFound);
}

TEST_F(StoreTest, DefaultSchedulesAreSeededOnlyOnceEvenAfterRemovalAndRestart) {
  const std::vector<ScheduleSpec> defaults = {
      DailyCheck(),
      ScheduleSpec{
          .cron = "0 3 * * 0", .update_type = ScheduleUpdateType::kDocker, .auto_apply = true}};
  ASSERT_OK_AND_ASSIGN(bool seeded, store_->SeedDefaultSchedules(defaults));
  EXPECT_TRUE(seeded);
  ASSERT_OK_AND_ASSIGN(auto first, store_->ListSchedules());
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1].spec.update_type, ScheduleUpdateType::kDocker);
  ASSERT_OK(store_->RemoveSchedule(first[0].id));  // the operator removes a default

  Reopen();
  ASSERT_OK_AND_ASSIGN(bool again, store_->SeedDefaultSchedules(defaults));
  EXPECT_FALSE(again);
  ASSERT_OK_AND_ASSIGN(auto after, store_->ListSchedules());
  EXPECT_EQ(after.size(), 1u);
}

// ---- backups index ----

BackupRecord Backup(std::string id, TimePoint created) {
  return BackupRecord{.id = id,
                      .path = "/var/lib/galaos/backups/" + id,
                      .version = "1.0.0",
                      .commit = "0123abcd",
                      .created_at = created,
                      .size_bytes = 4096,
                      .manifest_json = R"({"files":[]})",
                      .verified = true};
}

TEST_F(StoreTest, BackupsAreListedNewestFirstAndRoundTrip) {
  ASSERT_OK(store_->AddBackup(Backup("b-old", kStart)));
  ASSERT_OK(store_->AddBackup(Backup("b-new", kStart + 1h)));
  ASSERT_OK_AND_ASSIGN(auto all, store_->ListBackups());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "b-new");
  EXPECT_EQ(all[1].id, "b-old");

  ASSERT_OK_AND_ASSIGN(BackupRecord b, store_->GetBackup("b-old"));
  EXPECT_EQ(b.path, "/var/lib/galaos/backups/b-old");
  EXPECT_EQ(b.version, "1.0.0");
  EXPECT_EQ(b.commit, "0123abcd");
  EXPECT_EQ(b.created_at, kStart);
  EXPECT_EQ(b.size_bytes, 4096);
  EXPECT_EQ(b.manifest_json, R"({"files":[]})");
  EXPECT_TRUE(b.verified);
}

TEST_F(StoreTest, BackupDuplicatesAreConflictsAndUnknownRemovalIsNotFound) {
  ASSERT_OK(store_->AddBackup(Backup("b-1", kStart)));
  EXPECT_ERROR_CODE(store_->AddBackup(Backup("b-1", kStart)), ErrorCode::kConflict);
  BackupRecord same_path = Backup("b-2", kStart);
  same_path.path = "/var/lib/galaos/backups/b-1";
  EXPECT_ERROR_CODE(store_->AddBackup(same_path), ErrorCode::kConflict);

  ASSERT_OK(store_->RemoveBackup("b-1"));
  EXPECT_ERROR_CODE(store_->RemoveBackup("b-1"), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(store_->GetBackup("b-1"), ErrorCode::kNotFound);
}

// ---- notification outbox ----

NewNotification Started(std::string sink) {
  return NewNotification{
      .event_type = "update_started", .payload_json = R"({"id":"tx-1"})", .sink = sink};
}

TEST_F(StoreTest, ClaimedNotificationIsLeasedUntilItsLeaseEnds) {
  ASSERT_OK_AND_ASSIGN(std::int64_t id, store_->EnqueueNotification(Started("webhook")));
  ASSERT_OK_AND_ASSIGN(auto claimed, store_->ClaimDueNotifications(10, 30s));
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, id);
  EXPECT_EQ(claimed[0].attempts, 1);
  EXPECT_EQ(claimed[0].payload_json, R"({"id":"tx-1"})");

  ASSERT_OK_AND_ASSIGN(auto during_lease, store_->ClaimDueNotifications(10, 30s));
  EXPECT_TRUE(during_lease.empty());

  Reopen();  // the daemon died mid-delivery
  clock_.Advance(31s);
  ASSERT_OK_AND_ASSIGN(auto after_lease, store_->ClaimDueNotifications(10, 30s));
  ASSERT_EQ(after_lease.size(), 1u);
  EXPECT_EQ(after_lease[0].attempts, 2);
}

TEST_F(StoreTest, DeliveredNotificationIsNeverClaimedAgain) {
  ASSERT_OK_AND_ASSIGN(std::int64_t id, store_->EnqueueNotification(Started("slack")));
  ASSERT_OK(store_->ClaimDueNotifications(10, 30s));
  clock_.Advance(1s);
  ASSERT_OK(store_->MarkNotificationDelivered(id));
  clock_.Advance(1h);
  ASSERT_OK_AND_ASSIGN(auto claimed, store_->ClaimDueNotifications(10, 30s));
  EXPECT_TRUE(claimed.empty());

  ASSERT_OK_AND_ASSIGN(auto all, store_->ListNotifications({}));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].status, OutboxStatus::kDelivered);
  EXPECT_EQ(all[0].delivered_at, kStart + 1s);
  EXPECT_ERROR_CODE(store_->MarkNotificationFailed(id, "late failure", std::nullopt),
                    ErrorCode::kConflict);
}

TEST_F(StoreTest, FailedDeliveryIsRetriedAtTheBackoffTimeOrGivenUp) {
  ASSERT_OK_AND_ASSIGN(std::int64_t retried, store_->EnqueueNotification(Started("webhook")));
  ASSERT_OK_AND_ASSIGN(std::int64_t abandoned, store_->EnqueueNotification(Started("email")));
  ASSERT_OK(store_->ClaimDueNotifications(10, 30s));
  ASSERT_OK(store_->MarkNotificationFailed(retried, "HTTP 503", kStart + 5min));
  ASSERT_OK(store_->MarkNotificationFailed(abandoned, "mailbox unavailable", std::nullopt));

  clock_.Advance(4min);
  ASSERT_OK_AND_ASSIGN(auto early, store_->ClaimDueNotifications(10, 30s));
  EXPECT_TRUE(early.empty());
  clock_.Advance(1min);
  ASSERT_OK_AND_ASSIGN(auto due, store_->ClaimDueNotifications(10, 30s));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, retried);
  EXPECT_EQ(due[0].last_error, "HTTP 503");
  EXPECT_EQ(due[0].attempts, 2);

  ASSERT_OK_AND_ASSIGN(auto failed, store_->ListNotifications({.status = OutboxStatus::kFailed}));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].id, abandoned);
  EXPECT_EQ(failed[0].last_error, "mailbox unavailable");
}

TEST_F(StoreTest, ClaimRespectsTheLimitInDueOrder) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(store_->EnqueueNotification(Started("sink-" + std::to_string(i))));
    clock_.Advance(1s);
  }
  ASSERT_OK_AND_ASSIGN(auto first, store_->ClaimDueNotifications(2, 1min));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].sink, "sink-0");
  EXPECT_EQ(first[1].sink, "sink-1");
  ASSERT_OK_AND_ASSIGN(auto rest, store_->ClaimDueNotifications(10, 1min));
  EXPECT_EQ(rest.size(), 3u);
  EXPECT_ERROR_CODE(store_->ClaimDueNotifications(0, 1min), ErrorCode::kInvalidArgument);
}

TEST_F(StoreTest, NextNotificationDueIsTheEarliestPendingRetryOrLeaseEnd) {
  ASSERT_OK_AND_ASSIGN(auto nothing, store_->NextNotificationDue());
  EXPECT_EQ(nothing, std::nullopt);
  ASSERT_OK_AND_ASSIGN(std::int64_t leased, store_->EnqueueNotification(Started("webhook")));
  ASSERT_OK(store_->ClaimDueNotifications(10, 2min));
  ASSERT_OK_AND_ASSIGN(auto lease_end, store_->NextNotificationDue());
  EXPECT_EQ(lease_end, kStart + 2min);

  ASSERT_OK_AND_ASSIGN(std::int64_t retried, store_->EnqueueNotification(Started("slack")));
  ASSERT_OK(store_->ClaimDueNotifications(10, 2min));
  ASSERT_OK(store_->MarkNotificationFailed(retried, "HTTP 503", kStart + 1min));
  ASSERT_OK_AND_ASSIGN(auto retry, store_->NextNotificationDue());
  EXPECT_EQ(retry, kStart + 1min);

  ASSERT_OK(store_->MarkNotificationDelivered(retried));
  ASSERT_OK(store_->MarkNotificationFailed(leased, "gone", std::nullopt));
  ASSERT_OK_AND_ASSIGN(auto none_pending, store_->NextNotificationDue());
  EXPECT_EQ(none_pending, std::nullopt);
}

TEST_F(StoreTest, UnknownNotificationIsNotFound) {
  EXPECT_ERROR_CODE(store_->MarkNotificationDelivered(42), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(store_->MarkNotificationFailed(42, "x", std::nullopt), ErrorCode::kNotFound);
}

// ---- API tokens ----

TEST_F(StoreTest, ApiTokenLifecycle) {
  ASSERT_OK_AND_ASSIGN(
      ApiToken created,
      store_->CreateApiToken(NewApiToken{
          .id = "tok1", .name = "ci", .role = TokenRole::kViewer, .secret_hash = "$argon2id$..."}));
  EXPECT_EQ(created.created_at, kStart);
  clock_.Advance(1min);
  ASSERT_OK(store_->TouchApiToken("tok1"));
  clock_.Advance(1min);
  ASSERT_OK(store_->RevokeApiToken("tok1"));
  clock_.Advance(1min);
  ASSERT_OK(store_->RevokeApiToken("tok1"));  // keeps the first revocation time

  ASSERT_OK_AND_ASSIGN(ApiToken token, store_->GetApiToken("tok1"));
  EXPECT_EQ(token.name, "ci");
  EXPECT_EQ(token.role, TokenRole::kViewer);
  EXPECT_EQ(token.secret_hash, "$argon2id$...");
  EXPECT_EQ(token.last_used_at, kStart + 1min);
  EXPECT_EQ(token.revoked_at, kStart + 2min);

  ASSERT_OK_AND_ASSIGN(auto all, store_->ListApiTokens());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_ERROR_CODE(
      store_->CreateApiToken(NewApiToken{
          .id = "tok1", .name = "again", .role = TokenRole::kAdmin, .secret_hash = "h"}),
      ErrorCode::kConflict);
}

TEST_F(StoreTest, UnknownApiTokenIsNotFound) {
  EXPECT_ERROR_CODE(store_->GetApiToken("nope"), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(store_->RevokeApiToken("nope"), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(store_->TouchApiToken("nope"), ErrorCode::kNotFound);
}

// ---- meta ----

TEST_F(StoreTest, MetaValuesAreSetOverwrittenAndMissingIsEmpty) {
  ASSERT_OK_AND_ASSIGN(auto missing, store_->GetMeta("instance"));
  EXPECT_FALSE(missing);
  ASSERT_OK(store_->SetMeta("instance", "a"));
  ASSERT_OK(store_->SetMeta("instance", "b"));
  Reopen();
  ASSERT_OK_AND_ASSIGN(auto value, store_->GetMeta("instance"));
  EXPECT_EQ(value, "b");
}

}  // namespace
}  // namespace galaos::store::testing
