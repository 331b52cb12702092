#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/TempDir.h"
#include "schedule/ScheduleService.h"
#include "schedule/ScheduleTestSupport.h"
#include "store/SqliteStore.h"

namespace galaos::schedule {
namespace {

using testing::Utc;
using testing::UtcText;

std::string Text(const std::optional<store::TimePoint>& time) {
  return time ? UtcText(std::chrono::floor<std::chrono::seconds>(*time)) : "none";
}

store::ScheduleSpec Spec(std::string cron, std::string zone = "Europe/Berlin") {
  store::ScheduleSpec spec;
  spec.cron = std::move(cron);
  spec.timezone = std::move(zone);
  return spec;
}

// A ScheduleService on a real SQLite store in a temporary directory, at 2026-03-28 12:00 UTC.
class ScheduleServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = core::TempDir::Create("galaos-schedule-");
    ASSERT_TRUE(dir) << dir.error().message();
    dir_.emplace(std::move(*dir));
    Reopen();
  }

  // Closes and reopens the store, as a restarted daemon would.
  void Reopen() {
    service_.reset();
    store_.reset();
    auto store = store::OpenSqliteStore(dir_->path() / "state.db", clock_);
    ASSERT_TRUE(store) << store.error().message();
    store_ = std::move(*store);
    service_.emplace(*store_, clock_);
  }

  core::TestClock clock_{Utc("2026-03-28 12:00:00")};
  std::optional<core::TempDir> dir_;
  std::unique_ptr<store::Store> store_;
  std::optional<ScheduleService> service_;
};

TEST_F(ScheduleServiceTest, CreateStoresTheScheduleWithItsNextRunInItsZone) {
  store::ScheduleSpec spec = Spec("30 2 * * *");
  spec.update_type = store::ScheduleUpdateType::kDocker;
  spec.auto_apply = true;
  spec.maintenance_window = "Sat,Sun 02:00-05:00";
  spec.notification_channels = {"webhook", "email"};
  const auto created = service_->Create(spec);
  ASSERT_TRUE(created) << created.error().message();
  // Berlin 2026-03-29 02:30 does not exist: 03:30 CEST.
  EXPECT_EQ(Text(created->next_run), "2026-03-29 01:30:00");

  Reopen();
  const auto listed = service_->List();
  ASSERT_TRUE(listed) << listed.error().message();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, created->id);
  EXPECT_EQ(listed->front().spec.maintenance_window, spec.maintenance_window);
  EXPECT_EQ(listed->front().spec.notification_channels, spec.notification_channels);
  EXPECT_EQ(Text(listed->front().next_run), "2026-03-29 01:30:00");
}

struct InvalidSpecCase {
  std::string_view what;
  store::ScheduleSpec spec;
  std::string_view message;
};

void PrintTo(const InvalidSpecCase& c, std::ostream* os) {
  *os << c.what;
}

class ScheduleServiceInvalidTest : public ScheduleServiceTest,
                                   public ::testing::WithParamInterface<InvalidSpecCase> {};

TEST_P(ScheduleServiceInvalidTest, CreateRejectsItNamingTheBadPartAndStoresNothing) {
  const auto created = service_->Create(GetParam().spec);
  ASSERT_FALSE(created) << GetParam().what;
  EXPECT_EQ(created.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(created.error().message().find(GetParam().message), std::string::npos)
      << created.error().message();
  const auto listed = service_->List();
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
}

store::ScheduleSpec WithWindow(std::string window) {
  store::ScheduleSpec spec = Spec("0 3 * * *");
  spec.maintenance_window = std::move(window);
  return spec;
}

store::ScheduleSpec WithChannel(std::string channel) {
  store::ScheduleSpec spec = Spec("0 3 * * *");
  spec.notification_channels = {"webhook", std::move(channel)};
  return spec;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ScheduleServiceInvalidTest,
    ::testing::Values(
        InvalidSpecCase{"cron", Spec("0 25 * * *"), "hour \"25\": 25 is out of range 0-23"},
        InvalidSpecCase{"zone", Spec("0 3 * * *", "Europe/Nowhere"),
                        "unknown time zone \"Europe/Nowhere\""},
        InvalidSpecCase{"window", WithWindow("Sat 02:00-26:00"), "end time: \"26:00\""},
        InvalidSpecCase{"channel", WithChannel("pager"),
                        "unknown notification channel \"pager\""}));

TEST_F(ScheduleServiceTest, RemoveDeletesAndAnUnknownIdIsNotFound) {
  const auto created = service_->Create(Spec("0 3 * * *"));
  ASSERT_TRUE(created) << created.error().message();
  ASSERT_TRUE(service_->Remove(created->id));
  const auto listed = service_->List();
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());

  const Status again = service_->Remove(created->id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kNotFound);
}

