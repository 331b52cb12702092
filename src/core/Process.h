// Process: runs a child program from an argv array (never through a shell), in its own
// process group, with a timeout; its output is streamed line by line while it runs and a
// bounded tail of each stream is kept for the record, however much the child prints.
// On timeout, cancellation or destruction the whole group gets SIGTERM, then SIGKILL after
// a grace period, so no grandchild outlives it. When the child exits on its own, Wait()
// collects what it wrote and returns; background processes it left behind are neither waited
// for nor killed, and their later output is not collected.
// Requires Linux >= 5.3 (pidfd). The caller must not reap the child (SIGCHLD set to SIG_IGN
// or a waitpid(-1) elsewhere would make Wait() fail).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::core {

enum class OutputStream { kStdout, kStderr };

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::filesystem::path cwd;      // empty: the parent's working directory
  bool inherit_environment = true;
  std::map<std::string, std::string> environment;  // set or overridden in the child
  std::vector<std::string> unset_environment;      // removed before `environment` is applied
  std::optional<std::string> stdin_data;           // nullopt: the child's stdin is /dev/null
  std::chrono::milliseconds timeout{0};            // from Start(); 0: no timeout
  std::chrono::milliseconds kill_grace{std::chrono::seconds(5)};  // SIGTERM -> SIGKILL
  std::stop_token cancel;  // a stop request terminates the child like a timeout
  // Called on the waiting thread for every complete line (without its '\n'); lines longer
  // than max_line_bytes are delivered in pieces. A final unterminated line is delivered too.
  // An exception it throws leaves Wait(); the child is then terminated by ~Process.
  std::function<void(OutputStream, std::string_view)> on_line;
  std::size_t max_line_bytes = 64 * 1024;
  std::size_t tail_bytes = 64 * 1024;  // bytes kept of each stream's end
};

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // 0 when it exited
  bool timed_out = false;
  bool cancelled = false;
  std::string stdout_tail;  // the last tail_bytes of stdout
  std::string stderr_tail;
  std::size_t stdout_bytes = 0;  // total bytes seen
  std::size_t stderr_bytes = 0;
  std::chrono::milliseconds elapsed{0};

  bool Succeeded() const { return exit_code == 0 && !timed_out && !cancelled; }
  // "exited with status 1", "killed by signal 9 (Killed)", "timed out after 5000 ms" ...
  std::string Describe() const;
};

class Process {
 public:
  // Starts the child. A missing or non-executable program is an error naming it.
  static Expected<Process> Start(ProcessOptions options);

  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Terminates the process group (SIGTERM, grace, SIGKILL) if the child is still running.
  ~Process();

  pid_t pid() const { return pid_; }

  // Streams output until the child exits (or times out / is cancelled) and reaps it.
  Expected<ProcessResult> Wait();

  // SIGTERM to the group, wait up to kill_grace, then SIGKILL; reaps the child.
  void Terminate();

 private:
  Process() = default;
  void Reset() noexcept;

  ProcessOptions options_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  int stdin_fd_ = -1;
  int pidfd_ = -1;  // readable once the child has exited; the child stays unreaped until Wait
  std::chrono::steady_clock::time_point started_;
};

// Start + Wait.
Expected<ProcessResult> RunProcess(ProcessOptions options);

// Runs and requires exit status 0; otherwise an error with the command, Describe() and the
// last lines of stderr.
Expected<ProcessResult> RunChecked(ProcessOptions options);

}  // namespace galaos::core
