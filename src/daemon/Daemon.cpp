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
#include <memory>
#include <optional>
#include <thread>

#include "api/EventHub.h"
#include "api/Server.h"
#include "api/SystemUpdates.h"
#include "api/Trpc.h"
#include "core/Clock.h"
#include "core/UniqueFd.h"
#include "service/Docker.h"
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

// What ended one serving cycle.
enum class Wake { kStop, kReload, kServerEnded };

Wake WaitForSignalOr(int signal_fd, int ended_fd) {
  std::array<pollfd, 2> fds{{{signal_fd, POLLIN, 0}, {ended_fd, POLLIN, 0}}};
  while (true) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return Wake::kServerEnded;
    }
    if (fds[1].revents != 0) return Wake::kServerEnded;
    signalfd_siginfo info{};
    if (read(signal_fd, &info, sizeof(info)) != static_cast<ssize_t>(sizeof(info))) continue;
    if (info.ssi_signo == SIGHUP) return Wake::kReload;
    spdlog::info("daemon: signal {} received, stopping",
                 strsignal(static_cast<int>(info.ssi_signo)));
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

// One cycle on one configuration: serve until a signal or a server failure.
Expected<Wake> ServeOnce(const config::Config& config, int signal_fd, const DaemonHooks& hooks) {
  std::unique_ptr<store::Store> store = TRY(OpenStore(config));
  std::unique_ptr<service::Services> services = TRY(service::Services::Make(config, *store));
  RecoverAtStart(config, *store, *services);
  if (!config.api.enabled) {
    spdlog::info("daemon: api.enabled = false: not listening");
    core::UniqueFd never(eventfd(0, EFD_CLOEXEC));
    return WaitForSignalOr(signal_fd, never.get());
  }

  api::EventHub events;
  api::TrpcRouter router;
  api::AddSystemUpdates(
      router, {.config = config, .store = *store, .services = *services, .events = &events});
  api::ApiServer server(config.api, *store, router, core::SystemClock::Instance(), &events);
  const int port = TRY(server.Bind());
  const std::string address = fmt::format("{}:{}", config.api.listen.host, port);
  spdlog::info("daemon: API listening on {}://{}", config.api.tls_cert.empty() ? "http" : "https",
               address);
  if (hooks.on_listening) hooks.on_listening(address);

  core::UniqueFd ended(eventfd(0, EFD_CLOEXEC));
  Status served;
  std::jthread serving([&] {
    served = server.Serve();
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(ended.get(), &one, sizeof(one));
  });
  Wake wake = WaitForSignalOr(signal_fd, ended.get());
  server.Stop();
  serving.join();
  if (wake == Wake::kServerEnded && !served) return std::unexpected(served.error());
  return wake;
}

}  // namespace

Status Run(const config::LoadOptions& load, const DaemonHooks& hooks) {
  core::UniqueFd signal_fd = TRY(SignalFd());
  config::Config config = TRY(config::Load(load));
  while (true) {
    Wake wake = TRY(ServeOnce(config, signal_fd.get(), hooks));
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
