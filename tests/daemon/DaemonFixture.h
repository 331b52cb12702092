// The daemon test fixture: `galaos-updater serve` as a child process on a real sample app
// (GitFixture), its config, tokens and CLI calls. Shared by the daemon, API and dashboard
// suites; each test target that includes it defines GALAOS_CLI_PATH (galaos_add_test).
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "core/AtomicFile.h"
#include "core/Process.h"
#include "support/GitFixture.h"
#include "support/NodeReference.h"
#include "support/TestServices.h"

namespace galaos::daemon {

// The daemon as a child process whose output lines the test can wait for.
class DaemonProcess {
 public:
  explicit DaemonProcess(const std::filesystem::path& config_file,
                         std::map<std::string, std::string> environment = {},
                         const std::string& binary = GALAOS_CLI_PATH) {
    core::ProcessOptions options;
    options.argv = {binary, "--config", config_file.string(), "serve"};
    options.environment = std::move(environment);
    // A test runner under systemd must not hand the daemon its own notify socket.
    options.unset_environment = {"GALAOS_UPDATER_CONFIG",
                                 "GITHUB_REPO",
                                 "UPDATE_BRANCH",
                                 "AUTO_UPDATE_ENABLED",
                                 "BACKUP_RETENTION_COUNT",
                                 "UPDATE_CHECK_SCHEDULE",
                                 "NOTIFY_SOCKET",
                                 "WATCHDOG_USEC",
                                 "WATCHDOG_PID"};
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
  pid_t pid() const { return pid_; }

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

// Reads /events from its start until transaction `id` has ended (wait: false); its end event's
// data {id, state, success}, or null when the stream ended first.
inline nlohmann::json WaitForTransactionEnd(int port, const std::string& token,
                                            const std::string& id) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::minutes(5));
  std::string stream;
  nlohmann::json end;
  client.Get(
      "/events", httplib::Headers{{"Authorization", "Bearer " + token}, {"Last-Event-ID", "0"}},
      [&](const char* data, std::size_t size) {
        stream.append(data, size);
        for (std::size_t at = 0; (at = stream.find("data: ", at)) != std::string::npos;) {
          const std::size_t line_end = stream.find('\n', at);
          if (line_end == std::string::npos) break;
          const nlohmann::json event =
              nlohmann::json::parse(stream.substr(at + 6, line_end - at - 6), nullptr,
                                    /*allow_exceptions=*/false);
          at = line_end;
          if (event.is_object() && event.value("id", "") == id && event.contains("success")) {
            end = event;
            return false;
          }
        }
        return true;
      });
  return end;
}

// One call of a plan for tests/api/e2e/trpc-client.js: `procedure` of systemUpdates through
// `link` ("http" or "batch") with `token` (empty: none); calls of one `group` share a batch.
inline nlohmann::json TrpcCall(std::string_view link, std::string_view token, std::string_view kind,
                               std::string_view procedure, nlohmann::json input = nullptr,
                               std::optional<int> group = std::nullopt) {
  nlohmann::json call = {{"link", link},
                         {"token", token.empty() ? nlohmann::json(nullptr) : nlohmann::json(token)},
                         {"kind", kind},
                         {"path", fmt::format("systemUpdates.{}", procedure)}};
  if (!input.is_null()) call["input"] = std::move(input);
  if (group) call["group"] = *group;
  return call;
}

// Runs `plan` with the real @trpc/client (`client`) against the daemon on `port`: one answer
// per call, {ok: true, data} or {ok: false, error}. A failed run or a missing answer fails the
// test (and answers what there is).
inline nlohmann::json AskTrpcClient(const testing::NodeReference& client, int port,
                                    const nlohmann::json& plan) {
  Expected<nlohmann::json> answered = client.Ask(
      GALAOS_SOURCE_DIR "/tests/api/e2e/trpc-client.js",
      nlohmann::json{{"baseUrl", fmt::format("http://127.0.0.1:{}", port)}, {"plan", plan}});
  EXPECT_TRUE(answered.has_value()) << answered.error().message();
  EXPECT_EQ(answered ? answered->size() : 0, plan.size());
  return answered ? *answered : nlohmann::json::array();
}

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

  // The [update] and [commands] tables for code updates from the git fixture: the install does
  // nothing, the build runs the shell script `build` (empty: does nothing).
  static std::string UpdateTables(std::string_view build = "") {
    return fmt::format(
        "[update]\nsource = \"git\"\nmin_free_disk_mb = 1\n[commands]\n"
        "install = [\"true\"]\nbuild = [\"sh\", \"-c\", \"{}\"]\n",
        build.empty() ? "true" : build);
  }

  // A build script that waits for `go` to exist (so the update surely runs meanwhile), then
  // prints "built".
  static std::string BuildWaitingFor(const std::filesystem::path& go) {
    return fmt::format("while [ ! -e '{}' ]; do sleep 0.1; done; echo built", go.string());
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

}  // namespace galaos::daemon
