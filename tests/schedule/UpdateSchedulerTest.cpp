// The scheduler's timing on a test clock and a real SQLite store, with a runner that records
// what it was asked to do. The daemon's timerfd loop around it is tested in tests/daemon.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/TempDir.h"
#include "schedule/ScheduleService.h"
#include "schedule/ScheduleTestSupport.h"
#include "schedule/UpdateScheduler.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"

namespace galaos::schedule {
namespace {

using namespace std::chrono_literals;
using testing::Utc;
using testing::UtcText;

std::string Text(const std::optional<store::TimePoint>& time) {
  return time ? UtcText(std::chrono::floor<std::chrono::seconds>(*time)) : "none";
}

struct RecordedRun {
  std::string id;
  std::string at;
  RunPlan plan;
};

class RecordingRunner final : public ScheduleRunner {
 public:
  explicit RecordingRunner(const core::Clock& clock) : clock_(clock) {}
  std::string Run(const store::Schedule& schedule, const RunPlan& plan) override {
    runs.push_back({schedule.id, Text(clock_.Now()), plan});
    return result;
  }
  std::vector<RecordedRun> runs;
  std::string result = "code: up to date (1.0.0)";

 private:
  const core::Clock& clock_;
};

// Saturday 2026-03-28 12:00 UTC.
class UpdateSchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = core::TempDir::Create("galaos-scheduler-");
    ASSERT_TRUE(dir) << dir.error().message();
    dir_.emplace(std::move(*dir));
    auto store = store::OpenSqliteStore(dir_->path() / "state.db", clock_);
    ASSERT_TRUE(store) << store.error().message();
    store_ = std::move(*store);
  }

  std::string Create(std::string cron, bool auto_apply = false,
                     std::optional<std::string> window = std::nullopt,
                     store::ConflictPolicy on_conflict = store::ConflictPolicy::kSkip) {
    store::ScheduleSpec spec;
    spec.cron = std::move(cron);
    spec.auto_apply = auto_apply;
    spec.maintenance_window = std::move(window);
    spec.on_conflict = on_conflict;
    auto created = ScheduleService(*store_, clock_).Create(spec);
    EXPECT_TRUE(created) << created.error().message();
    return created ? created->id : "";
  }

  UpdateScheduler& Scheduler(SchedulerOptions options = {}) {
    scheduler_.emplace(*store_, clock_, runner_, std::move(options));
    return *scheduler_;
  }

  store::Schedule Stored(const std::string& id) {
    auto schedule = store_->GetSchedule(id);
    EXPECT_TRUE(schedule) << schedule.error().message();
    return schedule ? *schedule : store::Schedule{};
  }

  // Moves the clock to `time` and runs what is due, as the daemon's timer would.
  int RunAt(std::string_view time) {
    clock_.SetWallTime(Utc(time));
    auto ran = scheduler_->RunDue();
    EXPECT_TRUE(ran) << ran.error().message();
    return ran ? *ran : -1;
  }

  core::TestClock clock_{Utc("2026-03-28 12:00:00")};
  std::optional<core::TempDir> dir_;
  std::unique_ptr<store::Store> store_;
  RecordingRunner runner_{clock_};
  std::optional<UpdateScheduler> scheduler_;
};

TEST_F(UpdateSchedulerTest, RunsAtEachFireTimeAndStoresTheResultAndTheNextRun) {
  const std::string id = Create("0 2 * * *");
  UpdateScheduler& scheduler = Scheduler();
  ASSERT_OK(scheduler.Start());
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-29 02:00:00");
  EXPECT_EQ(RunAt("2026-03-29 01:59:59"), 0);
  EXPECT_EQ(RunAt("2026-03-29 02:00:00"), 1);
  ASSERT_EQ(runner_.runs.size(), 1u);
  EXPECT_EQ(runner_.runs[0].plan.trigger, "schedule:" + id);
  EXPECT_FALSE(runner_.runs[0].plan.apply);

  const store::Schedule stored = Stored(id);
  EXPECT_EQ(Text(stored.last_run), "2026-03-29 02:00:00");
  EXPECT_EQ(stored.last_result, "code: up to date (1.0.0)");
  EXPECT_EQ(Text(stored.next_run), "2026-03-30 02:00:00");
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-30 02:00:00");
  EXPECT_EQ(RunAt("2026-03-29 02:00:30"), 0);  // the same fire time never runs twice
  EXPECT_EQ(RunAt("2026-03-30 02:00:00"), 1);
}

