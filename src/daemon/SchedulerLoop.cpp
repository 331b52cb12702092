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

// Whether the pending inotify events touch the store's database or its WAL.
bool StoreChanged(int inotify_fd) {
  alignas(inotify_event) std::array<char, 4096> buffer;
  bool changed = false;
  ssize_t n;
  while ((n = read(inotify_fd, buffer.data(), buffer.size())) > 0) {
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
      const std::string_view name(event->len > 0 ? event->name : "");
      if (name == store::kDefaultSqliteFileName ||
          name == std::string(store::kDefaultSqliteFileName) + "-wal") {
        changed = true;
      }
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
  return changed;
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
  core::WallTimer schedule_timer;
  core::WallTimer delivery_timer;
  core::UniqueFd store_watch;
  core::UniqueFd stop;
  std::optional<store::TimePoint> schedule_wake{};
  std::optional<store::TimePoint> delivery_wake{};
  std::jthread thread{};  // last: started once everything else exists

  // Logs a failed step and retries it later instead of spinning on it.
  std::optional<store::TimePoint> AfterFailure(const Error& error, std::string_view what) {
    spdlog::error("scheduler: {}: {}", what, error.message());
    return clock.Now() + kRetryAfterFailure;
  }

  void Schedule(const Status& status, std::string_view what) {
    schedule_wake = status ? scheduler->NextWake() : AfterFailure(status.error(), what);
  }

  void Deliver() {
    Expected<notify::DeliveryRound> round = deliverer->DeliverDue();
    delivery_wake = round ? round->next_due : AfterFailure(round.error(), "delivering");
  }

  void StoreUpdated() {
    Schedule(scheduler->Refresh(), "reading the schedules");
    Expected<std::optional<store::TimePoint>> due = store.NextNotificationDue();
    delivery_wake = due ? *due : AfterFailure(due.error(), "reading the outbox");
  }

  // One wake of the schedule timer.
  void OnScheduleTimer() {
    Expected<core::WallTimer::Wake> wake = schedule_timer.Read();
    if (!wake) return Schedule(std::unexpected(wake.error()), "schedule timer");
    if (*wake == core::WallTimer::Wake::kNone) return;
    if (*wake == core::WallTimer::Wake::kClockChanged) {
      // Both timers were cancelled; the delivery one is re-armed from the new time too.
      if (Status changed = scheduler->ClockChanged(); !changed) {
        return Schedule(changed, "recomputing after a clock change");
      }
    }
    Expected<int> ran = scheduler->RunDue();
    Schedule(ran ? Status{} : Status(std::unexpected(ran.error())), "running schedules");
  }

  void Loop() {
    while (true) {
      for (auto [timer, at] :
           {std::pair{&schedule_timer, schedule_wake}, std::pair{&delivery_timer, delivery_wake}}) {
        if (Status armed = timer->Arm(at); !armed) spdlog::error("{}", armed.error().message());
      }
      std::array<pollfd, 4> fds{{{stop.get(), POLLIN, 0},
                                 {schedule_timer.fd(), POLLIN, 0},
                                 {delivery_timer.fd(), POLLIN, 0},
                                 {store_watch.get(), POLLIN, 0}}};
      if (poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        spdlog::error("scheduler: poll: {}", std::strerror(errno));
        return;
      }
      if (fds[0].revents != 0) return;
      if (fds[1].revents != 0) OnScheduleTimer();
      if (fds[2].revents != 0) {
        Expected<core::WallTimer::Wake> wake = delivery_timer.Read();
        if (!wake || *wake != core::WallTimer::Wake::kNone) Deliver();
      }
      if (fds[3].revents != 0 && StoreChanged(store_watch.get())) StoreUpdated();
    }
  }
};

Expected<std::unique_ptr<SchedulerLoop>> SchedulerLoop::Start(const config::Config& config,
                                                              store::Store& store) {
  core::Clock& clock = core::SystemClock::Instance();
  if (TRY(schedule::ScheduleService(store, clock).SeedDefaults(config.schedule))) {
    spdlog::info("scheduler: first start: created the default schedules");
  }
  auto services = TRY(service::Services::Make(config, store));
  auto runner = std::make_unique<service::UpdateRunner>(config, store, *services, clock);
  auto scheduler = std::make_unique<schedule::UpdateScheduler>(
      store, clock, *runner,
      schedule::SchedulerOptions{.auto_update = config.schedule.auto_update,
                                 .run_missed = config.schedule.run_missed,
                                 .jitter = config.schedule.jitter});
  TRY(scheduler->Start());
  core::UniqueFd watch = TRY(MakeFd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC), "inotify"));
  if (inotify_add_watch(watch.get(), config.state.dir.c_str(),
                        IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
    return MakeError(ErrorCode::kIo, fmt::format("scheduler: watching {}: {}",
                                                 config.state.dir.string(), std::strerror(errno)));
  }
  auto state = std::unique_ptr<State>(new State{
      .config = config,
      .store = store,
      .clock = clock,
      .services = std::move(services),
      .runner = std::move(runner),
      .scheduler = std::move(scheduler),
      .deliverer = std::make_unique<notify::Deliverer>(
          store, clock, notify::MakeSinks(config.notify, clock), notify::PolicyFrom(config.notify)),
      .schedule_timer = TRY(core::WallTimer::Create()),
      .delivery_timer = TRY(core::WallTimer::Create()),
      .store_watch = std::move(watch),
      .stop = TRY(MakeFd(eventfd(0, EFD_CLOEXEC), "eventfd")),
  });
  state->schedule_wake = state->scheduler->NextWake();
  state->delivery_wake = clock.Now();  // deliver what is due from before the start
  spdlog::info("scheduler: started; next run {}",
               state->schedule_wake ? core::FormatIsoUtc(*state->schedule_wake) : "none");
  State* raw = state.get();
  state->thread = std::jthread([raw] { raw->Loop(); });
  return std::unique_ptr<SchedulerLoop>(new SchedulerLoop(std::move(state)));
}

SchedulerLoop::SchedulerLoop(std::unique_ptr<State> state) : state_(std::move(state)) {}

SchedulerLoop::~SchedulerLoop() {
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(state_->stop.get(), &one, sizeof(one));
  state_->thread.join();
}

}  // namespace galaos::daemon
