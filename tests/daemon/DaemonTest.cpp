// `galaos-updater serve` as an operator runs it: the real binary, real signals, and the real
// @trpc/client (v11, from npm) calling its API the way the GalaOS web app does.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/AtomicFile.h"
#include "core/FileLock.h"
#include "core/Process.h"
#include "core/TempDir.h"
#include "core/UniqueFd.h"
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
                         std::map<std::string, std::string> environment = {}) {
    core::ProcessOptions options;
    options.argv = {GALAOS_CLI_PATH, "--config", config_file.string(), "serve"};
    options.environment = std::move(environment);
    options.unset_environment = {"GALAOS_UPDATER_CONFIG", "GITHUB_REPO", "UPDATE_BRANCH",
                                 "AUTO_UPDATE_ENABLED", "BACKUP_RETENTION_COUNT"};
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
        "[app]\nroot = \"{}\"\n[state]\ndir = \"{}\"\n[docker]\nenabled = false\n"
        "[api]\nlisten = \"127.0.0.1:{}\"\n{}",
        git_.app().string(), state_.string(), port, extra);
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

  static int Healthz(int port) {
    httplib::Client client("127.0.0.1", port);
    auto response = client.Get("/healthz");
    return response ? response->status : -1;
  }

  git::testing::GitFixture git_;
  std::filesystem::path state_ = git_.root() / "state";
  std::filesystem::path config_file_ = git_.root() / "updater.toml";
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
    ASSERT_EQ(plan.size() - first, 14u);
  }
  ASSERT_OK_AND_ASSIGN(
      json results,
      client.Ask(GALAOS_SOURCE_DIR "/tests/api/e2e/trpc-client.js",
                 json{{"baseUrl", fmt::format("http://127.0.0.1:{}", port)}, {"plan", plan}}));
  ASSERT_EQ(results.size(), plan.size());
  for (std::size_t base : {std::size_t{0}, std::size_t{14}}) {
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
  }
}

}  // namespace
}  // namespace galaos::daemon
