#include "daemon/Daemon.h"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "api/EventHub.h"
#include "api/Metrics.h"
#include "api/Server.h"
#include "api/SystemUpdates.h"
#include "api/Trpc.h"
#include "core/Clock.h"
#include "core/UniqueFd.h"
#include "daemon/SchedulerLoop.h"
#include "daemon/SystemdNotify.h"
#include "service/Docker.h"
#include "service/LastUpdateCheck.h"
#include "service/Services.h"
#include "store/SqliteStore.h"

namespace galaos::daemon {
namespace {

Expected<core::UniqueFd> SignalFd() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, signal);
  if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) {
    return MakeError(ErrorCode::kFailed, "daemon: cannot block signals");
  }
  int fd = signalfd(-1, &signals, SFD_CLOEXEC);
  if (fd < 0) {
    return MakeError(ErrorCode::kFailed, fmt::format("daemon: signalfd: {}", std::strerror(errno)));
  }
  return core::UniqueFd(fd);
}

// When this process started (its first call), for process_start_time_seconds.
std::chrono::system_clock::time_point ProcessStart() {
  static const std::chrono::system_clock::time_point start = std::chrono::system_clock::now();
  return start;
}

// What ended one serving cycle (kEnded: the server, or the work waited for, ended).
enum class Wake { kStop, kReload, kEnded };

// Waits for a signal or for `ended_fd` to become readable, keeping systemd's watchdog fed
// meanwhile, and tells systemd when a reload or a stop begins.
Wake WaitForSignalOr(int signal_fd, int ended_fd, SystemdNotify& systemd) {
  std::array<pollfd, 2> fds{{{signal_fd, POLLIN, 0}, {ended_fd, POLLIN, 0}}};
  while (true) {
    systemd.WatchdogIfDue();
    const std::optional<std::chrono::milliseconds> timeout = systemd.UntilWatchdogDue();
    const int ready =
        poll(fds.data(), fds.size(), timeout ? static_cast<int>(timeout->count()) : -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return Wake::kEnded;
    }
    if (ready == 0) continue;
    if (fds[1].revents != 0) return Wake::kEnded;
    signalfd_siginfo info{};
    if (read(signal_fd, &info, sizeof(info)) != static_cast<ssize_t>(sizeof(info))) continue;
    if (info.ssi_signo == SIGHUP) {
      systemd.Reloading();
      return Wake::kReload;
    }
    spdlog::info("daemon: signal {} received, stopping",
                 strsignal(static_cast<int>(info.ssi_signo)));
    systemd.Stopping();
    return Wake::kStop;
  }
}

Expected<std::unique_ptr<store::Store>> OpenStore(const config::Config& config) {
  if (config.state.store != config::StoreKind::kSqlite) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "state.store = \"postgres\" is not available in this build yet; use sqlite");
  }
  std::filesystem::path path = config.state.dir / store::kDefaultSqliteFileName;
  return WithContext(store::OpenSqliteStore(path, core::SystemClock::Instance()),
                     "state store " + path.string());
}

// Finishes what a killed updater left, code updates first, then Docker updates; an update
// running in another process (the CLI) is not an error here: that process finishes its own
// transaction.
void RecoverAtStart(const config::Config& config, store::Store& store,
                    service::Services& services) {
  Expected<std::vector<code::UpdateResult>> recovered = services.versions().Recover();
  if (!recovered) {
    spdlog::warn("daemon: recovery at start: {}", recovered.error().message());
  } else {
    for (const code::UpdateResult& result : *recovered) {
      spdlog::info("daemon: recovered transaction {}: {}", result.transaction_id,
                   result.final_state);
    }
  }
  Expected<std::vector<docker::DockerUpdateResult>> containers =
      service::RecoverContainerUpdates(config, store);
  if (!containers) {
    spdlog::warn("daemon: recovery of docker updates at start: {}", containers.error().message());
    return;
  }
  for (const docker::DockerUpdateResult& result : *containers) {
    spdlog::info("daemon: recovered transaction {}: {}", result.transaction_id, result.final_state);
  }
}

