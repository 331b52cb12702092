// GET /metrics' text: what it counts, and that it is valid Prometheus text exposition format
// as the reference parser (Debian's python3-prometheus-client) reads it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/Metrics.h"
#include "core/AtomicFile.h"
#include "core/Process.h"
#include "core/TempDir.h"
#include "support/Assertions.h"

namespace galaos::api {
namespace {

using nlohmann::json;
using std::chrono::seconds;

const std::chrono::system_clock::time_point kStart{seconds(1'700'000'000)};

// The families the reference parser read from `text`; fails the test on a parse error.
json Parse(const std::string& text) {
  auto dir = core::TempDir::Create("metrics");
  EXPECT_TRUE(dir.has_value());
  if (!dir) return json();
  EXPECT_TRUE(core::WriteFileAtomic(dir->path() / "metrics.txt", text).has_value());
  core::ProcessOptions options;
  options.argv = {"/usr/bin/python3",
                  std::string(GALAOS_SOURCE_DIR) + "/tests/api/prometheus-parse.py",
                  (dir->path() / "metrics.txt").string()};
  options.timeout = std::chrono::minutes(1);
  auto result = core::RunChecked(options);
  EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message()) << "\n" << text;
  return result ? json::parse(result->stdout_tail) : json();
}

// The value of the sample `name` with exactly `labels` in the parsed families; null if none.
json Sample(const json& families, std::string_view name, const json& labels = json::object()) {
  for (const json& family : families) {
    for (const json& sample : family["samples"]) {
      if (sample["name"] == name && sample["labels"] == labels) return sample["value"];
    }
  }
  return nullptr;
}

json Family(const json& families, std::string_view name) {
  for (const json& family : families) {
    if (family["name"] == name) return family;
  }
  return nullptr;
}

AppGauges SomeGauges() {
  store::TransactionStatistics statistics;
  statistics.counts = {{.type = store::TransactionType::kCode,
                        .status = store::TransactionStatus::kSucceeded,
                        .count = 3},
                       {.type = store::TransactionType::kRollback,
                        .status = store::TransactionStatus::kRolledBack,
                        .count = 1}};
  statistics.last_update_succeeded_at =
      std::chrono::system_clock::time_point(seconds(1'700'000'500));
  return AppGauges{.transactions = statistics, .app_version = std::string("1.4.0-rc.1+build.7")};
}

TEST(MetricsTest, CallsAuthFailuresAndStoreGaugesAreReportedInValidExpositionFormat) {
  Metrics metrics({"systemUpdates.getCurrentVersion", "systemUpdates.applyCodeUpdate"}, SomeGauges,
                  kStart);
  metrics.RecordCall("systemUpdates.getCurrentVersion", "OK", std::chrono::milliseconds(3));
  metrics.RecordCall("systemUpdates.getCurrentVersion", "OK", std::chrono::milliseconds(40));
  metrics.RecordCall("systemUpdates.applyCodeUpdate", "CONFLICT", std::chrono::seconds(2));
  metrics.RecordCall("systemUpdates.no\"such\nthing", "NOT_FOUND", std::chrono::milliseconds(1));
  metrics.RecordAuthFailure();
  metrics.RecordAuthFailure();

  const json families = Parse(metrics.Render());
  EXPECT_EQ(Sample(families, "galaos_updater_api_requests_total",
                   {{"procedure", "systemUpdates.getCurrentVersion"}, {"code", "OK"}}),
            2.0);
  EXPECT_EQ(Sample(families, "galaos_updater_api_requests_total",
                   {{"procedure", "systemUpdates.applyCodeUpdate"}, {"code", "CONFLICT"}}),
            1.0);
  // A path nobody registered does not become a label of its own.
  EXPECT_EQ(Sample(families, "galaos_updater_api_requests_total",
                   {{"procedure", "unknown"}, {"code", "NOT_FOUND"}}),
            1.0);
  const json current = {{"procedure", "systemUpdates.getCurrentVersion"}};
  EXPECT_EQ(Family(families, "galaos_updater_api_request_duration_seconds")["type"], "histogram");
  EXPECT_EQ(Sample(families, "galaos_updater_api_request_duration_seconds_count", current), 2.0);
  EXPECT_NEAR(
      Sample(families, "galaos_updater_api_request_duration_seconds_sum", current).get<double>(),
      0.043, 1e-9);
  EXPECT_EQ(Sample(families, "galaos_updater_api_request_duration_seconds_bucket",
                   {{"procedure", "systemUpdates.getCurrentVersion"}, {"le", "0.005"}}),
            1.0);
  EXPECT_EQ(Sample(families, "galaos_updater_api_request_duration_seconds_bucket",
                   {{"procedure", "systemUpdates.getCurrentVersion"}, {"le", "+Inf"}}),
            2.0);
  EXPECT_EQ(Sample(families, "galaos_updater_auth_failures_total"), 2.0);
  EXPECT_EQ(
      Sample(families, "galaos_updater_transactions", {{"type", "code"}, {"status", "succeeded"}}),
      3.0);
  EXPECT_EQ(Sample(families, "galaos_updater_transactions",
                   {{"type", "rollback"}, {"status", "rolled_back"}}),
            1.0);
  EXPECT_EQ(Sample(families, "galaos_updater_last_successful_update_timestamp_seconds"),
            1'700'000'500.0);
  EXPECT_EQ(
      Sample(families, "galaos_updater_app_version_info", {{"version", "1.4.0-rc.1+build.7"}}),
      1.0);
  EXPECT_EQ(Sample(families, "galaos_updater_scrape_error"), 0.0);
  EXPECT_EQ(Sample(families, "process_start_time_seconds"), 1'700'000'000.0);
  for (const json& family : families) {
    EXPECT_FALSE(family["help"].get<std::string>().empty()) << family["name"];
  }
}

// Step durations, rollbacks, the notification backlog and what the last check found, as the
// reference parser reads them.
TEST(MetricsTest, StepDurationsRollbacksBacklogAndAvailableUpdatesAreReported) {
  auto gauges = [] {
    AppGauges gauges = SomeGauges();
    store::TransactionStatistics& statistics = *gauges.transactions;
    statistics.counts.push_back({.type = store::TransactionType::kCode,
                                 .status = store::TransactionStatus::kRolledBack,
                                 .count = 2});
    statistics.counts.push_back({.type = store::TransactionType::kDocker,
                                 .status = store::TransactionStatus::kRollbackFailed,
                                 .count = 1});
    statistics.step_durations = {
        {.type = store::TransactionType::kCode, .step = "build", .count = 4, .seconds = 130.5},
        {.type = store::TransactionType::kDocker, .step = "pull", .count = 1, .seconds = 2.25}};
    statistics.notification_backlog = {{.sink = "slack", .pending = 3}};
    gauges.available = service::LastUpdateCheck::Found{.code = true, .containers = 2};
    return gauges;
  };
  Metrics metrics({}, gauges, kStart);
  const json families = Parse(metrics.Render());
  EXPECT_EQ(Family(families, "galaos_updater_step_duration_seconds")["type"], "summary");
  const json build = {{"type", "code"}, {"step", "build"}};
  EXPECT_EQ(Sample(families, "galaos_updater_step_duration_seconds_count", build), 4.0);
  EXPECT_EQ(Sample(families, "galaos_updater_step_duration_seconds_sum", build), 130.5);
  EXPECT_EQ(Sample(families, "galaos_updater_step_duration_seconds_sum",
                   {{"type", "docker"}, {"step", "pull"}}),
            2.25);
  EXPECT_EQ(Sample(families, "galaos_updater_rollbacks", {{"type", "code"}}), 2.0);
  EXPECT_EQ(Sample(families, "galaos_updater_rollbacks", {{"type", "docker"}}), 1.0);
  EXPECT_EQ(Sample(families, "galaos_updater_rollbacks", {{"type", "manual"}}), 1.0);
  EXPECT_EQ(Sample(families, "galaos_updater_notifications_pending", {{"sink", "slack"}}), 3.0);
  EXPECT_EQ(Sample(families, "galaos_updater_updates_available", {{"kind", "code"}}), 1.0);
  EXPECT_EQ(Sample(families, "galaos_updater_updates_available", {{"kind", "docker"}}), 2.0);
}

// Before the daemon checked, nothing is said about available updates; a check of one kind
// says nothing about the other.
TEST(MetricsTest, AvailableUpdatesAreOnlyReportedAsTheLastCheckFoundThem) {
  service::LastUpdateCheck last_check;
  Metrics metrics(
      {}, [&] { return AppGauges{.available = last_check.Get()}; }, kStart);
  EXPECT_TRUE(Family(Parse(metrics.Render()), "galaos_updater_updates_available").is_null());
  last_check.RecordCode(release::UpdateCheck());  // nothing available
  json families = Parse(metrics.Render());
  EXPECT_EQ(Sample(families, "galaos_updater_updates_available", {{"kind", "code"}}), 0.0);
  EXPECT_TRUE(Sample(families, "galaos_updater_updates_available", {{"kind", "docker"}}).is_null());

  last_check.RecordContainers(
      std::vector<docker::ContainerImageCheck>{{.container = "web", .update_available = true},
                                               {.container = "db", .update_available = true},
                                               {.container = "cache", .update_available = false}});
  families = Parse(metrics.Render());
  EXPECT_EQ(Sample(families, "galaos_updater_updates_available", {{"kind", "code"}}), 0.0);
  EXPECT_EQ(Sample(families, "galaos_updater_updates_available", {{"kind", "docker"}}), 2.0);
}

TEST(MetricsTest, EveryFamilyHasOneHelpAndOneTypeLineBeforeItsSamples) {
  Metrics metrics({"systemUpdates.getCurrentVersion"}, SomeGauges, kStart);
  metrics.RecordCall("systemUpdates.getCurrentVersion", "OK", std::chrono::milliseconds(1));
  const std::string text = metrics.Render();
  std::set<std::string> helped, typed;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    ASSERT_FALSE(line.empty());
    if (line.starts_with("# HELP ")) {
      EXPECT_TRUE(helped.insert(line.substr(7, line.find(' ', 7) - 7)).second) << line;
    } else if (line.starts_with("# TYPE ")) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(helped.contains(name)) << "TYPE before HELP: " << line;
      EXPECT_TRUE(typed.insert(name).second) << line;
    } else {
      std::string name = line.substr(0, line.find_first_of("{ "));
      for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
        if (!typed.contains(name) && name.ends_with(suffix)) {
          name.resize(name.size() - suffix.size());
        }
      }
      EXPECT_TRUE(typed.contains(name)) << "sample before its TYPE: " << line;
    }
  }
  EXPECT_TRUE(text.ends_with("\n"));
}

TEST(MetricsTest, LabelValuesAreEscapedAndReadBackUnchanged) {
  EXPECT_EQ(EscapeLabelValue(R"(a"b\c)"
                             "\nd"),
            R"(a\"b\\c\nd)");
  const std::string odd = "1.0.0 \"quoted\" back\\slash\nnew line";
  Metrics metrics(
      {}, [&] { return AppGauges{.app_version = odd}; }, kStart);
  const json families = Parse(metrics.Render());
  EXPECT_EQ(Sample(families, "galaos_updater_app_version_info", {{"version", odd}}), 1.0);
}

TEST(MetricsTest, AStoreOrVersionThatCannotBeReadIsAScrapeErrorNotAFailedScrape) {
  Metrics metrics(
      {},
      [] {
        return AppGauges{.transactions = MakeError(ErrorCode::kUnavailable, "database is locked"),
                         .app_version = MakeError(ErrorCode::kNotFound, "no package.json")};
      },
      kStart);
  const json families = Parse(metrics.Render());
  EXPECT_EQ(Sample(families, "galaos_updater_scrape_error"), 1.0);
  EXPECT_TRUE(Family(families, "galaos_updater_app_version_info").is_null());
  EXPECT_EQ(Sample(families, "process_start_time_seconds"), 1'700'000'000.0);
}

}  // namespace
}  // namespace galaos::api
