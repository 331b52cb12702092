// `galaos-updater serve` as an operator runs it: the real binary, real signals, and the real
// @trpc/client (v11, from npm) calling its API the way the GalaOS web app does.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "../notify/HttpReceiver.h"
#include "core/AtomicFile.h"
#include "core/FileLock.h"
#include "core/Process.h"
#include "core/TempDir.h"
#include "core/UniqueFd.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"
#include "support/GitFixture.h"
#include "support/NodeReference.h"
#include "support/TestServices.h"

namespace galaos::daemon {
namespace {

using nlohmann::json;

// The daemon as a child process whose output lines the test can wait for.
class DaemonProcess {
 public:
  explicit DaemonProcess(const std::filesystem::path& config_file,
                         std::map<std::string, std::string> environment = {},
                         const std::string& binary = GALAOS_CLI_PATH) {
    core::ProcessOptions options;
    options.argv = {binary, "--config", config_file.string(), "serve"};
    options.environment = std::move(environment);
    options.unset_environment = {"GALAOS_UPDATER_CONFIG",  "GITHUB_REPO",
                                 "UPDATE_BRANCH",          "AUTO_UPDATE_ENABLED",
                                 "BACKUP_RETENTION_COUNT", "UPDATE_CHECK_SCHEDULE"};
    options.timeout = std::chrono::minutes(5);
    options.on_line = [this](core::OutputStream, std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
      changed_.notify_all();
    };
    auto process = core::Process::Start(options);
    EXPECT_TRUE(process.has_value()) << process.error().message();
    if (!process) return;
    pid_ = process->pid();
    waiter_ = std::jthread([this, process = std::move(*process)]() mutable {
      Expected<core::ProcessResult> result = process.Wait();
      std::lock_guard lock(mutex_);
      result_ = result ? *result : core::ProcessResult{};
      changed_.notify_all();
    });
  }

  ~DaemonProcess() {
    if (!Exited()) Signal(SIGKILL);
  }

  // Waits until `count` output lines contain `text`; false after 60 s or when it exited.
  bool WaitForLines(std::string_view text, int count = 1) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(60), [&] {
      return CountLocked(text) >= count || result_.has_value();
    }) && CountLocked(text) >= count;
  }

  void Signal(int signal) { kill(pid_, signal); }

  std::optional<core::ProcessResult> WaitForExit() {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(60), [&] { return result_.has_value(); });
    return result_;
  }

  std::string Output() {
    std::lock_guard lock(mutex_);
    std::string all;
    for (const std::string& line : lines_) all += line + "\n";
    return all;
  }

 private:
  bool Exited() {
    std::lock_guard lock(mutex_);
    return result_.has_value();
  }
  int CountLocked(std::string_view text) const {
    return static_cast<int>(std::count_if(
        lines_.begin(), lines_.end(),
        [&](const std::string& line) { return line.find(text) != std::string::npos; }));
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  std::optional<core::ProcessResult> result_;
  pid_t pid_ = -1;
  std::jthread waiter_;  // last: joined before the members it uses go away
};

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

  const std::string& received() const { return received_; }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
  core::UniqueFd fd_;
  std::string received_;
};

class DaemonTest : public ::testing::Test {
 protected:
  std::filesystem::path WriteConfig(int port, std::string_view extra = "") {
    std::string text = fmt::format(
        "[app]\nroot = \"{}\"\n[state]\ndir = \"{}\"\n[docker]\n{}"
        "[api]\nlisten = \"127.0.0.1:{}\"\n{}",
        git_.app().string(), state_.string(), docker_, port, extra);
    EXPECT_TRUE(core::WriteFileAtomic(config_file_, text).has_value());
    return config_file_;
  }

  std::string Token(std::string_view role) {
    core::ProcessOptions options;
    options.argv = {GALAOS_CLI_PATH,  "--config", config_file_.string(),         "token",
                    "create",         "--name",   std::string(role) + "-client", "--role",
                    std::string(role)};
    auto result = core::RunChecked(options);
    EXPECT_TRUE(result.has_value()) << result.error().message();
    return result ? result->stdout_tail.substr(0, result->stdout_tail.find('\n')) : "";
  }

  // Runs the CLI on the test's config; its stdout.
  Expected<std::string> Cli(std::vector<std::string> args) {
    core::ProcessOptions options;
    options.argv = {GALAOS_CLI_PATH, "--config", config_file_.string()};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.unset_environment = {"GALAOS_UPDATER_CONFIG", "UPDATE_CHECK_SCHEDULE",
                                 "AUTO_UPDATE_ENABLED"};
    return TRY(core::RunChecked(options)).stdout_tail;
  }

