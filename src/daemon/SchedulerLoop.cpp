#include "daemon/SchedulerLoop.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

#include "core/Clock.h"
#include "core/Time.h"
#include "core/UniqueFd.h"
#include "core/WallTimer.h"
#include "notify/Deliverer.h"
#include "notify/Sinks.h"
#include "schedule/ScheduleService.h"
#include "schedule/UpdateScheduler.h"
#include "service/Services.h"
#include "store/SqliteStore.h"
#include "store/UpdateLock.h"

namespace galaos::daemon {
namespace {

// After a store failure in the loop, the next attempt.
constexpr std::chrono::seconds kRetryAfterFailure{30};

Expected<core::UniqueFd> MakeFd(int fd, std::string_view what) {
  if (fd < 0) {
    return MakeError(ErrorCode::kIo, fmt::format("scheduler: {}: {}", what, std::strerror(errno)));
  }
  return core::UniqueFd(fd);
}

struct StateDirChanges {
  bool store = false;  // the store's database or its WAL was written
  bool lock = false;   // update.lock was closed after writing: its holder may have let go
};

// What the pending inotify events of the state directory say.
StateDirChanges ReadChanges(int inotify_fd) {
  alignas(inotify_event) std::array<char, 4096> buffer;
  StateDirChanges changes;
  ssize_t n;
  while ((n = read(inotify_fd, buffer.data(), buffer.size())) > 0) {
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
      const std::string_view name(event->len > 0 ? event->name : "");
      if (name == store::kDefaultSqliteFileName ||
          name == std::string(store::kDefaultSqliteFileName) + "-wal") {
        changes.store = true;
      }
      if (name == store::kUpdateLockFileName && (event->mask & IN_CLOSE_WRITE) != 0) {
        changes.lock = true;
      }
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
  return changes;
}

// One thread's timer, store watch and next wake.
struct TimedLoop {
  core::WallTimer timer;
  core::UniqueFd store_watch;
  std::optional<store::TimePoint> wake{};
};

Expected<core::UniqueFd> WatchStore(const std::filesystem::path& state_dir) {
  core::UniqueFd watch = TRY(MakeFd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC), "inotify"));
  // IN_CLOSE_WRITE: a lock holder closes update.lock when it lets go, and the kernel closes
  // it for a holder that died.
  if (inotify_add_watch(watch.get(), state_dir.c_str(),
                        IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
    return MakeError(ErrorCode::kIo, fmt::format("scheduler: watching {}: {}", state_dir.string(),
                                                 std::strerror(errno)));
  }
  return watch;
}

Expected<TimedLoop> MakeTimedLoop(const std::filesystem::path& state_dir) {
  return TimedLoop{.timer = TRY(core::WallTimer::Create()),
                   .store_watch = TRY(WatchStore(state_dir))};
}

}  // namespace

struct SchedulerLoop::State {
  const config::Config& config;
  store::Store& store;
  core::Clock& clock = core::SystemClock::Instance();
  std::unique_ptr<service::Services> services;
  std::unique_ptr<service::UpdateRunner> runner;
  std::unique_ptr<schedule::UpdateScheduler> scheduler;
  std::unique_ptr<notify::Deliverer> deliverer;
  TimedLoop scheduling;            // the schedule thread's
  TimedLoop delivery;              // the delivery thread's
  core::UniqueFd stop;             // readable once stopped; both threads poll it, neither reads it
  std::jthread schedule_thread{};  // last: started once everything else exists
  std::jthread delivery_thread{};

  // Logs a failed step and retries it later instead of spinning on it.
  std::optional<store::TimePoint> AfterFailure(const Error& error, std::string_view what) {
    spdlog::error("scheduler: {}: {}", what, error.message());
    return clock.Now() + kRetryAfterFailure;
  }

  // ---- the schedule thread ----

  void Schedule(const Status& status, std::string_view what) {
    scheduling.wake = status ? scheduler->NextWake() : AfterFailure(status.error(), what);
  }

  void SchedulesChanged() { Schedule(scheduler->Refresh(), "reading the schedules"); }

  // update.lock was closed after writing; queued runs start if no one holds it now. Probing
  // opens it read-only, so the probe itself raises no event (no busy loop while it is held).
  void LockMayBeFree() {
    if (!store::RefuseWhileUpdating(config.state.dir)) return;
    Expected<int> ran = scheduler->LockReleased();
    Schedule(ran ? Status{} : Status(std::unexpected(ran.error())), "running queued schedules");
  }

  // One wake of the schedule timer.
  void OnScheduleTimer() {
    Expected<core::WallTimer::Wake> wake = scheduling.timer.Read();
    if (!wake) return Schedule(std::unexpected(wake.error()), "schedule timer");
    if (*wake == core::WallTimer::Wake::kNone) return;
    if (*wake == core::WallTimer::Wake::kClockChanged) {
      // The delivery timer was cancelled too: its thread re-arms it from the new time.
      if (Status changed = scheduler->ClockChanged(); !changed) {
        return Schedule(changed, "recomputing after a clock change");
      }
    }
    Expected<int> ran = scheduler->RunDue();
    Schedule(ran ? Status{} : Status(std::unexpected(ran.error())), "running schedules");
  }

