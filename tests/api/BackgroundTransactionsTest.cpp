// BackgroundTransactions: what Start answers for work that starts one transaction, several, or
// none, and the events a client of /events sees. The work blocks on the test's own signals, so
// nothing depends on timing.
#include <gtest/gtest.h>

#include <future>

#include "api/BackgroundTransactions.h"
#include "support/Assertions.h"

namespace galaos::api {
namespace {

using nlohmann::json;

// The events published so far, as {type, data} pairs.
std::vector<json> Published(EventHub& events) {
  std::vector<json> out;
  auto subscription = events.Subscribe(0);
  while (auto event = subscription->Next(std::chrono::milliseconds(0))) {
    out.push_back({event->type, event->data});
  }
  return out;
}

TEST(BackgroundTransactionsTest, AnswersTheFirstTransactionAndEndsWithOneEventForTheWholeWork) {
  EventHub events;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> ended;
  {
    BackgroundTransactions background(&events);
    ASSERT_OK_AND_ASSIGN(json answer, background.Start([&](const auto& on_started) {
      on_started("tx-code");
      released.wait();
      on_started("tx-docker");  // a full update's second transaction
      ended.set_value();
      return Expected<json>(
          json{{"success", false},
               {"code", {{"success", true}, {"errors", json::array()}}},
               {"docker", {{"success", false}, {"errors", {"web: registry unreachable"}}}}});
    }));
    EXPECT_EQ(answer, json({{"transactionId", "tx-code"}}));

    // Another one meanwhile is refused at once.
    Expected<json> second = background.Start([](const auto&) { return Expected<json>(json()); });
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code(), ErrorCode::kConflict);
    release.set_value();
    ended.get_future().wait();
  }  // waits for the work's end
  EXPECT_EQ(Published(events),
            (std::vector<json>{{"transaction", {{"id", "tx-code"}, {"state", "started"}}},
                               {"transaction", {{"id", "tx-docker"}, {"state", "started"}}},
                               {"transaction",
                                {{"id", "tx-code"},
                                 {"state", "Failed"},
                                 {"success", false},
                                 {"errors", {"web: registry unreachable"}}}}}));
}

TEST(BackgroundTransactionsTest, WorkThatStartsNoTransactionIsAnsweredWithItsResultOrError) {
  EventHub events;
  BackgroundTransactions background(&events);
  ASSERT_OK_AND_ASSIGN(json nothing_newer, background.Start([](const auto&) {
    return Expected<json>(json{{"success", true}, {"transactionId", nullptr}});
  }));
  EXPECT_EQ(nothing_newer, json({{"success", true}, {"transactionId", nullptr}}));
  Expected<json> refused = background.Start([](const auto&) -> Expected<json> {
    return MakeError(ErrorCode::kInvalidArgument, "Docker support is off");
  });
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message(), "Docker support is off");
  EXPECT_TRUE(Published(events).empty());
}

TEST(BackgroundTransactionsTest, TheEndEventTakesTheResultsStateWhenItHasOne) {
  EventHub events;
  {
    BackgroundTransactions background(&events);
    ASSERT_OK(background.Start([](const auto& on_started) {
      on_started("tx-1");
      return Expected<json>(json{{"success", true}, {"state", "Succeeded"}});
    }));
  }
  EXPECT_EQ(Published(events).back(), json({"transaction",
                                            {{"id", "tx-1"},
                                             {"state", "Succeeded"},
                                             {"success", true},
                                             {"errors", json::array()}}}));
}

TEST(BackgroundTransactionsTest, TheEndEventCollectsATriggeredRunsErrorsOrItsSummary) {
  const std::vector<json> results = {
      {{"success", false},
       {"summary", "docker update RolledBack"},
       {"docker", {{"update", {{"errors", {"web: not healthy within 60 s"}}}}}}},
      {{"success", false}, {"summary", "check failed: no network"}},
  };
  std::vector<json> errors;
  for (const json& result : results) {
    EventHub events;
    {
      BackgroundTransactions background(&events);
      ASSERT_OK(background.Start([&](const auto& on_started) {
        on_started("tx-1");
        return Expected<json>(result);
      }));
    }  // waits for the work's end
    errors.push_back(Published(events).back()[1]["errors"]);
  }
  EXPECT_EQ(errors, (std::vector<json>{json{"web: not healthy within 60 s"},
                                       json{"check failed: no network"}}));
}

TEST(BackgroundTransactionsTest, TheEndEventOfWorkThatFailedAfterItsTransactionCarriesTheError) {
  EventHub events;
  {
    BackgroundTransactions background(&events);
    ASSERT_OK(background.Start([](const auto& on_started) -> Expected<json> {
      on_started("tx-1");
      return MakeError(ErrorCode::kUnavailable, "the Docker engine went away");
    }));
  }
  EXPECT_EQ(Published(events).back(), json({"transaction",
                                            {{"id", "tx-1"},
                                             {"state", "Failed"},
                                             {"success", false},
                                             {"errors", {"the Docker engine went away"}}}}));
}

}  // namespace
}  // namespace galaos::api