TEST_F(UpdateSchedulerTest, AutoApplyInsideTheWindowApplies) {
  Create("0 3 * * *", true, "Sun 02:00-05:00 UTC");
  ASSERT_OK(Scheduler().Start());
  EXPECT_EQ(RunAt("2026-03-29 03:00:00"), 1);  // Sunday
  ASSERT_EQ(runner_.runs.size(), 1u);
  EXPECT_TRUE(runner_.runs[0].plan.apply);
  EXPECT_FALSE(runner_.runs[0].plan.deferred_to);
}

TEST_F(UpdateSchedulerTest, AutoApplyOutsideTheWindowAnnouncesAndAppliesWhenTheWindowOpens) {
  const std::string id = Create("0 6 * * *", true, "Sun 02:00-05:00 UTC");
  UpdateScheduler& scheduler = Scheduler();
  ASSERT_OK(scheduler.Start());
  EXPECT_EQ(RunAt("2026-03-29 06:00:00"), 1);  // Sunday, after the window
  ASSERT_EQ(runner_.runs.size(), 1u);
  EXPECT_FALSE(runner_.runs[0].plan.apply);
  EXPECT_EQ(Text(runner_.runs[0].plan.deferred_to), "2026-04-05 02:00:00");
  // Monday to Saturday at 06:00 it announces again; the window's opening comes after them.
  EXPECT_EQ(Text(Stored(id).next_run), "2026-03-30 06:00:00");
  for (int day = 30; day <= 31; ++day) {
    EXPECT_EQ(RunAt(fmt::format("2026-03-{} 06:00:00", day)), 1);
  }
  for (int day = 1; day <= 4; ++day) {
    EXPECT_EQ(RunAt(fmt::format("2026-04-0{} 06:00:00", day)), 1);
  }
  EXPECT_EQ(Text(Stored(id).next_run), "2026-04-05 02:00:00");  // the opening, before 06:00
  EXPECT_EQ(RunAt("2026-04-05 02:00:00"), 1);
  EXPECT_TRUE(runner_.runs.back().plan.apply);
  EXPECT_EQ(Text(Stored(id).next_run), "2026-04-05 06:00:00");
}

TEST_F(UpdateSchedulerTest, AutoUpdateOffMakesAutoApplySchedulesNotifyOnly) {
  Create("0 3 * * *", true);
  ASSERT_OK(Scheduler({.auto_update = false}).Start());
  EXPECT_EQ(RunAt("2026-03-29 03:00:00"), 1);
  ASSERT_EQ(runner_.runs.size(), 1u);
  EXPECT_FALSE(runner_.runs[0].plan.apply);
  EXPECT_TRUE(runner_.runs[0].plan.auto_update_disabled);
}

TEST_F(UpdateSchedulerTest, AMissedRunRunsOnceAtStartEvenWhenSeveralWereMissed) {
  const std::string id = Create("0 2 * * *");
  clock_.SetWallTime(Utc("2026-04-01 09:30:00"));  // the daemon was down for four fire times
  UpdateScheduler& scheduler = Scheduler();
  ASSERT_OK(scheduler.Start());
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-29 02:00:00");
  EXPECT_EQ(RunAt("2026-04-01 09:30:00"), 1);
  EXPECT_EQ(RunAt("2026-04-01 09:30:01"), 0);
  EXPECT_EQ(Text(Stored(id).next_run), "2026-04-02 02:00:00");
  EXPECT_EQ(Text(Stored(id).last_run), "2026-04-01 09:30:00");
}

