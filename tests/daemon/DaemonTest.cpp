// `galaos-updater serve` as an operator runs it: the real binary, real signals, systemd's
// notify socket, config reloads, and schedules firing on their timers.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../notify/HttpReceiver.h"
#include "DaemonFixture.h"
#include "core/FileLock.h"
#include "core/UniqueFd.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"

namespace galaos::daemon {
namespace {

using nlohmann::json;

// The receiving end of sd_notify(3): a unix datagram socket, as systemd binds for NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
    fd_ = core::UniqueFd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    EXPECT_EQ(bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0)
        << std::strerror(errno);
  }

  // Reads messages until one contains `text` (true), or 60 s pass without one (false).
  bool WaitFor(std::string_view text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd fd{fd_.get(), POLLIN, 0};
      if (poll(&fd, 1, 1000) <= 0) continue;
      std::array<char, 4096> buffer{};
      const ssize_t size = recv(fd_.get(), buffer.data(), buffer.size(), 0);
      if (size <= 0) continue;
      const std::string message(buffer.data(), static_cast<std::size_t>(size));
      received_ += message + "|";
      if (message.find(text) != std::string::npos) return true;
    }
    return false;
  }

  // Reads what was sent so far, without waiting: later WaitFor calls see only newer messages.
  void Drain() {
    std::array<char, 4096> buffer{};
    ssize_t size = 0;
    while ((size = recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT)) > 0) {
      received_ += std::string(buffer.data(), static_cast<std::size_t>(size)) + "|";
    }
  }

  const std::string& received() const { return received_; }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
  core::UniqueFd fd_;
  std::string received_;
};

TEST_F(DaemonTest, ServesTheApiAndExitsCleanlyOnSigterm) {
  const int port = testing::FreePort();
  DaemonProcess daemon(WriteConfig(port));
  ASSERT_TRUE(daemon.WaitForLines(fmt::format("listening on 127.0.0.1:{}", port)))
      << daemon.Output();
  EXPECT_EQ(Healthz(port), 200);
  daemon.Signal(SIGTERM);
  std::optional<core::ProcessResult> result = daemon.WaitForExit();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->exit_code, 0) << result->Describe() << "\n" << daemon.Output();
  EXPECT_NE(Healthz(port), 200);
}

TEST_F(DaemonTest, SighupAppliesAValidNewConfigAndKeepsTheOldOneWhenInvalid) {
  const int first = testing::FreePort();
  DaemonProcess daemon(WriteConfig(first));
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();

  const int second = testing::FreePort();
  WriteConfig(second);
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(daemon.WaitForLines(fmt::format("listening on 127.0.0.1:{}", second)))
      << daemon.Output();
  EXPECT_EQ(Healthz(second), 200);
  EXPECT_NE(Healthz(first), 200);

  ASSERT_TRUE(core::WriteFileAtomic(config_file_, "[api]\nlisten = \"nowhere\"\n").has_value());
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(daemon.WaitForLines("keeping the old one")) << daemon.Output();
  ASSERT_TRUE(daemon.WaitForLines(fmt::format("listening on 127.0.0.1:{}", second), 2))
      << daemon.Output();
  EXPECT_EQ(Healthz(second), 200);
}

// As under a Type=notify unit with WatchdogSec: systemd's side is a socket this test reads.
TEST_F(DaemonTest, TellsSystemdWhenReadyReloadingAndStoppingAndFeedsTheWatchdog) {
  NotifySocket systemd(git_.root() / "notify.sock");
  const int port = testing::FreePort();
  DaemonProcess daemon(WriteConfig(port),
                       {{"NOTIFY_SOCKET", systemd.path()}, {"WATCHDOG_USEC", "400000"}});
  ASSERT_TRUE(systemd.WaitFor("READY=1")) << systemd.received() << daemon.Output();
  EXPECT_EQ(Healthz(port), 200);  // ready means the API already listens
  ASSERT_TRUE(systemd.WaitFor("WATCHDOG=1")) << systemd.received();
  ASSERT_TRUE(systemd.WaitFor("WATCHDOG=1")) << systemd.received();

  daemon.Signal(SIGHUP);
  ASSERT_TRUE(systemd.WaitFor("RELOADING=1")) << systemd.received();
  ASSERT_TRUE(systemd.WaitFor("READY=1")) << systemd.received();
  EXPECT_EQ(Healthz(port), 200);

  daemon.Signal(SIGTERM);
  ASSERT_TRUE(systemd.WaitFor("STOPPING=1")) << systemd.received();
  std::optional<core::ProcessResult> result = daemon.WaitForExit();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->exit_code, 0) << daemon.Output();
}

