#include <gtest/gtest.h>

#include <thread>

#include "api/EventHub.h"

namespace galaos::api {
namespace {

using std::chrono::milliseconds;

TEST(EventHub, SubscribersReceiveEventsInOrderWithIncreasingIds) {
  EventHub hub;
  auto subscription = hub.Subscribe();
  hub.Publish("step", {{"step", "fetch"}});
  hub.Publish("output", {{"line", "npm ci"}});
  std::optional<StreamEvent> first = subscription->Next(milliseconds(100));
  std::optional<StreamEvent> second = subscription->Next(milliseconds(100));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->id, 1u);
  EXPECT_EQ(first->type, "step");
  EXPECT_EQ(second->id, 2u);
  EXPECT_EQ(second->data["line"], "npm ci");
  EXPECT_EQ(subscription->Next(milliseconds(10)), std::nullopt);  // nothing more: keep-alive
}

TEST(EventHub, NextWakesUpWhenAnEventIsPublishedFromAnotherThread) {
  EventHub hub;
  auto subscription = hub.Subscribe();
  std::jthread publisher([&] {
    std::this_thread::sleep_for(milliseconds(50));
    hub.Publish("step", {{"step", "build"}});
  });
  std::optional<StreamEvent> event = subscription->Next(std::chrono::seconds(10));
  ASSERT_TRUE(event);
  EXPECT_EQ(event->data["step"], "build");
}

TEST(EventHub, AReconnectingClientGetsTheRetainedEventsAfterItsLastId) {
  EventHub hub(/*history=*/3);
  for (int i = 1; i <= 5; ++i) hub.Publish("output", {{"n", i}});
  auto subscription = hub.Subscribe(/*last_event_id=*/3);
  std::optional<StreamEvent> fourth = subscription->Next(milliseconds(10));
  std::optional<StreamEvent> fifth = subscription->Next(milliseconds(10));
  ASSERT_TRUE(fourth && fifth);
  EXPECT_EQ(fourth->id, 4u);
  EXPECT_EQ(fifth->id, 5u);
  EXPECT_EQ(subscription->Next(milliseconds(10)), std::nullopt);
}

TEST(EventHub, ASlowSubscriberLosesItsOldestEventsAndIsToldHowMany) {
  EventHub hub(/*history=*/10, /*queue_limit=*/2);
  auto subscription = hub.Subscribe();
  for (int i = 1; i <= 5; ++i) hub.Publish("output", {{"n", i}});
  std::optional<StreamEvent> notice = subscription->Next(milliseconds(10));
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->type, "dropped");
  EXPECT_EQ(notice->data["count"], 3);
  EXPECT_EQ(subscription->Next(milliseconds(10))->data["n"], 4);
  EXPECT_EQ(subscription->Next(milliseconds(10))->data["n"], 5);
}

TEST(EventHub, CloseEndsEverySubscriptionAtOnce) {
  EventHub hub;
  auto subscription = hub.Subscribe();
  std::jthread closer([&] {
    std::this_thread::sleep_for(milliseconds(50));
    hub.Close();
  });
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(subscription->Next(std::chrono::seconds(30)), std::nullopt);
  EXPECT_TRUE(subscription->closed());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  EXPECT_TRUE(hub.Subscribe()->closed());
}

TEST(EventHub, SubscriptionsThatAreGoneAreForgotten) {
  EventHub hub;
  auto kept = hub.Subscribe();
  hub.Subscribe();  // dropped at once
  hub.Publish("step", {});
  EXPECT_EQ(hub.subscriber_count(), 1u);
}

TEST(FormatSse, OneEventIsIdEventAndOneDataLine) {
  StreamEvent event{.id = 7, .type = "output", .data = {{"line", "a\nb"}}};
  EXPECT_EQ(FormatSse(event), "id: 7\nevent: output\ndata: {\"line\":\"a\\nb\"}\n\n");
}

}  // namespace
}  // namespace galaos::api