TEST_F(UpdateSchedulerTest, WithoutRunMissedAMissedRunMovesToItsNextFireTime) {
  const std::string id = Create("0 2 * * *");
  clock_.SetWallTime(Utc("2026-04-01 09:30:00"));
  UpdateScheduler& scheduler = Scheduler({.run_missed = false});
  ASSERT_OK(scheduler.Start());
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-04-02 02:00:00");
  EXPECT_EQ(RunAt("2026-04-01 09:30:00"), 0);
  EXPECT_EQ(Text(Stored(id).next_run), "2026-04-02 02:00:00");
  EXPECT_TRUE(runner_.runs.empty());
}

TEST_F(UpdateSchedulerTest, JitterDelaysEachRunByADelayDrawnOncePerFireTime) {
  Create("0 2 * * *");
  int draws = 0;
  UpdateScheduler& scheduler =
      Scheduler({.jitter = 1h, .random_delay = [&](std::chrono::milliseconds max) {
                   ++draws;
                   EXPECT_EQ(max, std::chrono::milliseconds(1h));
                   return std::chrono::milliseconds(20min);
                 }});
  ASSERT_OK(scheduler.Start());
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-29 02:20:00");
  EXPECT_EQ(RunAt("2026-03-29 02:19:59"), 0);
  EXPECT_EQ(RunAt("2026-03-29 02:20:00"), 1);
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-30 02:20:00");
  EXPECT_EQ(draws, 2);  // one per fire time, however often NextWake is computed
}

TEST_F(UpdateSchedulerTest, AClockJumpBackDoesNotRunAFireTimeAgain) {
  const std::string id = Create("0 2 * * *");
  UpdateScheduler& scheduler = Scheduler();
  ASSERT_OK(scheduler.Start());
  EXPECT_EQ(RunAt("2026-03-29 02:00:00"), 1);
  clock_.SetWallTime(Utc("2026-03-29 01:30:00"));  // set back by 30 minutes
  ASSERT_OK(scheduler.ClockChanged());
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-30 02:00:00");
  EXPECT_EQ(RunAt("2026-03-29 02:00:00"), 0);
  clock_.SetWallTime(Utc("2026-03-27 12:00:00"));  // back by two days: still not again
  ASSERT_OK(scheduler.ClockChanged());
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-30 02:00:00");
  EXPECT_EQ(RunAt("2026-03-28 02:00:00"), 0);
  EXPECT_EQ(runner_.runs.size(), 1u);
  EXPECT_EQ(RunAt("2026-03-30 02:00:00"), 1);
}

TEST_F(UpdateSchedulerTest, AClockJumpForwardRunsAnOverdueScheduleOnce) {
  const std::string id = Create("*/10 * * * *");
  UpdateScheduler& scheduler = Scheduler();
  ASSERT_OK(scheduler.Start());
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-28 12:10:00");
  clock_.SetWallTime(Utc("2026-03-28 15:04:00"));  // 17 fire times jumped over
  ASSERT_OK(scheduler.ClockChanged());
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-28 12:10:00");  // overdue: due now
  EXPECT_EQ(RunAt("2026-03-28 15:04:00"), 1);
  EXPECT_EQ(RunAt("2026-03-28 15:04:01"), 0);
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-28 15:10:00");
}

TEST_F(UpdateSchedulerTest, AClockJumpWithinTheWaitRecomputesTheNextRunFromTheNewTime) {
  const std::string id = Create("0 2 * * *");
  UpdateScheduler& scheduler = Scheduler();
  ASSERT_OK(scheduler.Start());
  clock_.SetWallTime(Utc("2026-03-20 12:00:00"));  // back a week, nothing ran yet
  ASSERT_OK(scheduler.ClockChanged());
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-21 02:00:00");
  EXPECT_EQ(Text(Stored(id).next_run), "2026-03-21 02:00:00");
}