  // ---- the delivery thread ----

  void Deliver() {
    Expected<notify::DeliveryRound> round = deliverer->DeliverDue();
    delivery.wake = round ? round->next_due : AfterFailure(round.error(), "delivering");
  }

  void OutboxChanged() {
    Expected<std::optional<store::TimePoint>> due = store.NextNotificationDue();
    delivery.wake = due ? *due : AfterFailure(due.error(), "reading the outbox");
  }

  void OnDeliveryTimer() {
    Expected<core::WallTimer::Wake> wake = delivery.timer.Read();
    if (!wake || *wake != core::WallTimer::Wake::kNone) Deliver();
  }

  // One thread's poll loop, until `stop` is readable: `loop`'s timer armed at its wake,
  // `on_timer` when it fires, `on_store_changed` when the store's files changed,
  // `on_lock_closed` (when given) when update.lock was closed after writing.
  void Loop(TimedLoop& loop, void (State::*on_timer)(), void (State::*on_store_changed)(),
            void (State::*on_lock_closed)() = nullptr) {
    while (true) {
      if (Status armed = loop.timer.Arm(loop.wake); !armed) {
        spdlog::error("{}", armed.error().message());
      }
      std::array<pollfd, 3> fds{{{stop.get(), POLLIN, 0},
                                 {loop.timer.fd(), POLLIN, 0},
                                 {loop.store_watch.get(), POLLIN, 0}}};
      if (poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        spdlog::error("scheduler: poll: {}", std::strerror(errno));
        return;
      }
      if (fds[0].revents != 0) return;
      if (fds[1].revents != 0) (this->*on_timer)();
      if (fds[2].revents == 0) continue;
      const StateDirChanges changes = ReadChanges(loop.store_watch.get());
      if (changes.store) (this->*on_store_changed)();
      if (changes.lock && on_lock_closed != nullptr) (this->*on_lock_closed)();
    }
  }
};

Expected<std::unique_ptr<SchedulerLoop>> SchedulerLoop::Start(
    const config::Config& config, store::Store& store, service::LastUpdateCheck* last_check) {
  core::Clock& clock = core::SystemClock::Instance();
  if (TRY(schedule::ScheduleService(store, clock).SeedDefaults(config.schedule))) {
    spdlog::info("scheduler: first start: created the default schedules");
  }
  auto services = TRY(service::Services::Make(config, store));
  auto runner = std::make_unique<service::UpdateRunner>(config, store, *services, clock,
                                                        service::DockerApplier{}, last_check);
  auto scheduler = std::make_unique<schedule::UpdateScheduler>(
      store, clock, *runner,
      schedule::SchedulerOptions{.auto_update = config.schedule.auto_update,
                                 .run_missed = config.schedule.run_missed,
                                 .jitter = config.schedule.jitter});
  TRY(scheduler->Start());
  auto state = std::unique_ptr<State>(new State{
      .config = config,
      .store = store,
      .clock = clock,
      .services = std::move(services),
      .runner = std::move(runner),
      .scheduler = std::move(scheduler),
      .deliverer = std::make_unique<notify::Deliverer>(
          store, clock, notify::MakeSinks(config.notify, clock), notify::PolicyFrom(config.notify)),
      .scheduling = TRY(MakeTimedLoop(config.state.dir)),
      .delivery = TRY(MakeTimedLoop(config.state.dir)),
      .stop = TRY(MakeFd(eventfd(0, EFD_CLOEXEC), "eventfd")),
  });
  state->scheduling.wake = state->scheduler->NextWake();
  state->delivery.wake = clock.Now();  // deliver what is due from before the start
  spdlog::info("scheduler: started; next run {}",
               state->scheduling.wake ? core::FormatIsoUtc(*state->scheduling.wake) : "none");
  State* raw = state.get();
  state->schedule_thread = std::jthread([raw] {
    raw->Loop(raw->scheduling, &State::OnScheduleTimer, &State::SchedulesChanged,
              &State::LockMayBeFree);
  });
  state->delivery_thread = std::jthread(
      [raw] { raw->Loop(raw->delivery, &State::OnDeliveryTimer, &State::OutboxChanged); });
  return std::unique_ptr<SchedulerLoop>(new SchedulerLoop(std::move(state)));
}

SchedulerLoop::SchedulerLoop(std::unique_ptr<State> state) : state_(std::move(state)) {}

SchedulerLoop::~SchedulerLoop() {
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(state_->stop.get(), &one, sizeof(one));
  state_->schedule_thread.join();
  state_->delivery_thread.join();
}

}  // namespace galaos::daemon
