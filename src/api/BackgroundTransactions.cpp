#include "api/BackgroundTransactions.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <memory>
#include <optional>

namespace galaos::api {
namespace {

// What Start waits for: the transaction's id, or the work's end without one.
struct Outcome {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<std::string> transaction_id;
  std::optional<Expected<nlohmann::json>> finished;
};

// The end event's errors: the work's error, or the messages in its result's `errors` and in
// those of its parts (a full update's code and docker results, a triggered run's
// code.update and docker.update); a failed result without any: its summary.
nlohmann::json EndErrors(const Expected<nlohmann::json>& result) {
  nlohmann::json errors = nlohmann::json::array();
  if (!result) {
    errors.push_back(result.error().message());
    return errors;
  }
  auto collect = [&](const nlohmann::json& part) {
    if (!part.is_object() || !part.contains("errors") || !part["errors"].is_array()) return;
    for (const nlohmann::json& error : part["errors"]) {
      if (error.is_string()) errors.push_back(error);
    }
  };
  collect(*result);
  if (result->is_object()) {
    for (const auto& [key, part] : result->items()) {
      collect(part);
      if (part.is_object() && part.contains("update")) collect(part["update"]);
    }
    if (errors.empty() && !result->value("success", false) && result->contains("summary") &&
        (*result)["summary"].is_string()) {
      errors.push_back((*result)["summary"]);
    }
  }
  return errors;
}

}  // namespace

BackgroundTransactions::~BackgroundTransactions() {
  if (running_) spdlog::info("api: waiting for the running transaction to finish");
  // thread_ (a jthread) is joined when the members are destroyed, after this body.
}

Expected<nlohmann::json> BackgroundTransactions::Start(Work work) {
  std::lock_guard lock(mutex_);
  if (running_) {
    return MakeError(ErrorCode::kConflict,
                     "a transaction started with wait: false is still running");
  }
  if (thread_.joinable()) thread_.join();  // the previous one has ended, or is about to
  running_ = true;
  auto outcome = std::make_shared<Outcome>();
  thread_ = std::jthread([this, outcome, work = std::move(work)] {
    std::string first_id;
    Expected<nlohmann::json> result = work([&](const std::string& id) {
      if (events_) events_->Publish("transaction", {{"id", id}, {"state", "started"}});
      std::lock_guard started(outcome->mutex);
      if (outcome->transaction_id) return;  // a later transaction of the same work
      first_id = id;
      outcome->transaction_id = id;
      outcome->changed.notify_all();
    });
    // Before the end event: a client that saw it may start the next one at once (Start joins
    // this thread first, so the events keep their order).
    running_ = false;
    if (!first_id.empty() && events_) {
      const bool success = result && result->value("success", false);
      const nlohmann::json state =
          !result ? nlohmann::json("Failed")
                  : result->value("state", nlohmann::json(success ? "Succeeded" : "Failed"));
      events_->Publish("transaction", {{"id", first_id},
                                       {"state", state},
                                       {"success", success},
                                       {"errors", EndErrors(result)}});
    }
    std::lock_guard finished(outcome->mutex);
    outcome->finished = std::move(result);
    outcome->changed.notify_all();
  });
  // mutex_ stays held until the work has started or ended, so Starts are one at a time.
  std::unique_lock wait(outcome->mutex);
  outcome->changed.wait(wait, [&] { return outcome->transaction_id || outcome->finished; });
  if (outcome->transaction_id) return nlohmann::json{{"transactionId", *outcome->transaction_id}};
  if (!*outcome->finished) return std::unexpected(outcome->finished->error());
  return **outcome->finished;
}

}  // namespace galaos::api
