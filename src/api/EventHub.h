// EventHub: fan-out of live progress (transaction steps, output lines) to the Server-Sent
// Events clients of GET /events. Publishing never blocks the updater: each subscriber has a
// bounded queue, and one that falls behind loses its oldest events and is told how many
// (a "dropped" event). The newest `history` events are replayed to a client that reconnects
// with Last-Event-ID. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace galaos::api {

struct StreamEvent {
  std::uint64_t id = 0;  // increasing from 1
  std::string type;      // the SSE event name: "step", "output", "transaction", "dropped"
  nlohmann::json data;
};

// "id: <id>\nevent: <type>\ndata: <json>\n\n"
std::string FormatSse(const StreamEvent& event);

class EventHub {
 public:
  class Subscription;

  explicit EventHub(std::size_t history = 256, std::size_t queue_limit = 1024);

  void Publish(std::string type, nlohmann::json data);

  // A new subscriber; with `last_event_id`, the retained events after it come first.
  std::shared_ptr<Subscription> Subscribe(std::optional<std::uint64_t> last_event_id = {});

  // Ends every subscription (Next returns nullopt at once); later Subscribe calls get closed
  // subscriptions. For shutdown.
  void Close();

  std::size_t subscriber_count() const;

  class Subscription {
   public:
    // The next event; nullopt after `timeout` without one (send a keep-alive) or when closed.
    std::optional<StreamEvent> Next(std::chrono::milliseconds timeout);
    bool closed() const;

   private:
    friend class EventHub;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<StreamEvent> queue_;
    std::uint64_t dropped_ = 0;
    bool closed_ = false;
  };

 private:
  const std::size_t history_limit_;
  const std::size_t queue_limit_;
  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  bool closed_ = false;
  std::deque<StreamEvent> history_;
  std::vector<std::weak_ptr<Subscription>> subscribers_;
};

}  // namespace galaos::api