// Runs `work` on a thread of its own while this thread waits in the signal loop, which feeds
// systemd's watchdog on its timer however long the work stays quiet (a recovery that installs
// and builds for longer than WatchdogSec is alive, not hung). A stop or reload asked meanwhile
// does not cut the work off: it is returned once the work has ended (a stop wins).
std::optional<Wake> RunWhileFeedingTheWatchdog(const std::function<void()>& work, int signal_fd,
                                               SystemdNotify& systemd) {
  core::UniqueFd done(eventfd(0, EFD_CLOEXEC));
  std::jthread worker([&] {
    work();
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(done.get(), &one, sizeof(one));
  });
  std::optional<Wake> asked;
  while (true) {
    const Wake wake = WaitForSignalOr(signal_fd, done.get(), systemd);
    if (wake == Wake::kEnded) return asked;  // `worker` is joined on the way out
    if (asked != Wake::kStop) asked = wake;
  }
}

// One cycle on one configuration: run the schedules and deliver notifications (SchedulerLoop)
// and serve the API, until a signal or a server failure. Tells systemd it is ready once the
// API listens (at once without an API).
Expected<Wake> ServeOnce(const config::Config& config, int signal_fd, const DaemonHooks& hooks,
                         SystemdNotify& systemd) {
  std::unique_ptr<store::Store> store = TRY(OpenStore(config));
  std::unique_ptr<service::Services> services = TRY(service::Services::Make(config, *store));
  if (std::optional<Wake> asked = RunWhileFeedingTheWatchdog(
          [&] { RecoverAtStart(config, *store, *services); }, signal_fd, systemd)) {
    return *asked;
  }
  // What the checks found, the scheduler's and the API's: /metrics reports it.
  service::LastUpdateCheck last_check;
  const std::unique_ptr<SchedulerLoop> scheduler =
      TRY(SchedulerLoop::Start(config, *store, &last_check));
  if (!config.api.enabled) {
    spdlog::info("daemon: api.enabled = false: not listening");
    systemd.Ready();
    core::UniqueFd never(eventfd(0, EFD_CLOEXEC));
    return WaitForSignalOr(signal_fd, never.get(), systemd);
  }

  api::EventHub events;
  // Before the router and the server, so it is destroyed after them: a transaction running
  // in the background is waited for once the API has stopped.
  api::BackgroundTransactions background(&events);
  api::TrpcRouter router;
  api::AddSystemUpdates(router, {.config = config,
                                 .store = *store,
                                 .services = *services,
                                 .events = &events,
                                 .background = &background,
                                 .last_check = &last_check});
  api::Metrics metrics(
      router.Names(), [&] { return api::CollectAppGauges(config, *store, &last_check); },
      ProcessStart());
  router.Observe([&metrics](std::string_view path, std::string_view code,
                            std::chrono::duration<double> duration) {
    metrics.RecordCall(path, code, duration);
  });
  api::ApiServer server(config.api, *store, router, core::SystemClock::Instance(), &events,
                        &metrics);
  const int port = TRY(server.Bind());
  const std::string address = fmt::format("{}:{}", config.api.listen.host, port);
  spdlog::info("daemon: API listening on {}://{}", config.api.tls_cert.empty() ? "http" : "https",
               address);
  if (hooks.on_listening) hooks.on_listening(address);
  systemd.Ready();

  core::UniqueFd ended(eventfd(0, EFD_CLOEXEC));
  Status served;
  std::jthread serving([&] {
    served = server.Serve();
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(ended.get(), &one, sizeof(one));
  });
  Wake wake = WaitForSignalOr(signal_fd, ended.get(), systemd);
  server.Stop();
  serving.join();
  if (wake == Wake::kEnded && !served) return std::unexpected(served.error());
  return wake;
}

}  // namespace

Status Run(const config::LoadOptions& load, const DaemonHooks& hooks) {
  ProcessStart();
  core::UniqueFd signal_fd = TRY(SignalFd());
  config::Config config = TRY(config::Load(load));
  SystemdNotify systemd;
  while (true) {
    Wake wake = TRY(ServeOnce(config, signal_fd.get(), hooks, systemd));
    if (wake != Wake::kReload) {
      return wake == Wake::kStop ? Status{}
                                 : MakeError(ErrorCode::kFailed, "daemon: the API server stopped");
    }
    Expected<config::Config> reloaded = config::Load(load);
    if (!reloaded) {
      spdlog::error("daemon: SIGHUP: the new configuration is invalid, keeping the old one: {}",
                    reloaded.error().message());
    } else {
      spdlog::info("daemon: SIGHUP: configuration reloaded");
      config = std::move(*reloaded);
    }
  }
}

}  // namespace galaos::daemon
