// BackgroundTransactions: long mutations called with `wait: false` (applyCodeUpdate,
// applyDockerUpdate, applyFullUpdate, triggerUpdate, rollback). The work runs on a thread of
// its own, one at a time, and Start answers as soon as its first transaction is journaled with
// {transactionId}; each transaction it starts is a "transaction" event {id, state: "started"},
// its steps and output go to the EventHub like any other, and the work's end is a
// "transaction" event {id (the first), state, success, errors}: errors are the messages of the
// result's `errors` and of its parts' (code, docker, and their `update`), else a failed
// result's summary, or the work's error. What keeps a transaction from
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
#include "core/Error.h"

namespace galaos::api {

class BackgroundTransactions {
 public:
  using OnStarted = std::function<void(const std::string& transaction_id)>;
  // Runs the transaction(s); must call `on_started` with each one's id once it is journaled.
  // Its result is the procedure's output: {success, state?, ...}; without "state" the end
  // event says "Succeeded" or "Failed" after "success".
  using Work = std::function<Expected<nlohmann::json>(OnStarted on_started)>;

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