  static int Healthz(int port) {
    httplib::Client client("127.0.0.1", port);
    auto response = client.Get("/healthz");
    return response ? response->status : -1;
  }

  git::testing::GitFixture git_;
  std::filesystem::path state_ = git_.root() / "state";
  std::filesystem::path config_file_ = git_.root() / "updater.toml";
  std::string docker_ = "enabled = false\n";  // the [docker] table's keys
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

// A viewer scrapes /metrics; the calls made before are counted.
TEST_F(DaemonTest, MetricsAreServedToTokenHoldersAndCountTheCalls) {
  const int port = testing::FreePort();
  WriteConfig(port);
  const std::string viewer = Token("viewer");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  httplib::Client client("127.0.0.1", port);
  for (int i = 0; i < 2; ++i) {
    auto version = client.Get("/trpc/systemUpdates.getCurrentVersion");
    ASSERT_TRUE(version);
    EXPECT_EQ(version->status, 200);
  }
  auto anonymous = client.Get("/metrics");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  auto scraped = client.Get("/metrics", httplib::Headers{{"Authorization", "Bearer " + viewer}});
  ASSERT_TRUE(scraped);
  ASSERT_EQ(scraped->status, 200) << scraped->body;
  EXPECT_EQ(scraped->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(scraped->body.find("galaos_updater_api_requests_total{procedure=\"systemUpdates."
                               "getCurrentVersion\",code=\"OK\"} 2\n"),
            std::string::npos)
      << scraped->body;
  EXPECT_NE(scraped->body.find("galaos_updater_app_version_info{version=\"1.0.0\"} 1\n"),
            std::string::npos)
      << scraped->body;
  EXPECT_NE(scraped->body.find("galaos_updater_scrape_error 0\n"), std::string::npos);
}

// applyCodeUpdate with wait: false answers with the transaction id while the update runs;
// a second one meanwhile is a CONFLICT at once; the update ends in the background and its
// progress and end are on /events.
TEST_F(DaemonTest, AnUpdateWithoutWaitingRunsInTheBackgroundAndStreamsItsProgress) {
  git_.PublishV1_1();
  const int port = testing::FreePort();
  const std::filesystem::path release = git_.root() / "release-build";
  // The build waits for the test's go, so the update is surely still running meanwhile.
  WriteConfig(port, fmt::format("[update]\nsource = \"git\"\nmin_free_disk_mb = 1\n"
                                "[commands]\ninstall = [\"true\"]\n"
                                "build = [\"sh\", \"-c\", \"while [ ! -e '{}' ]; do sleep 0.1; "
                                "done; echo built\"]\n",
                                release.string()));
  const std::string admin = Token("admin");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::seconds(60));
  const httplib::Headers auth{{"Authorization", "Bearer " + admin}};

  auto started = client.Post("/trpc/systemUpdates.applyCodeUpdate", auth, R"({"wait":false})",
                             "application/json");
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 200) << started->body;
  const json data = json::parse(started->body)["result"]["data"];
  ASSERT_EQ(data.size(), 1u) << data;
  const std::string id = data["transactionId"].get<std::string>();
  EXPECT_TRUE(id.starts_with("tx-")) << id;