// libcurl, libpq, libsystemd, libgit2 and libssh2 (with their TLS, LDAP, Kerberos or
// compression libraries) are loaded when first needed, not at start: an idle daemon has not
// mapped them. Its first HTTP health check loads libcurl.
TEST_F(DaemonTest, AnIdleDaemonHasNotLoadedTheLibrariesItLoadsOnFirstUse) {
  const int port = testing::FreePort();
  WriteConfig(port, fmt::format("[[health.checks]]\nname = \"self\"\ntype = \"http\"\n"
                                "url = \"http://127.0.0.1:{}/healthz\"\n",
                                port));
  const std::string viewer = Token("viewer");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  EXPECT_EQ(Healthz(port), 200);
  auto mapped = [&](std::string_view soname) {
    std::ifstream maps(fmt::format("/proc/{}/maps", daemon.pid()));
    for (std::string line; std::getline(maps, line);) {
      if (line.find(soname) != std::string::npos) return true;
    }
    return false;
  };
  for (std::string_view soname :
       {"libcurl.so", "libpq.so", "libsystemd.so", "libgit2.so", "libssh2.so", "libgnutls.so"}) {
    EXPECT_FALSE(mapped(soname)) << soname;
  }

  httplib::Client client("127.0.0.1", port);
  auto health = client.Get("/trpc/systemUpdates.healthCheck",
                           httplib::Headers{{"Authorization", "Bearer " + viewer}});
  ASSERT_TRUE(health);
  ASSERT_EQ(health->status, 200) << health->body;
  EXPECT_NE(health->body.find("\"healthy\":true"), std::string::npos) << health->body;
  EXPECT_TRUE(mapped("libcurl.so"));
}

// True once `path` exists; false after 60 s.
bool WaitForFile(const std::filesystem::path& path) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!std::filesystem::exists(path)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// Under KillMode=mixed systemd SIGTERMs only the daemon: an update it runs is let finish (its
// build outlives the signal), the daemon then exits cleanly, and after a restart the update
// is in the history as succeeded, nothing left to recover, the app healthy on the new version.
TEST_F(DaemonTest, SigtermDuringAnUpdateLetsItFinishAndTheRestartedDaemonShowsIt) {
  git_.PublishV1_1();
  const int port = testing::FreePort();
  const std::filesystem::path building = git_.root() / "building";
  const std::filesystem::path release = git_.root() / "release-build";
  WriteConfig(port, UpdateTables(fmt::format("touch '{}'; {}", building.string(),
                                             BuildWaitingFor(release))));
  const std::string admin = Token("admin");
  const httplib::Headers auth{{"Authorization", "Bearer " + admin}};
  std::string id;
  {
    DaemonProcess daemon(config_file_);
    ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
    httplib::Client client("127.0.0.1", port);
    auto started = client.Post("/trpc/systemUpdates.applyCodeUpdate", auth, R"({"wait":false})",
                               "application/json");
    ASSERT_TRUE(started);
    ASSERT_EQ(started->status, 200) << started->body;
    id = json::parse(started->body)["result"]["data"]["transactionId"];
    ASSERT_TRUE(WaitForFile(building)) << daemon.Output();

    daemon.Signal(SIGTERM);
    ASSERT_TRUE(daemon.WaitForLines("waiting for the running transaction")) << daemon.Output();
    EXPECT_NE(Healthz(port), 200);  // no new requests meanwhile
    ASSERT_TRUE(core::WriteFileAtomic(release, "go").has_value());
    std::optional<core::ProcessResult> result = daemon.WaitForExit();
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->exit_code, 0) << result->Describe() << "\n" << daemon.Output();
  }

  DaemonProcess restarted(config_file_);
  ASSERT_TRUE(restarted.WaitForLines("listening on")) << restarted.Output();
  EXPECT_EQ(restarted.Output().find("recovered transaction"), std::string::npos)
      << restarted.Output();
  httplib::Client client("127.0.0.1", port);
  auto history = client.Get("/trpc/systemUpdates.getUpdateHistory", auth);
  ASSERT_TRUE(history);
  const json newest = json::parse(history->body)["result"]["data"][0];
  EXPECT_EQ(newest["id"], id) << newest;
  EXPECT_EQ(newest["status"], "succeeded") << newest;
  auto version = client.Get("/trpc/systemUpdates.getCurrentVersion");
  ASSERT_TRUE(version);
  EXPECT_EQ(json::parse(version->body)["result"]["data"]["version"], "1.1.0") << version->body;
  auto health = client.Get("/trpc/systemUpdates.healthCheck", auth);
  ASSERT_TRUE(health);
  EXPECT_EQ(json::parse(health->body)["result"]["data"]["healthy"], true) << health->body;
  EXPECT_EQ(git_.Git(git_.app(), {"rev-parse", "HEAD"}),
            git_.Git(git_.author(), {"rev-parse", "v1.1.0^{commit}"}));
}

