// SchedulerLoop: the daemon's two background threads, each one poll loop with timers and no
// sleeps, both stopped by one eventfd:
//   - the schedule thread: a wall-clock timer (core::WallTimer) for the UpdateScheduler's next
//     wake (a wall-clock jump wakes it with ECANCELED and the scheduler recomputes its next
//     runs) and an inotify watch on the state store's files, so schedules written by the CLI
//     or the API are seen at once. Runs execute on it one after the other (one update at a
//     time in the daemon).
//   - the delivery thread: a wall-clock timer for the notification outbox's next due row
//     (notify::Deliverer) and its own inotify watch, so a notification enqueued by any process
//     — or by a run on the schedule thread, like an update's update_started — is delivered at
//     once, while that update is still running.
// The API keeps serving on its own thread. At start it seeds the default schedules (first
// start only) and lets missed runs run once.
#pragma once

#include <memory>

#include "config/Config.h"
#include "core/Error.h"
#include "service/UpdateRunner.h"
#include "store/Store.h"

namespace galaos::daemon {

class SchedulerLoop {
 public:
  // `config`, `store` and `last_check` must outlive the loop; the runs' checks are recorded
  // in `last_check` (when given), as the API's are. Fails when the default schedules or the
  // stored ones cannot be read, or a timer cannot be created.
  static Expected<std::unique_ptr<SchedulerLoop>> Start(
      const config::Config& config, store::Store& store,
      service::LastUpdateCheck* last_check = nullptr);
  // Stops the threads; a run or a delivery in progress finishes first.
  ~SchedulerLoop();

 private:
  struct State;
  explicit SchedulerLoop(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace galaos::daemon