TEST_F(UpdateSchedulerTest, RefreshSeesSchedulesCreatedAndDisabledElsewhere) {
  UpdateScheduler& scheduler = Scheduler();
  ASSERT_OK(scheduler.Start());
  EXPECT_FALSE(scheduler.NextWake());
  const std::string id = Create("30 12 * * *");
  ASSERT_OK(scheduler.Refresh());
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-28 12:30:00");
  ASSERT_OK(ScheduleService(*store_, clock_).SetEnabled(id, false));
  ASSERT_OK(scheduler.Refresh());
  EXPECT_FALSE(scheduler.NextWake());
  EXPECT_EQ(RunAt("2026-03-28 12:30:00"), 0);
}

TEST_F(UpdateSchedulerTest, ASkippedRunIsRecordedAsTheRunnerReportsIt) {
  const std::string id = Create("0 2 * * *");
  runner_.result = "skipped: another update is running: pid 42 (update tx-1)";
  ASSERT_OK(Scheduler().Start());
  EXPECT_EQ(RunAt("2026-03-29 02:00:00"), 1);
  EXPECT_EQ(Stored(id).last_result, runner_.result);
  EXPECT_EQ(Text(Stored(id).next_run), "2026-03-30 02:00:00");
}

// onConflict "queue": the run waits for the update lock instead of its next fire time, without
// waking the loop meanwhile, and runs once when the lock is let go — however many fire times
// passed while it waited.
TEST_F(UpdateSchedulerTest, AQueueingScheduleRunsOnceWhenTheUpdateLockIsLetGo) {
  const std::string queued =
      Create("*/10 * * * *", false, std::nullopt, store::ConflictPolicy::kQueue);
  const std::string skipping = Create("0 18 * * *");
  runner_.result = "skipped: another update is running: pid 42 (update tx-1)";
  UpdateScheduler& scheduler = Scheduler();
  ASSERT_OK(scheduler.Start());
  EXPECT_EQ(RunAt("2026-03-28 12:10:00"), 1);
  EXPECT_EQ(Stored(queued).last_result, "queued: another update is running: pid 42 (update tx-1)");
  EXPECT_EQ(Text(Stored(queued).next_run), "2026-03-28 12:10:00");  // still due
  // Not a wake: the loop does not spin on it; the other schedule's fire time is next.
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-28 18:00:00");
  EXPECT_EQ(RunAt("2026-03-28 12:40:00"), 0);  // three fire times pass; it stays queued once

  runner_.result = "code: up to date (1.0.0)";
  clock_.SetWallTime(Utc("2026-03-28 12:41:00"));
  ASSERT_OK_AND_ASSIGN(const int ran, scheduler.LockReleased());
  EXPECT_EQ(ran, 1);
  ASSERT_EQ(runner_.runs.size(), 2u);
  EXPECT_EQ(runner_.runs[1].id, queued);
  EXPECT_EQ(runner_.runs[1].at, "2026-03-28 12:41:00");
  EXPECT_EQ(Stored(queued).last_result, "code: up to date (1.0.0)");
  EXPECT_EQ(Text(Stored(queued).next_run), "2026-03-28 12:50:00");
  EXPECT_EQ(Text(scheduler.NextWake()), "2026-03-28 12:50:00");
  ASSERT_OK_AND_ASSIGN(const int again, scheduler.LockReleased());
  EXPECT_EQ(again, 0);                          // nothing queued any more
  EXPECT_EQ(Stored(skipping).last_result, "");  // the skipping one never ran (not due yet)
}

TEST_F(UpdateSchedulerTest, ASkippingScheduleIsNotRunWhenTheLockIsLetGo) {
  const std::string id = Create("0 2 * * *");
  runner_.result = "skipped: another update is running: pid 42 (update tx-1)";
  UpdateScheduler& scheduler = Scheduler();
  ASSERT_OK(scheduler.Start());
  EXPECT_EQ(RunAt("2026-03-29 02:00:00"), 1);
  ASSERT_OK_AND_ASSIGN(const int ran, scheduler.LockReleased());
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(Text(Stored(id).next_run), "2026-03-30 02:00:00");
}

}  // namespace
}  // namespace galaos::schedule