// An update killed in its build (SIGKILL: systemd's escalation, a power loss) is rolled back
// by the next daemon's recovery at start, whose rebuild stays quiet for seconds: the
// watchdog is fed all along, on its timer, before READY=1. Then the app is back on 1.0.0 and
// the history says rolled back.
TEST_F(DaemonTest, TheWatchdogIsFedDuringAQuietRecoveryAtStart) {
  git_.PublishV1_1();
  const int port = testing::FreePort();
  const std::filesystem::path building = git_.root() / "building";
  const std::filesystem::path killed = git_.root() / "killed";
  const std::filesystem::path rebuilding = git_.root() / "rebuilding";
  const std::filesystem::path rebuilt = git_.root() / "rebuilt";
  // The update's build waits until the test has killed the updater; the rollback's rebuild
  // (once `killed` exists) prints nothing for 8 s.
  WriteConfig(port,
              UpdateTables(fmt::format(
                  "if [ -e '{0}' ]; then touch '{1}'; sleep 8; touch '{2}'; exit 0; fi; "
                  "touch '{3}'; while [ ! -e '{0}' ]; do sleep 0.1; done; exit 1",
                  killed.string(), rebuilding.string(), rebuilt.string(), building.string())));
  {
    core::ProcessOptions options;
    options.argv = {GALAOS_CLI_PATH, "--config", config_file_.string(), "apply", "code"};
    options.unset_environment = {"GALAOS_UPDATER_CONFIG"};
    ASSERT_OK_AND_ASSIGN(core::Process cli, core::Process::Start(options));
    ASSERT_TRUE(WaitForFile(building));
    kill(cli.pid(), SIGKILL);
    ASSERT_OK(cli.Wait());
    ASSERT_TRUE(core::WriteFileAtomic(killed, "yes").has_value());
  }

  NotifySocket systemd(git_.root() / "notify.sock");
  DaemonProcess daemon(config_file_,
                       {{"NOTIFY_SOCKET", systemd.path()}, {"WATCHDOG_USEC", "1000000"}});
  ASSERT_TRUE(WaitForFile(rebuilding)) << daemon.Output();
  systemd.Drain();  // fed before the quiet part does not count
  ASSERT_TRUE(systemd.WaitFor("WATCHDOG=1")) << systemd.received() << daemon.Output();
  ASSERT_TRUE(systemd.WaitFor("WATCHDOG=1")) << systemd.received();
  ASSERT_TRUE(systemd.WaitFor("WATCHDOG=1")) << systemd.received();
  // Three feeds (every 0.5 s) while the rebuild sleeps its 8 s, before the daemon is ready.
  EXPECT_FALSE(std::filesystem::exists(rebuilt));
  EXPECT_EQ(systemd.received().find("READY=1"), std::string::npos) << systemd.received();
  ASSERT_TRUE(systemd.WaitFor("READY=1")) << systemd.received() << daemon.Output();
  EXPECT_TRUE(std::filesystem::exists(rebuilt));
  ASSERT_TRUE(daemon.WaitForLines("recovered transaction")) << daemon.Output();
  EXPECT_NE(daemon.Output().find("RolledBack"), std::string::npos) << daemon.Output();
  EXPECT_EQ(git_.Git(git_.app(), {"rev-parse", "HEAD"}),
            git_.Git(git_.author(), {"rev-parse", "v1.0.0^{commit}"}));
  ASSERT_OK_AND_ASSIGN(std::string history, Cli({"history", "--json"}));
  EXPECT_NE(history.find("rolled_back"), std::string::npos) << history;
}

