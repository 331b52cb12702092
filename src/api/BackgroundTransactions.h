// BackgroundTransactions: long mutations called with `wait: false`. The transaction runs on a
// thread of its own, one at a time, and Start answers as soon as it is journaled with
// {transactionId}; its steps and output go to the EventHub like any other, followed by a
// "transaction" event {id, state, success} when it ends. What keeps a transaction from
// starting (another one holds the update lock, a bad argument) is still Start's error, and
// work that ends without a transaction (already up to date) is answered with its result.
// Thread-safe. The destructor waits for the running transaction: it must not be cut off.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "api/EventHub.h"
#include "code/VersionManager.h"
#include "core/Error.h"

namespace galaos::api {

class BackgroundTransactions {
 public:
  // Runs the transaction; must call `on_started` with its id once it is journaled.
  using Work = std::function<Expected<code::UpdateResult>(
      std::function<void(const std::string& transaction_id)> on_started)>;

  explicit BackgroundTransactions(EventHub* events = nullptr) : events_(events) {}
  ~BackgroundTransactions();
  BackgroundTransactions(const BackgroundTransactions&) = delete;
  BackgroundTransactions& operator=(const BackgroundTransactions&) = delete;

  // kConflict while a transaction started here is still running.
  Expected<nlohmann::json> Start(Work work);

 private:
  EventHub* events_;
  std::mutex mutex_;  // one Start at a time
  std::atomic<bool> running_{false};
  std::jthread thread_;
};

}  // namespace galaos::api