  auto second = client.Post("/trpc/systemUpdates.applyCodeUpdate", auth, R"({"wait":false})",
                            "application/json");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 409) << second->body;
  EXPECT_EQ(json::parse(second->body)["error"]["data"]["code"], "CONFLICT");

  ASSERT_TRUE(core::WriteFileAtomic(release, "go").has_value());
  // The whole stream from its start: steps, output lines, then the transaction's end.
  std::string stream;
  client.Get("/events",
             httplib::Headers{{"Authorization", "Bearer " + admin}, {"Last-Event-ID", "0"}},
             [&](const char* data, std::size_t size) {
               stream.append(data, size);
               return stream.find("\"success\":true") == std::string::npos;
             });
  EXPECT_NE(stream.find("event: transaction\ndata: {\"id\":\"" + id + "\",\"state\":\"started\"}"),
            std::string::npos)
      << stream;
  EXPECT_NE(stream.find("\"line\":\"built\""), std::string::npos) << stream;
  EXPECT_NE(stream.find("\"state\":\"Succeeded\""), std::string::npos) << stream;

  auto history = client.Get("/trpc/systemUpdates.getUpdateHistory", auth);
  ASSERT_TRUE(history);
  const json newest = json::parse(history->body)["result"]["data"][0];
  EXPECT_EQ(newest["id"], id);
  EXPECT_EQ(newest["status"], "succeeded") << newest;
  EXPECT_EQ(git_.Git(git_.app(), {"rev-parse", "HEAD"}),
            git_.Git(git_.author(), {"rev-parse", "v1.1.0^{commit}"}));

  // /metrics reads the transaction from the store.
  auto metrics = client.Get("/metrics", auth);
  ASSERT_TRUE(metrics);
  EXPECT_NE(
      metrics->body.find("galaos_updater_transactions{type=\"code\",status=\"succeeded\"} 1\n"),
      std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("\ngalaos_updater_last_successful_update_timestamp_seconds "),
            std::string::npos);
  EXPECT_NE(metrics->body.find("galaos_updater_app_version_info{version=\"1.1.0\"} 1\n"),
            std::string::npos);
}

// `apply code --follow`: the daemon runs the update; the CLI prints its steps and output.
TEST_F(DaemonTest, ApplyCodeFollowLetsTheDaemonUpdateAndPrintsItsProgress) {
  git_.PublishV1_1();
  const int port = testing::FreePort();
  WriteConfig(port,
              "[update]\nsource = \"git\"\nmin_free_disk_mb = 1\n[commands]\n"
              "install = [\"true\"]\nbuild = [\"sh\", \"-c\", \"echo built-by-the-daemon\"]\n");
  const std::string admin = Token("admin");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  auto follow = [&](std::map<std::string, std::string> environment) {
    core::ProcessOptions options;
    options.argv = {GALAOS_CLI_PATH, "--config", config_file_.string(),
                    "apply",         "code",     "--follow"};
    options.environment = std::move(environment);
    options.unset_environment = {"GALAOS_UPDATER_TOKEN"};
    options.timeout = std::chrono::minutes(5);
    auto result = core::RunProcess(options);
    EXPECT_TRUE(result.has_value());
    return result ? *result : core::ProcessResult{};
  };

  const core::ProcessResult no_token = follow({});
  EXPECT_EQ(no_token.exit_code, 2) << no_token.stderr_tail;
  EXPECT_NE(no_token.stderr_tail.find("GALAOS_UPDATER_TOKEN"), std::string::npos);

  {
    std::filesystem::create_directories(state_);
    ASSERT_OK_AND_ASSIGN(core::FileLock lock,
                         core::FileLock::TryAcquire(state_ / "update.lock", "update tx-cli-held"));
    const core::ProcessResult conflict = follow({{"GALAOS_UPDATER_TOKEN", admin}});
    EXPECT_EQ(conflict.exit_code, 3) << conflict.stderr_tail;
    EXPECT_NE(conflict.stderr_tail.find("tx-cli-held"), std::string::npos) << conflict.stderr_tail;
  }

  const core::ProcessResult followed = follow({{"GALAOS_UPDATER_TOKEN", admin}});
  EXPECT_EQ(followed.exit_code, 0) << followed.stdout_tail << followed.stderr_tail;
  EXPECT_NE(followed.stderr_tail.find("==> build"), std::string::npos) << followed.stderr_tail;
  EXPECT_NE(followed.stderr_tail.find("    built-by-the-daemon"), std::string::npos)
      << followed.stderr_tail;
  EXPECT_NE(followed.stdout_tail.find("ended: Succeeded"), std::string::npos)
      << followed.stdout_tail;
  EXPECT_EQ(git_.Git(git_.app(), {"rev-parse", "HEAD"}),
            git_.Git(git_.author(), {"rev-parse", "v1.1.0^{commit}"}));
}

TEST_F(DaemonTest, AnInvalidConfigAtStartIsAClearErrorWithExitTwo) {
  ASSERT_TRUE(core::WriteFileAtomic(config_file_, "[api]\nlisten = \"nowhere\"\n").has_value());
  DaemonProcess daemon(config_file_);
  std::optional<core::ProcessResult> result = daemon.WaitForExit();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->exit_code, 2) << daemon.Output();
  EXPECT_NE(daemon.Output().find("api.listen"), std::string::npos) << daemon.Output();
}