// packaging/galaos-updater.service as systemd itself reads it.
TEST(SystemdUnitTest, TheUnitFileVerifiesWithSystemdAnalyze) {
  ASSERT_OK_AND_ASSIGN(core::TempDir dir, core::TempDir::Create("unit"));
  ASSERT_OK_AND_ASSIGN(std::string unit,
                       core::ReadFile(GALAOS_SOURCE_DIR "/packaging/galaos-updater.service"));
  const std::string installed = "/usr/local/bin/galaos-updater";
  ASSERT_NE(unit.find("ExecStart=" + installed), std::string::npos);
  for (std::size_t at; (at = unit.find(installed)) != std::string::npos;) {
    unit.replace(at, installed.size(), GALAOS_CLI_PATH);
  }
  ASSERT_TRUE(core::WriteFileAtomic(dir.path() / "galaos-updater.service", unit).has_value());
  core::ProcessOptions options;
  options.argv = {"systemd-analyze", "verify", (dir.path() / "galaos-updater.service").string()};
  options.timeout = std::chrono::minutes(1);
  ASSERT_OK_AND_ASSIGN(core::ProcessResult result, core::RunChecked(options));
  EXPECT_EQ(result.stdout_tail + result.stderr_tail, "");
}

TEST_F(DaemonTest, AnInvalidConfigAtStartIsAClearErrorWithExitTwo) {
  ASSERT_TRUE(core::WriteFileAtomic(config_file_, "[api]\nlisten = \"nowhere\"\n").has_value());
  DaemonProcess daemon(config_file_);
  std::optional<core::ProcessResult> result = daemon.WaitForExit();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->exit_code, 2) << daemon.Output();
  EXPECT_NE(daemon.Output().find("api.listen"), std::string::npos) << daemon.Output();
}

// The scheduler in the daemon: defaults seeded on the first start only, a schedule created by
// the CLI while the daemon runs is picked up at once (the store watch) and fires on its
// wall-clock timer every 2 s, and the update_available events it enqueues are delivered to a
// real webhook receiver by the daemon's deliverer.
TEST_F(DaemonTest, SchedulesRunOnTheirTimersAndTheirNotificationsAreDelivered) {
  git_.PublishV1_1();
  notify::testing::HttpReceiver receiver;
  const int port = testing::FreePort();
  WriteConfig(port, fmt::format("[schedule]\ncheck_cron = \"0 4 * * *\"\n"
                                "[notify.webhook]\nurl = \"{}\"\nsecret = \"s3cret\"\n",
                                receiver.Url("/hook")));
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  ASSERT_TRUE(daemon.WaitForLines("created the default schedules")) << daemon.Output();

  ASSERT_OK_AND_ASSIGN(std::string listed, Cli({"schedule", "list", "--json"}));
  json defaults = json::parse(listed);
  ASSERT_EQ(defaults.size(), 2u) << listed;
  EXPECT_EQ(defaults[0]["schedule"], "0 4 * * *");
  EXPECT_EQ(defaults[0]["updateType"], "both");
  EXPECT_EQ(defaults[0]["autoApply"], false);
  EXPECT_EQ(defaults[0]["nextRuns"].size(), 5u);
  EXPECT_EQ(defaults[1]["schedule"], "0 3 * * 0");
  EXPECT_EQ(defaults[1]["updateType"], "docker");
  EXPECT_EQ(defaults[1]["autoApply"], true);

  ASSERT_OK_AND_ASSIGN(std::string created,
                       Cli({"schedule", "create", "*/2 * * * * *", "--type", "code", "--timezone",
                            "UTC", "--channel", "webhook", "--json"}));
  const std::string id = json::parse(created)["id"];
  const std::string ran = fmt::format("schedule {} ran: code: 1.1.0 available (running 1.0.0)", id);
  ASSERT_TRUE(daemon.WaitForLines(ran + "; already announced", 2)) << daemon.Output();
  ASSERT_TRUE(receiver.WaitForRequests(1)) << daemon.Output();
  // Three runs found 1.1.0; the schedule announced it once.
  ASSERT_EQ(receiver.Requests().size(), 1u);
  const notify::testing::ReceivedRequest delivered = receiver.Requests().front();
  EXPECT_EQ(delivered.headers.at("x-galaos-event"), "update_available");
  EXPECT_EQ(json::parse(delivered.body)["data"]["latest_version"], "1.1.0") << delivered.body;

  ASSERT_OK_AND_ASSIGN(listed, Cli({"schedule", "list", "--json"}));
  const json mine = json::parse(listed)[2];
  EXPECT_EQ(mine["id"], id);
  EXPECT_EQ(mine["lastResult"], "code: 1.1.0 available (running 1.0.0); already announced");
  EXPECT_TRUE(mine["lastRun"].is_string());

  // Removed schedules stay removed, the defaults too: the reload starts the scheduler again.
  for (const json& schedule : json::parse(listed)) {
    ASSERT_OK(Cli({"schedule", "remove", schedule["id"].get<std::string>()}));
  }
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(daemon.WaitForLines("listening on", 2)) << daemon.Output();
  ASSERT_OK_AND_ASSIGN(listed, Cli({"schedule", "list", "--json"}));
  EXPECT_EQ(json::parse(listed), json::array());
  EXPECT_EQ(daemon.Output().find("ran: failed"), std::string::npos) << daemon.Output();

  daemon.Signal(SIGTERM);
  std::optional<core::ProcessResult> result = daemon.WaitForExit();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->exit_code, 0) << result->Describe() << "\n" << daemon.Output();
}

