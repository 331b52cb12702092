// `galaos-updater serve` as an operator runs it: the real binary, real signals, and the real
// @trpc/client (v11, from npm) calling its API the way the GalaOS web app does.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/AtomicFile.h"
#include "core/FileLock.h"
#include "core/Process.h"
#include "core/TempDir.h"
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
                         const std::string& binary = GALAOS_CLI_PATH) {
    core::ProcessOptions options;
    options.argv = {binary, "--config", config_file.string(), "serve"};
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
  DaemonProcess daemon(WriteConfig(port), (prefix.path() / "bin" / "galaos-updater").string());
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

}  // namespace
}  // namespace galaos::daemon