// Every call goes through the real @trpc/client, with httpLink and with httpBatchLink.
TEST_F(DaemonTest, TheRealTrpcClientCallsTheApi) {
  ASSERT_OK_AND_ASSIGN(testing::NodeReference client,
                       testing::NodeReference::Install("trpc-client", {"@trpc/client@11.25.2"}));
  git_.PublishV1_1();
  const int port = testing::FreePort();
  WriteConfig(port);
  const std::string admin = Token("admin");
  const std::string viewer = Token("viewer");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();

  // applyCodeUpdate meets an update in progress: this test holds the update lock.
  std::filesystem::create_directories(state_);
  ASSERT_OK_AND_ASSIGN(core::FileLock lock,
                       core::FileLock::TryAcquire(state_ / "update.lock", "update tx-e2e-held"));

  json plan = json::array();
  auto step = [&](std::string link, const std::string& token, std::string kind, std::string path,
                  json input = nullptr, std::optional<int> group = std::nullopt) {
    json call = {{"link", link},
                 {"token", token.empty() ? json(nullptr) : json(token)},
                 {"kind", kind},
                 {"path", "systemUpdates." + path}};
    if (!input.is_null()) call["input"] = input;
    if (group) call["group"] = *group;
    plan.push_back(call);
  };
  for (std::string link : {"http", "batch"}) {
    const std::size_t first = plan.size();
    step(link, "", "query", "getCurrentVersion", nullptr, 1);                   // 0
    step(link, viewer, "query", "getUpdateHistory", {{"limit", 5}}, 1);         // 1
    step(link, viewer, "query", "getUpdateHistory", {{"limit", 1000}});         // 2
    step(link, "", "query", "listBackups");                                     // 3
    step(link, viewer, "mutation", "cleanBackups", {{"keepCount", 3}});         // 4
    step(link, admin, "mutation", "cleanBackups", {{"keepCount", 3}});          // 5
    step(link, admin, "query", "checkForUpdates", nullptr, 2);                  // 6
    step(link, admin, "query", "healthCheck", nullptr, 2);                      // 7
    step(link, viewer, "query", "listBackups");                                 // 8
    step(link, admin, "mutation", "applyCodeUpdate", {{"skipBackup", false}});  // 9
    step(link, admin, "query", "noSuchProcedure");                              // 10
    step(link, admin, "mutation", "rollback", {{"backupPath", "../../etc"}});   // 11
    step(link, admin, "mutation", "rollback", json::object());                  // 12
    step(link, viewer, "query", "listContainers");  // 13: docker.enabled = false here
    step(link, admin, "mutation", "createSchedule",
         {{"schedule", "0 5 * * *"}, {"updateType", "code"}, {"timezone", "UTC"}});  // 14
    step(link, admin, "mutation", "createSchedule",
         {{"schedule", "0 25 * * *"}, {"updateType", "code"}});                        // 15
    step(link, viewer, "query", "listSchedules");                                      // 16
    step(link, admin, "mutation", "removeSchedule", {{"scheduleId", "sch-unknown"}});  // 17
    step(link, admin, "mutation", "triggerUpdate", {{"updateType", "code"}});          // 18
    ASSERT_EQ(plan.size() - first, 19u);
  }
  ASSERT_OK_AND_ASSIGN(
      json results,
      client.Ask(GALAOS_SOURCE_DIR "/tests/api/e2e/trpc-client.js",
                 json{{"baseUrl", fmt::format("http://127.0.0.1:{}", port)}, {"plan", plan}}));
  ASSERT_EQ(results.size(), plan.size());
  for (std::size_t base : {std::size_t{0}, std::size_t{19}}) {
    SCOPED_TRACE(plan[base]["link"].get<std::string>());
    auto error_code = [&](std::size_t i) { return results[base + i]["error"]["code"]; };
    auto http_status = [&](std::size_t i) { return results[base + i]["error"]["httpStatus"]; };
    EXPECT_EQ(
        results[base + 0],
        json::parse(R"({"ok":true,"data":{"version":"1.0.0","major":1,"minor":0,"patch":0}})"));
    EXPECT_EQ(results[base + 1], json::parse(R"({"ok":true,"data":[]})"));
    EXPECT_EQ(error_code(2), "BAD_REQUEST");
    EXPECT_EQ(http_status(2), 400);
    EXPECT_EQ(results[base + 2]["error"]["path"], "systemUpdates.getUpdateHistory");
    EXPECT_NE(results[base + 2]["error"]["message"].get<std::string>().find("limit"),
              std::string::npos);
    EXPECT_EQ(results[base + 2]["error"]["name"], "TRPCClientError");
    EXPECT_EQ(error_code(3), "UNAUTHORIZED");
    EXPECT_EQ(http_status(3), 401);
    EXPECT_EQ(error_code(4), "FORBIDDEN");
    EXPECT_EQ(http_status(4), 403);
    EXPECT_EQ(
        results[base + 5],
        json::parse(
            R"j({"ok":true,"data":{"deletedCount":0,"message":"Deleted 0 old backup(s)"}})j"));
    json code = results[base + 6]["data"]["code"];
    EXPECT_EQ(code["available"], true) << results[base + 6];
    EXPECT_EQ(code["currentVersion"], "1.0.0");
    EXPECT_EQ(code["latestVersion"], "1.1.0");
    EXPECT_EQ(code["breaking"], true);  // "fix!:" with a BREAKING CHANGE footer
    EXPECT_EQ(results[base + 7]["data"]["healthy"], true) << results[base + 7];
    EXPECT_EQ(results[base + 8], json::parse(R"({"ok":true,"data":[]})"));
    EXPECT_EQ(error_code(9), "CONFLICT") << results[base + 9];
    EXPECT_EQ(http_status(9), 409);
    EXPECT_NE(results[base + 9]["error"]["message"].get<std::string>().find("tx-e2e-held"),
              std::string::npos);
    EXPECT_EQ(error_code(10), "NOT_FOUND");
    EXPECT_EQ(error_code(11), "BAD_REQUEST") << results[base + 11];
    EXPECT_EQ(error_code(12), "BAD_REQUEST") << results[base + 12];
    EXPECT_NE(results[base + 12]["error"]["message"].get<std::string>().find("backupPath"),
              std::string::npos);
    EXPECT_EQ(results[base + 6]["data"]["docker"], json::array());
    EXPECT_EQ(error_code(13), "BAD_REQUEST") << results[base + 13];
    EXPECT_NE(results[base + 13]["error"]["message"].get<std::string>().find("docker.enabled"),
              std::string::npos);
    const json schedule = results[base + 14]["data"];
    EXPECT_EQ(schedule["schedule"], "0 5 * * *") << results[base + 14];
    EXPECT_EQ(schedule["description"], "every day at 05:00 UTC");
    EXPECT_EQ(schedule["enabled"], true);
    EXPECT_EQ(schedule["autoApply"], false);
    EXPECT_EQ(schedule["nextRuns"].size(), 5u);
    EXPECT_EQ(error_code(15), "BAD_REQUEST") << results[base + 15];
    EXPECT_NE(results[base + 15]["error"]["message"].get<std::string>().find("hour \"25\""),
              std::string::npos);
    const json listed = results[base + 16]["data"];
    ASSERT_TRUE(listed.is_array()) << results[base + 16];
    EXPECT_TRUE(std::ranges::any_of(listed, [&](const json& s) {
      return s["id"] == schedule["id"];
    })) << listed;
    EXPECT_EQ(error_code(17), "NOT_FOUND") << results[base + 17];
    EXPECT_EQ(error_code(18), "CONFLICT") << results[base + 18];
    EXPECT_NE(results[base + 18]["error"]["message"].get<std::string>().find("tx-e2e-held"),
              std::string::npos);
  }
}

