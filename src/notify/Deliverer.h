// Deliverer: drains the notification outbox through the sinks, with leases, retries and
// exponential backoff. No loop, no sleep: the daemon calls DeliverDue after it enqueues an
// event and whenever the timer it set from the previous round's next_due fires.
//
// Guarantees: a row is marked delivered only after its sink acknowledged it, and a delivered
// row is never sent again. A process that dies mid-delivery leaves its claimed rows leased;
// they become due again when the lease ends and the next deliverer (this process restarted, or
// another one sharing the store) sends them. So delivery is at-least-once: a crash between a
// receiver's acknowledgement and the store's write resends that one row, with the same event
// id, which receivers use to drop the duplicate. Several deliverers may share one store.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "config/Config.h"
#include "core/Clock.h"
#include "core/Error.h"
#include "notify/Sink.h"
#include "store/Store.h"

namespace galaos::notify {

struct DeliveryPolicy {
  int max_attempts = 8;                    // then the row is failed for good
  std::chrono::seconds retry_backoff{30};  // delay after the first failed attempt
  std::chrono::seconds max_backoff{std::chrono::hours(6)};
  // How long a claimed row stays hidden from other deliverers. A batch's rows are sent one
  // after the other, so the lease must exceed batch_size × the longest attempt
  // (SinkOptions::timeout, 30 s by default); otherwise another deliverer may claim and send a
  // row this one is still about to send.
  std::chrono::milliseconds lease{std::chrono::minutes(5)};
  std::size_t batch_size = 4;  // rows claimed at a time
};

// max_attempts and retry_backoff from the config, the rest default.
DeliveryPolicy PolicyFrom(const config::NotifyConfig& config);

// The wait after the `attempts`-th failed attempt: retry_backoff × 2^(attempts-1), capped at
// max_backoff.
std::chrono::milliseconds RetryDelay(const DeliveryPolicy& policy, int attempts);

struct DeliveryRound {
  int delivered = 0;
  int retrying = 0;  // failed this time, due again later
  int failed = 0;    // failed for good (permanent failure or out of attempts)
  // When the earliest pending row falls due (a retry, another deliverer's lease, a row
  // enqueued meanwhile); nullopt when nothing is pending. Set the next timer for it.
  std::optional<std::chrono::system_clock::time_point> next_due;
};

// Not thread-safe: one thread calls DeliverDue at a time (several deliverers may share a store).
class Deliverer {
 public:
  // `store` and `clock` must outlive the deliverer. A row whose sink is not among `sinks` fails
  // for good ("database" rows need no sink: they are the record).
  Deliverer(store::Store& store, core::Clock& clock, std::vector<std::unique_ptr<Sink>> sinks,
            DeliveryPolicy policy);

  // Claims every row that is due now, in batches, delivers each once and records the outcome.
  // An error means the store failed; rows already claimed are retried when their lease ends.
  // Delivery failures are not errors: they are recorded on their rows and logged.
  Expected<DeliveryRound> DeliverDue();

 private:
  Status DeliverOne(const store::Notification& message, DeliveryRound& round);
  Status Send(const store::Notification& message);

  store::Store& store_;
  core::Clock& clock_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  DeliveryPolicy policy_;
};

}  // namespace galaos::notify