// Delivery has its own thread: a scheduled update that is still running (its build waits for
// the test's go) does not hold up notifications — its own update_started arrives meanwhile.
TEST_F(DaemonTest, NotificationsAreDeliveredWhileAScheduledUpdateRuns) {
  git_.PublishV1_1();
  notify::testing::HttpReceiver receiver;
  const int port = testing::FreePort();
  const std::filesystem::path go = git_.root() / "build-may-finish";
  WriteConfig(port, fmt::format("[update]\nsource = \"git\"\nmin_free_disk_mb = 1\n"
                                "[commands]\ninstall = [\"true\"]\n"
                                "build = [\"sh\", \"-c\", \"while [ ! -e '{}' ]; do sleep 0.1; "
                                "done; echo built\"]\n"
                                "[notify.webhook]\nurl = \"{}\"\nsecret = \"s3cret\"\n",
                                go.string(), receiver.Url("/hook")));
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  ASSERT_OK_AND_ASSIGN(std::string created,
                       Cli({"schedule", "create", "*/2 * * * * *", "--type", "code", "--timezone",
                            "UTC", "--auto-apply", "--channel", "webhook", "--json"}));
  const std::string id = json::parse(created)["id"];

  ASSERT_TRUE(receiver.WaitForRequests(1)) << daemon.Output();
  const notify::testing::ReceivedRequest started = receiver.Requests().front();
  EXPECT_EQ(started.headers.at("x-galaos-event"), "update_started") << started.body;
  EXPECT_EQ(json::parse(started.body)["data"]["trigger"], "schedule:" + id) << started.body;
  // Delivered while the update still runs: it holds the update lock and has not been let go.
  ASSERT_OK_AND_ASSIGN(const auto lock, core::FileLock::Inspect(state_ / "update.lock"));
  EXPECT_TRUE(lock.held);
  ASSERT_TRUE(lock.owner.has_value());
  EXPECT_TRUE(lock.owner->description.starts_with("update tx-")) << lock.owner->description;
  EXPECT_EQ(daemon.Output().find(fmt::format("schedule {} ran", id)), std::string::npos)
      << daemon.Output();

  ASSERT_TRUE(core::WriteFileAtomic(go, "go").has_value());
  ASSERT_TRUE(daemon.WaitForLines(fmt::format("schedule {} ran: code: updated 1.0.0 -> 1.1.0", id)))
      << daemon.Output();
  ASSERT_TRUE(receiver.WaitForRequests(2)) << daemon.Output();
  EXPECT_EQ(receiver.Requests()[1].headers.at("x-galaos-event"), "update_completed");

  daemon.Signal(SIGTERM);
  std::optional<core::ProcessResult> result = daemon.WaitForExit();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->exit_code, 0) << result->Describe() << "\n" << daemon.Output();
}