TEST_F(ScheduleServiceTest, DisablingClearsTheNextRunAndEnablingComputesItFromNow) {
  const auto created = service_->Create(Spec("0 3 * * *", "UTC"));
  ASSERT_TRUE(created) << created.error().message();
  EXPECT_EQ(Text(created->next_run), "2026-03-29 03:00:00");

  const auto disabled = service_->SetEnabled(created->id, false);
  ASSERT_TRUE(disabled) << disabled.error().message();
  EXPECT_FALSE(disabled->spec.enabled);
  EXPECT_EQ(Text(store_->GetSchedule(created->id)->next_run), "none");

  clock_.Advance(std::chrono::days(3));
  const auto enabled = service_->SetEnabled(created->id, true);
  ASSERT_TRUE(enabled) << enabled.error().message();
  const auto stored = store_->GetSchedule(created->id);
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->spec.enabled);
  EXPECT_EQ(Text(stored->next_run), "2026-04-01 03:00:00");

  const auto unknown = service_->SetEnabled("no-such-id", true);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST_F(ScheduleServiceTest, NextRunsListsTheComingRunTimes) {
  const auto created = service_->Create(Spec("0 2 * * *", "America/New_York"));
  ASSERT_TRUE(created) << created.error().message();
  clock_.SetWallTime(Utc("2026-03-07 12:00:00"));
  const auto runs = service_->NextRuns(created->id, 3);
  ASSERT_TRUE(runs) << runs.error().message();
  std::vector<std::string> texts;
  for (const Seconds run : *runs) texts.push_back(UtcText(run));
  // 2026-03-08 02:00 falls in the gap: 03:00 EDT.
  EXPECT_EQ(texts, (std::vector<std::string>{"2026-03-08 07:00:00", "2026-03-09 06:00:00",
                                             "2026-03-10 06:00:00"}));
  EXPECT_EQ(service_->NextRuns("no-such-id", 3).error().code(), ErrorCode::kNotFound);
}

TEST_F(ScheduleServiceTest, DefaultsAreCreatedOnTheFirstStartOnly) {
  config::ScheduleConfig config;
  config.timezone = "Europe/Berlin";
  config.maintenance_window = "Sun 02:00-05:00";
  const auto seeded = service_->SeedDefaults(config);
  ASSERT_TRUE(seeded) << seeded.error().message();
  EXPECT_TRUE(*seeded);
  auto listed = service_->List();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  const store::Schedule& check = (*listed)[0];
  const store::Schedule& docker = (*listed)[1];
  EXPECT_EQ(check.spec.cron, "0 2 * * *");
  EXPECT_EQ(check.spec.update_type, store::ScheduleUpdateType::kBoth);
  EXPECT_FALSE(check.spec.auto_apply);
  EXPECT_EQ(Text(check.next_run), "2026-03-29 01:00:00");  // 02:00 is in the gap: 03:00 CEST
  EXPECT_EQ(docker.spec.cron, "0 3 * * 0");
  EXPECT_EQ(docker.spec.update_type, store::ScheduleUpdateType::kDocker);
  EXPECT_TRUE(docker.spec.auto_apply);
  EXPECT_EQ(docker.spec.maintenance_window, std::optional<std::string>("Sun 02:00-05:00"));
  EXPECT_EQ(Text(docker.next_run), "2026-03-29 01:00:00");

  // Removed by the operator, they stay removed across restarts.
  ASSERT_TRUE(service_->Remove(check.id));
  Reopen();
  const auto again = service_->SeedDefaults(config);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_FALSE(*again);
  listed = service_->List();
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 1u);
}

TEST_F(ScheduleServiceTest, InvalidDefaultsFromTheConfigAreRejectedAndNothingIsSeeded) {
  config::ScheduleConfig config;
  config.check_cron = "0 2 * *";
  const auto seeded = service_->SeedDefaults(config);
  ASSERT_FALSE(seeded);
  EXPECT_NE(seeded.error().message().find("default schedule"), std::string::npos)
      << seeded.error().message();
  const auto listed = service_->List();
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
}

}  // namespace
}  // namespace galaos::schedule
