#include "api/EventHub.h"

#include <fmt/format.h>

#include <algorithm>

namespace galaos::api {

std::string FormatSse(const StreamEvent& event) {
  // dump() escapes newlines inside strings, so the data is always one SSE line.
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", event.id, event.type,
                     event.data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

EventHub::EventHub(std::size_t history, std::size_t queue_limit)
    : history_limit_(history), queue_limit_(std::max<std::size_t>(queue_limit, 1)) {}

void EventHub::Publish(std::string type, nlohmann::json data) {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  StreamEvent event{.id = next_id_++, .type = std::move(type), .data = std::move(data)};
  std::erase_if(subscribers_, [&](const std::weak_ptr<Subscription>& weak) {
    std::shared_ptr<Subscription> subscriber = weak.lock();
    if (!subscriber) return true;
    {
      std::lock_guard queue_lock(subscriber->mutex_);
      if (subscriber->queue_.size() >= queue_limit_) {
        subscriber->queue_.pop_front();
        ++subscriber->dropped_;
      }
      subscriber->queue_.push_back(event);
    }
    subscriber->changed_.notify_all();
    return false;
  });
  history_.push_back(std::move(event));
  if (history_.size() > history_limit_) history_.pop_front();
}

std::shared_ptr<EventHub::Subscription> EventHub::Subscribe(
    std::optional<std::uint64_t> last_event_id) {
  auto subscription = std::make_shared<Subscription>();
  std::lock_guard lock(mutex_);
  if (closed_) {
    subscription->closed_ = true;
    return subscription;
  }
  if (last_event_id) {
    for (const StreamEvent& event : history_) {
      if (event.id > *last_event_id) subscription->queue_.push_back(event);
    }
  }
  subscribers_.push_back(subscription);
  return subscription;
}

void EventHub::Close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (const std::weak_ptr<Subscription>& weak : subscribers_) {
    if (std::shared_ptr<Subscription> subscriber = weak.lock()) {
      {
        std::lock_guard queue_lock(subscriber->mutex_);
        subscriber->closed_ = true;
      }
      subscriber->changed_.notify_all();
    }
  }
  subscribers_.clear();
}

std::size_t EventHub::subscriber_count() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(subscribers_.begin(), subscribers_.end(),
                                                [](const auto& weak) { return !weak.expired(); }));
}

std::optional<StreamEvent> EventHub::Subscription::Next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return closed_ || dropped_ > 0 || !queue_.empty(); });
  if (closed_) return std::nullopt;
  if (dropped_ > 0) {
    // Told before the events that follow the gap; the id is the next event's, minus one.
    StreamEvent notice{.id = queue_.empty() ? 0 : queue_.front().id - 1,
                       .type = "dropped",
                       .data = {{"count", dropped_}}};
    dropped_ = 0;
    return notice;
  }
  if (queue_.empty()) return std::nullopt;
  StreamEvent event = std::move(queue_.front());
  queue_.pop_front();
  return event;
}

bool EventHub::Subscription::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

}  // namespace galaos::api