// onConflict "queue": a run that finds another update holding the lock waits for it and runs
// as soon as the holder lets go (seen through inotify on the lock file, no polling).
TEST_F(DaemonTest, AQueueingScheduleRunsWhenTheUpdateLockIsLetGo) {
  git_.PublishV1_1();
  const int port = testing::FreePort();
  WriteConfig(port);
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  std::optional<core::FileLock> lock;
  {
    ASSERT_OK_AND_ASSIGN(core::FileLock held,
                         core::FileLock::TryAcquire(state_ / "update.lock", "update tx-by-test"));
    lock.emplace(std::move(held));
  }
  ASSERT_OK_AND_ASSIGN(std::string created,
                       Cli({"schedule", "create", "*/2 * * * * *", "--type", "code", "--timezone",
                            "UTC", "--on-conflict", "queue", "--json"}));
  const json schedule = json::parse(created);
  EXPECT_EQ(schedule["onConflict"], "queue");
  const std::string id = schedule["id"];
  ASSERT_TRUE(daemon.WaitForLines(fmt::format(
      "schedule {} queued: another update is running: pid {} (update tx-by-test)", id, getpid())))
      << daemon.Output();
  ASSERT_OK_AND_ASSIGN(std::string listed, Cli({"schedule", "list", "--json"}));
  const json all = json::parse(listed);
  const auto mine = std::ranges::find_if(all, [&](const json& s) { return s["id"] == id; });
  ASSERT_NE(mine, all.end()) << listed;
  EXPECT_TRUE((*mine)["lastResult"].get<std::string>().starts_with("queued: ")) << *mine;

  lock.reset();
  ASSERT_TRUE(daemon.WaitForLines(fmt::format("schedule {} ran: code: 1.1.0 available", id)))
      << daemon.Output();
  const std::string output = daemon.Output();
  EXPECT_LT(output.find(fmt::format("schedule {} queued", id)),
            output.find(fmt::format("schedule {} ran", id)));
  daemon.Signal(SIGTERM);
  ASSERT_TRUE(daemon.WaitForExit().has_value());
}

// A run missed while the daemon was down runs once when it starts, and the schedule then
// waits for its next fire time.
TEST_F(DaemonTest, AScheduleMissedWhileTheDaemonWasDownRunsOnceAtStart) {
  git_.PublishV1_1();
  const int port = testing::FreePort();
  WriteConfig(port);
  ASSERT_OK_AND_ASSIGN(std::string created, Cli({"schedule", "create", "0 4 1 1 *", "--type",
                                                 "code", "--timezone", "UTC", "--json"}));
  const std::string id = json::parse(created)["id"];
  {
    ASSERT_OK_AND_ASSIGN(auto store, store::OpenSqliteStore(state_ / store::kDefaultSqliteFileName,
                                                            core::SystemClock::Instance()));
    ASSERT_OK(
        store->SetScheduleNextRun(id, std::chrono::system_clock::now() - std::chrono::hours(5)));
  }
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines(fmt::format("schedule {} missed its run", id)))
      << daemon.Output();
  ASSERT_TRUE(daemon.WaitForLines(fmt::format("schedule {} ran: code: 1.1.0 available", id)))
      << daemon.Output();
  ASSERT_OK_AND_ASSIGN(std::string listed, Cli({"schedule", "list", "--json"}));
  const json all = json::parse(listed);
  const auto mine = std::ranges::find_if(all, [&](const json& s) { return s["id"] == id; });
  ASSERT_NE(mine, all.end()) << listed;
  EXPECT_TRUE((*mine)["lastRun"].is_string());
  EXPECT_EQ((*mine)["nextRun"], (*mine)["nextRuns"][0]);  // the next fire time after now
  daemon.Signal(SIGTERM);
  ASSERT_TRUE(daemon.WaitForExit().has_value());
  EXPECT_EQ(daemon.Output().find("ran: failed"), std::string::npos) << daemon.Output();
}

}  // namespace
}  // namespace galaos::daemon