// The dashboard in real headless Chromium (playwright-core from npm, Debian's chromium)
// against the real daemon on a sample app that has run one update: sign-in, overview,
// history, backups, a rollback, an update that fails and rolls back, a viewer, a forged
// mutation, sign-out; then, once a good release is out, an update that succeeds live, the
// audit log and the containers of an unreachable engine. Screenshots go to
// <build>/test-output/dashboard/ for a person to look at.
TEST_F(DaemonTest, TheDashboardWorksInARealBrowser) {
  ASSERT_OK_AND_ASSIGN(
      testing::NodeReference playwright,
      testing::NodeReference::Install("playwright-core", {"playwright-core@1.65.1"}));
  git_.PublishV1_1();
  const int port = testing::FreePort();
  const std::string settings =
      "[update]\nsource = \"git\"\nmin_free_disk_mb = 1\n"
      "[commands]\ninstall = [\"echo\", \"installing dependencies\"]\n"
      "[health]\ngrace_period = \"0s\"\nretries = 0\n"
      "[[health.checks]]\nname = \"app\"\ntype = \"command\"\nargv = [\"true\"]\n";
  WriteConfig(port, settings);
  core::ProcessOptions apply;
  apply.argv = {GALAOS_CLI_PATH, "--config", config_file_.string(), "apply", "code", "--json"};
  ASSERT_OK(core::RunChecked(apply));

  // The next release's changelog carries markup that must stay text. A second check fails on
  // 1.1.0 and 1.2.0, which lack old.txt: it passes again once the browser rolls back to 1.0.0,
  // and the browser's update to 1.2.0 then fails and rolls back.
  const std::string hostile = "<img src=x onerror=\"window.__xss=1\">";
  git_.CommitAndPush({{"package.json", "{\"name\":\"sample\",\"version\":\"1.2.0\"}\n"}},
                     "feat: show " + hostile + " as **plain** text");
  git_.TagAndPush("v1.2.0");
  // Docker on, but its engine unreachable: the dashboard must say so, not show no containers.
  docker_ = "host = \"unix:///nonexistent/docker.sock\"\n";
  WriteConfig(port, settings +
                        "[[health.checks]]\nname = \"legacy-file\"\ntype = \"command\"\n"
                        "argv = [\"test\", \"-e\", \"old.txt\"]\n");
  const std::string admin = Token("admin");
  const std::string viewer = Token("viewer");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();

  const std::filesystem::path screenshots =
      std::filesystem::path(GALAOS_BINARY_DIR) / "test-output" / "dashboard";
  std::filesystem::create_directories(screenshots);
  // One browser session (a fresh profile each) of dashboard.js; every check must pass.
  auto browse = [&](json input, std::size_t min_checks) {
    SCOPED_TRACE(input["scenario"].get<std::string>());
    ASSERT_OK_AND_ASSIGN(core::TempDir profile, core::TempDir::Create("chromium-profile"));
    input.update({{"baseUrl", fmt::format("http://127.0.0.1:{}", port)},
                  {"adminToken", admin},
                  {"viewerToken", viewer},
                  {"screenshots", screenshots.string()},
                  {"userDataDir", profile.path().string()}});
    ASSERT_OK_AND_ASSIGN(json report,
                         playwright.Ask(GALAOS_SOURCE_DIR "/tests/daemon/e2e/dashboard.js", input));
    ASSERT_GE(report["checks"].size(), min_checks) << report.dump(2);
    for (const json& check : report["checks"]) {
      EXPECT_TRUE(check["ok"].get<bool>())
          << check["name"].get<std::string>() << ": " << check["detail"].get<std::string>();
    }
    EXPECT_EQ(report["pageErrors"], json::array()) << report["pageErrors"].dump(2);
  };
  browse({{"scenario", "main"},
          {"runningVersion", "1.1.0"},
          {"backupVersion", "1.0.0"},
          {"latestVersion", "1.2.0"},
          {"hostile", hostile}},
         25);

  // A release with old.txt back: the browser's update to it succeeds.
  git_.CommitAndPush({{"package.json", "{\"name\":\"sample\",\"version\":\"1.3.0\"}\n"},
                      {"old.txt", "back in v1.3.0\n"}},
                     "fix: bring old.txt back");
  git_.TagAndPush("v1.3.0");
  browse({{"scenario", "update"}, {"fromVersion", "1.0.0"}, {"toVersion", "1.3.0"}}, 12);
}

// `cmake --install` puts the dashboard next to the binary, and the installed binary finds it
// there without any configuration (api.web_root empty).
TEST_F(DaemonTest, TheInstalledBinaryServesTheDashboardInstalledWithIt) {
  ASSERT_OK_AND_ASSIGN(core::TempDir prefix, core::TempDir::Create("install-prefix"));
  core::ProcessOptions install;
  install.argv = {"cmake", "--install", GALAOS_BINARY_DIR, "--prefix", prefix.path().string()};
  ASSERT_OK(core::RunChecked(install));
  const int port = testing::FreePort();
  DaemonProcess daemon(WriteConfig(port), {}, (prefix.path() / "bin" / "galaos-updater").string());
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  EXPECT_TRUE(daemon.WaitForLines(fmt::format(
      "serving the dashboard from {}/share/galaos-updater/web", prefix.path().string())))
      << daemon.Output();
  httplib::Client client("127.0.0.1", port);
  auto index = client.Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_NE(index->body.find("<script type=\"module\" src=\"/app.js\">"), std::string::npos);
  auto script = client.Get("/views/overview.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
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
