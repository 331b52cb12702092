#include "core/Process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "core/UniqueFd.h"

extern char** environ;

namespace galaos::core {
namespace {

using SteadyClock = std::chrono::steady_clock;
using LineCallback = std::function<void(OutputStream, std::string_view)>;

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr const char* kDefaultPath = "/bin:/usr/bin";  // what execvp uses when PATH is unset

// Through syscall(): Debian 12's <sys/pidfd.h> lacks extern "C", so C++ cannot link to it.
int PidfdOpen(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

Error ErrnoError(ErrorCode code, const std::string& what, int err) {
  return Error(code, what + ": " + std::strerror(err));
}

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Keeps 0-2 free so that the child's dup2 onto its standard descriptors cannot clobber a
// pipe end when the parent runs with a standard descriptor closed.
Status MoveAboveStdio(UniqueFd& fd) {
  if (fd.get() > STDERR_FILENO) return {};
  int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  if (moved < 0) {
    return std::unexpected(ErrnoError(ErrorCode::kFailed, "cannot move a pipe", errno));
  }
  fd = UniqueFd(moved);
  return {};
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

// Both ends close-on-exec; the parent's end (read or write) is also non-blocking.
Expected<Pipe> MakePipe(bool parent_reads) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return std::unexpected(ErrnoError(ErrorCode::kFailed, "cannot create a pipe", errno));
  }
  Pipe pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
  TRY(MoveAboveStdio(pipe.read));
  TRY(MoveAboveStdio(pipe.write));
  int parent_end = parent_reads ? pipe.read.get() : pipe.write.get();
  int flags = ::fcntl(parent_end, F_GETFL);
  if (flags < 0 || ::fcntl(parent_end, F_SETFL, flags | O_NONBLOCK) != 0) {
    return std::unexpected(ErrnoError(ErrorCode::kFailed, "cannot configure a pipe", errno));
  }
  return pipe;
}

std::string QuoteArg(const std::string& arg) {
  bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("@%+=:,./_-", c) != nullptr;
  });
  if (plain) return arg;
  std::string quoted = "'";
  for (char c : arg) quoted += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string JoinArgv(const std::vector<std::string>& argv) {
  std::string joined;
  for (const std::string& arg : argv) {
    if (!joined.empty()) joined += ' ';
    joined += QuoteArg(arg);
  }
  return joined;
}

Status Validate(const ProcessOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no program to run (empty argv)");
  }
  for (const std::string& arg : options.argv) {
    if (arg.find('\0') != std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "argument of " + options.argv[0] + " contains a NUL byte");
    }
  }
  auto valid_name = [](const std::string& name) {
    return !name.empty() && name.find_first_of(std::string_view("=\0", 2)) == std::string::npos;
  };
  for (const auto& [name, value] : options.environment) {
    if (!valid_name(name) || value.find('\0') != std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "invalid environment variable '" + name + "'");
    }
  }
  for (const std::string& name : options.unset_environment) {
    if (!valid_name(name)) {
      return MakeError(ErrorCode::kInvalidArgument, "invalid environment variable '" + name + "'");
    }
  }
  if (options.max_line_bytes == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "max_line_bytes must be positive");
  }
  if (options.timeout.count() < 0 || options.kill_grace.count() < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "timeout and kill_grace must not be negative");
  }
  return {};
}

std::vector<std::string> BuildEnvironment(const ProcessOptions& options) {
  std::vector<std::string> env;
  if (options.inherit_environment) {
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string_view text(*entry);
      std::string name(text.substr(0, text.find('=')));
      bool removed =
          options.environment.contains(name) ||
          std::ranges::find(options.unset_environment, name) != options.unset_environment.end();
      if (!removed) env.emplace_back(text);
    }
  }
  for (const auto& [name, value] : options.environment) env.push_back(name + "=" + value);
  return env;
}

std::string SearchPath(const std::vector<std::string>& env) {
  for (const std::string& entry : env) {
    if (entry.starts_with("PATH=")) return entry.substr(5);
  }
  return kDefaultPath;
}

// Checks `candidate` (relative paths resolved against the child's cwd) the way exec will.
Status CheckExecutable(const std::string& program, const std::string& candidate,
                       const std::filesystem::path& cwd) {
  std::string subject = "cannot run '" + program + "'";
  if (candidate != program) subject += " (" + candidate + ")";
  std::filesystem::path actual = candidate;
  if (actual.is_relative() && !cwd.empty()) actual = cwd / actual;
  struct stat info {};
  if (::stat(actual.c_str(), &info) != 0) {
    int err = errno;
    ErrorCode code = (err == ENOENT || err == ENOTDIR) ? ErrorCode::kNotFound : ErrorCode::kFailed;
    return std::unexpected(ErrnoError(code, subject, err));
  }
  if (S_ISDIR(info.st_mode)) return MakeError(ErrorCode::kFailed, subject + ": is a directory");
  if (::faccessat(AT_FDCWD, actual.c_str(), X_OK, AT_EACCESS) != 0) {
    return std::unexpected(ErrnoError(ErrorCode::kFailed, subject + ": not executable", errno));
  }
  return {};
}

// The path to exec: argv[0] itself when it contains '/', otherwise the first executable
// match in the child's PATH (an empty PATH entry means the child's working directory).
Expected<std::string> ResolveProgram(const std::string& program, const std::string& search_path,
                                     const std::filesystem::path& cwd) {
  if (program.find('/') != std::string::npos) {
    TRY(CheckExecutable(program, program, cwd));
    return program;
  }
  std::optional<Error> not_executable;
  std::string_view rest = search_path;
  for (;;) {
    std::size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    Status usable = CheckExecutable(program, candidate, cwd);
    if (usable) return candidate;
    if (usable.error().code() != ErrorCode::kNotFound && !not_executable) {
      not_executable = usable.error();
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  if (not_executable) return std::unexpected(*not_executable);
  return MakeError(ErrorCode::kNotFound,
                   "cannot run '" + program + "': not found in PATH (" + search_path + ")");
}

class SpawnActions {
 public:
  SpawnActions() { ::posix_spawn_file_actions_init(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  ~SpawnActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

class SpawnAttributes {
 public:
  SpawnAttributes() { ::posix_spawnattr_init(&attr_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  ~SpawnAttributes() { ::posix_spawnattr_destroy(&attr_); }
  posix_spawnattr_t* get() { return &attr_; }

 private:
  posix_spawnattr_t attr_;
};

// The child's descriptors (stdin from `stdin_read` or /dev/null), working directory, own
// process group, default signal dispositions and an empty signal mask.
Status ConfigureSpawn(SpawnActions& actions, SpawnAttributes& attributes, int stdin_read,
                      int stdout_write, int stderr_write, const std::filesystem::path& cwd) {
  int failure = 0;
  auto check = [&failure](int rc) {
    if (failure == 0) failure = rc;
  };
  if (stdin_read >= 0) {
    check(::posix_spawn_file_actions_adddup2(actions.get(), stdin_read, STDIN_FILENO));
  } else {
    check(
        ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0));
  }
  check(::posix_spawn_file_actions_adddup2(actions.get(), stdout_write, STDOUT_FILENO));
  check(::posix_spawn_file_actions_adddup2(actions.get(), stderr_write, STDERR_FILENO));
  if (!cwd.empty()) check(::posix_spawn_file_actions_addchdir_np(actions.get(), cwd.c_str()));
  // Descriptors some library opened without O_CLOEXEC must not leak into the child either.
  check(::posix_spawn_file_actions_addclosefrom_np(actions.get(), STDERR_FILENO + 1));

  sigset_t all_default;
  sigfillset(&all_default);
  sigset_t none_blocked;
  sigemptyset(&none_blocked);
  check(::posix_spawnattr_setflags(
      attributes.get(), POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
  check(::posix_spawnattr_setpgroup(attributes.get(), 0));  // a new group, led by the child
  check(::posix_spawnattr_setsigdefault(attributes.get(), &all_default));
  check(::posix_spawnattr_setsigmask(attributes.get(), &none_blocked));
  if (failure != 0) {
    return std::unexpected(ErrnoError(ErrorCode::kFailed, "cannot prepare the child", failure));
  }
  return {};
}

// Counts a stream, keeps its last tail_bytes and splits it into lines for on_line.
// Memory stays below 2 * tail_bytes + max_line_bytes whatever the child prints.
class OutputCollector {
 public:
  OutputCollector(OutputStream stream, const LineCallback* on_line, std::size_t max_line_bytes,
                  std::size_t tail_bytes)
      : stream_(stream), on_line_(on_line), max_line_(max_line_bytes), tail_bytes_(tail_bytes) {}

  void Append(std::string_view data) {
    total_ += data.size();
    KeepTail(data);
    if (on_line_ != nullptr && *on_line_) SplitLines(data);
  }

  // Delivers a final line that had no '\n'.
  void Finish() {
    if (on_line_ != nullptr && *on_line_ && !partial_.empty()) (*on_line_)(stream_, partial_);
    partial_.clear();
  }

  std::size_t total() const { return total_; }

  std::string TakeTail() {
    if (tail_.size() > tail_bytes_) tail_.erase(0, tail_.size() - tail_bytes_);
    return std::move(tail_);
  }

 private:
  void KeepTail(std::string_view data) {
    if (tail_bytes_ == 0) return;
    if (data.size() >= tail_bytes_) {
      tail_.assign(data.substr(data.size() - tail_bytes_));
      return;
    }
    tail_.append(data);
    if (tail_.size() > 2 * tail_bytes_) tail_.erase(0, tail_.size() - tail_bytes_);
  }

  // A line longer than max_line_ goes out in pieces of max_line_ bytes; a piece is only cut
  // once a byte beyond it arrives, so a line of exactly max_line_ bytes stays one call.
  void SplitLines(std::string_view data) {
    while (!data.empty()) {
      std::size_t newline = data.find('\n');
      std::string_view segment = data.substr(0, newline);
      while (partial_.size() + segment.size() > max_line_) {
        std::size_t take = max_line_ - partial_.size();
        if (partial_.empty()) {
          (*on_line_)(stream_, segment.substr(0, take));
        } else {
          partial_.append(segment.substr(0, take));
          (*on_line_)(stream_, partial_);
          partial_.clear();
        }
        segment.remove_prefix(take);
      }
      if (newline == std::string_view::npos) {
        partial_.append(segment);
        return;
      }
      if (partial_.empty()) {
        (*on_line_)(stream_, segment);
      } else {
        partial_.append(segment);
        (*on_line_)(stream_, partial_);
        partial_.clear();
      }
      data.remove_prefix(newline + 1);
    }
  }

  OutputStream stream_;
  const LineCallback* on_line_;
  std::size_t max_line_;
  std::size_t tail_bytes_;
  std::size_t total_ = 0;
  std::string tail_;
  std::string partial_;
};

// Blocks SIGPIPE on this thread around a pipe write and discards one the write raised, so a
// child that closed its stdin cannot kill us; the write then fails with EPIPE instead.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &previous_);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;
  ~ScopedSigpipeBlock() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

  void DiscardRaised() {
    if (was_pending_) return;
    const timespec no_wait{};
    while (sigtimedwait(&sigpipe_, nullptr, &no_wait) < 0 && errno == EINTR) {
    }
  }

 private:
  sigset_t sigpipe_;
  sigset_t previous_;
  bool was_pending_ = false;
};

// The parent's view of a running child during Wait/Terminate. Descriptors are the Process's
// own members, set to -1 when closed here.
struct ChildIo {
  int pidfd;
  bool exited = false;
  int& stdin_fd;
  std::string_view stdin_rest{};  // input not yet written
  int& stdout_fd;
  int& stderr_fd;
  OutputCollector& out;
  OutputCollector& err;
  std::vector<char>& buffer;
};

enum class PumpEnd { kDone, kDeadline, kCancelled };
enum class PumpUntil { kExited, kExitedAndOutputClosed };

Status ReadOutput(int& fd, OutputCollector& sink, std::vector<char>& buffer) {
  ssize_t n = ::read(fd, buffer.data(), buffer.size());
  if (n > 0) {
    sink.Append(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  } else if (n == 0) {
    CloseFd(fd);
  } else if (errno != EAGAIN && errno != EINTR) {
    int err = errno;
    CloseFd(fd);
    return std::unexpected(ErrnoError(ErrorCode::kIo, "cannot read the child's output", err));
  }
  return {};
}

Status WriteInput(ChildIo& io) {
  if (io.stdin_rest.empty()) {
    CloseFd(io.stdin_fd);
    return {};
  }
  ssize_t n;
  {
    ScopedSigpipeBlock block;
    n = ::write(io.stdin_fd, io.stdin_rest.data(), io.stdin_rest.size());
    if (n < 0 && errno == EPIPE) block.DiscardRaised();
  }
  if (n >= 0) {
    io.stdin_rest.remove_prefix(static_cast<std::size_t>(n));
    if (io.stdin_rest.empty()) CloseFd(io.stdin_fd);
  } else if (errno == EPIPE) {
    CloseFd(io.stdin_fd);  // the child stopped reading its input: not our failure
  } else if (errno != EAGAIN && errno != EINTR) {
    int err = errno;
    CloseFd(io.stdin_fd);
    return std::unexpected(ErrnoError(ErrorCode::kIo, "cannot write the child's input", err));
  }
  return {};
}

// Moves stdin and output until `until` holds, the deadline passes, or cancel_fd becomes
// readable. Sleeps in poll() only; it never reaps the child.
Expected<PumpEnd> Pump(ChildIo& io, PumpUntil until,
                       std::optional<SteadyClock::time_point> deadline, int cancel_fd) {
  for (;;) {
    bool output_closed = io.stdout_fd < 0 && io.stderr_fd < 0;
    if (io.exited && (until == PumpUntil::kExited || output_closed)) return PumpEnd::kDone;
    int timeout_ms = -1;
    if (deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - SteadyClock::now());
      if (left.count() <= 0) return PumpEnd::kDeadline;
      timeout_ms = static_cast<int>(std::min<long long>(left.count(), INT_MAX));
    }

    pollfd fds[5];
    nfds_t count = 0;
    auto watch = [&](int fd, short events) {
      if (fd < 0) return -1;
      fds[count] = pollfd{fd, events, 0};
      return static_cast<int>(count++);
    };
    int out_at = watch(io.stdout_fd, POLLIN);
    int err_at = watch(io.stderr_fd, POLLIN);
    int in_at = watch(io.stdin_fd, POLLOUT);
    int exit_at = watch(io.exited ? -1 : io.pidfd, POLLIN);
    int cancel_at = watch(cancel_fd, POLLIN);

    if (::poll(fds, count, timeout_ms) < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(ErrnoError(ErrorCode::kFailed, "poll on the child failed", errno));
    }
    auto ready = [&](int at) { return at >= 0 && fds[at].revents != 0; };
    // Output before exit: what the child wrote before exiting is read before we stop.
    if (ready(out_at)) TRY(ReadOutput(io.stdout_fd, io.out, io.buffer));
    if (ready(err_at)) TRY(ReadOutput(io.stderr_fd, io.err, io.buffer));
    if (ready(in_at)) TRY(WriteInput(io));
    if (ready(exit_at)) io.exited = true;
    if (ready(cancel_at) && !io.exited) return PumpEnd::kCancelled;
  }
}

// Reads what the pipe holds right now (everything an exited child wrote), then closes it.
// Not reading to EOF keeps a background process that inherited the pipe from holding us.
void DrainAndClose(int& fd, OutputCollector& sink, std::vector<char>& buffer) {
  if (fd < 0) return;
  int available = 0;
  if (::ioctl(fd, FIONREAD, &available) == 0) {
    while (available > 0) {
      std::size_t want = std::min(buffer.size(), static_cast<std::size_t>(available));
      ssize_t n = ::read(fd, buffer.data(), want);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      sink.Append(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      available -= static_cast<int>(n);
    }
  }
  CloseFd(fd);
}

// SIGTERM (and SIGCONT, so stopped members see it) to the group; waits up to `grace` for the
// leader to exit and the output pipes to close; then SIGKILL to the group, which reaches
// members that ignored SIGTERM. The leader is not reaped yet, so its pid still names the group.
Status TerminateGroup(pid_t pid, std::chrono::milliseconds grace, ChildIo& io) {
  ::kill(-pid, SIGTERM);
  ::kill(-pid, SIGCONT);
  CloseFd(io.stdin_fd);
  Expected<PumpEnd> waited =
      Pump(io, PumpUntil::kExitedAndOutputClosed, SteadyClock::now() + grace, -1);
  ::kill(-pid, SIGKILL);
  if (!waited) return std::unexpected(waited.error());
  return {};
}

Expected<int> Reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return std::unexpected(ErrnoError(ErrorCode::kFailed,
                                        "cannot reap child process " + std::to_string(pid), errno));
    }
  }
  return status;
}

// The last `count` non-empty lines of `text`, cut to their last `max_bytes` bytes.
std::string LastLines(std::string_view text, std::size_t count, std::size_t max_bytes) {
  std::vector<std::string_view> lines;
  while (!text.empty() && lines.size() < count) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    std::size_t start = text.rfind('\n');
    start = (start == std::string_view::npos) ? 0 : start + 1;
    if (start < text.size()) lines.push_back(text.substr(start));
    text.remove_suffix(text.size() - start);
  }
  std::string joined;
  for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
    if (!joined.empty()) joined += '\n';
    joined += *line;
  }
  if (joined.size() > max_bytes) joined = "..." + joined.substr(joined.size() - max_bytes);
  return joined;
}

}  // namespace

std::string ProcessResult::Describe() const {
  std::string what;
  if (signal != 0) {
    const char* name = ::sigdescr_np(signal);
    what = "killed by signal " + std::to_string(signal) + " (" +
           (name != nullptr ? name : "unknown signal") + ")";
  } else {
    what = "exited with status " + std::to_string(exit_code);
  }
  std::string ran = std::to_string(elapsed.count()) + " ms";
  if (timed_out) return "timed out after " + ran + ", " + what;
  if (cancelled) return "cancelled after " + ran + ", " + what;
  return what;
}

Expected<Process> Process::Start(ProcessOptions options) {
  TRY(Validate(options));
  const std::string& program = options.argv[0];
  if (!options.cwd.empty()) {
    std::error_code error;
    if (!std::filesystem::is_directory(options.cwd, error)) {
      return MakeError(ErrorCode::kNotFound, "cannot run '" + program + "': working directory " +
                                                 options.cwd.string() + " does not exist");
    }
  }
  std::vector<std::string> env = BuildEnvironment(options);
  std::string executable = TRY(ResolveProgram(program, SearchPath(env), options.cwd));

  std::optional<Pipe> stdin_pipe;
  if (options.stdin_data) stdin_pipe = TRY(MakePipe(/*parent_reads=*/false));
  Pipe stdout_pipe = TRY(MakePipe(/*parent_reads=*/true));
  Pipe stderr_pipe = TRY(MakePipe(/*parent_reads=*/true));

  SpawnActions actions;
  SpawnAttributes attributes;
  TRY(ConfigureSpawn(actions, attributes, stdin_pipe ? stdin_pipe->read.get() : -1,
                     stdout_pipe.write.get(), stderr_pipe.write.get(), options.cwd));

  std::vector<char*> argv;
  for (std::string& arg : options.argv) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);

  auto started = SteadyClock::now();
  pid_t pid = -1;
  int spawn_error = ::posix_spawn(&pid, executable.c_str(), actions.get(), attributes.get(),
                                  argv.data(), envp.data());
  if (spawn_error != 0) {
    // The program was checked above, so ENOENT from exec means its "#!" interpreter is missing.
    ErrorCode code = spawn_error == ENOENT ? ErrorCode::kNotFound : ErrorCode::kFailed;
    std::string hint = spawn_error == ENOENT ? " (missing interpreter?)" : "";
    return std::unexpected(
        ErrnoError(code, "cannot run '" + program + "' (" + executable + ")" + hint, spawn_error));
  }

  UniqueFd pidfd(PidfdOpen(pid));
  if (pidfd.get() < 0) {
    int err = errno;
    ::kill(-pid, SIGKILL);
    Expected<int> reaped = Reap(pid);
    if (!reaped) spdlog::warn("{}", reaped.error().message());
    return std::unexpected(
        ErrnoError(ErrorCode::kFailed, "cannot watch child process '" + program + "'", err));
  }

  Process process;
  process.options_ = std::move(options);
  process.pid_ = pid;
  process.pidfd_ = pidfd.Release();
  process.stdout_fd_ = stdout_pipe.read.Release();
  process.stderr_fd_ = stderr_pipe.read.Release();
  if (stdin_pipe) process.stdin_fd_ = stdin_pipe->write.Release();
  process.started_ = started;
  return process;
}

Process::Process(Process&& other) noexcept
    : options_(std::move(other.options_)),
      pid_(std::exchange(other.pid_, -1)),
      stdout_fd_(std::exchange(other.stdout_fd_, -1)),
      stderr_fd_(std::exchange(other.stderr_fd_, -1)),
      stdin_fd_(std::exchange(other.stdin_fd_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      started_(other.started_) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    Terminate();
    Reset();
    options_ = std::move(other.options_);
    pid_ = std::exchange(other.pid_, -1);
    stdout_fd_ = std::exchange(other.stdout_fd_, -1);
    stderr_fd_ = std::exchange(other.stderr_fd_, -1);
    stdin_fd_ = std::exchange(other.stdin_fd_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
    started_ = other.started_;
  }
  return *this;
}

Process::~Process() {
  Terminate();
  Reset();
}

void Process::Reset() noexcept {
  CloseFd(stdout_fd_);
  CloseFd(stderr_fd_);
  CloseFd(stdin_fd_);
  CloseFd(pidfd_);
}

Expected<ProcessResult> Process::Wait() {
  if (pid_ <= 0) return MakeError(ErrorCode::kFailed, "no running process to wait for");
  const LineCallback* on_line = options_.on_line ? &options_.on_line : nullptr;
  OutputCollector out(OutputStream::kStdout, on_line, options_.max_line_bytes, options_.tail_bytes);
  OutputCollector err(OutputStream::kStderr, on_line, options_.max_line_bytes, options_.tail_bytes);
  std::vector<char> buffer(kReadChunk);
  std::string_view stdin_data = options_.stdin_data ? *options_.stdin_data : std::string_view();
  ChildIo io{.pidfd = pidfd_,
             .stdin_fd = stdin_fd_,
             .stdin_rest = stdin_data,
             .stdout_fd = stdout_fd_,
             .stderr_fd = stderr_fd_,
             .out = out,
             .err = err,
             .buffer = buffer};

  // A stop request wakes poll() through this eventfd: no polling for the stop_token.
  UniqueFd cancel_fd;
  if (options_.cancel.stop_possible()) {
    cancel_fd = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (cancel_fd.get() < 0) {
      return std::unexpected(ErrnoError(ErrorCode::kFailed, "cannot create an eventfd", errno));
    }
  }
  auto wake = [fd = cancel_fd.get()] { ::eventfd_write(fd, 1); };
  std::optional<std::stop_callback<decltype(wake)>> on_stop;  // destroyed before cancel_fd
  if (cancel_fd.get() >= 0) on_stop.emplace(options_.cancel, wake);

  std::optional<SteadyClock::time_point> deadline;
  if (options_.timeout.count() > 0) deadline = started_ + options_.timeout;

  ProcessResult result;
  PumpEnd end = TRY(Pump(io, PumpUntil::kExited, deadline, cancel_fd.get()));
  Status terminated;
  if (end != PumpEnd::kDone) {
    (end == PumpEnd::kDeadline ? result.timed_out : result.cancelled) = true;
    terminated = TerminateGroup(pid_, options_.kill_grace, io);
  }
  DrainAndClose(stdout_fd_, out, buffer);
  DrainAndClose(stderr_fd_, err, buffer);
  CloseFd(stdin_fd_);
  out.Finish();
  err.Finish();

  Expected<int> status = Reap(pid_);
  pid_ = -1;  // reaped (or unreapable): never signal this pid again
  CloseFd(pidfd_);
  if (!status) return std::unexpected(status.error());
  if (!terminated) return std::unexpected(terminated.error());

  if (WIFSIGNALED(*status)) {
    result.signal = WTERMSIG(*status);
  } else {
    result.exit_code = WEXITSTATUS(*status);
  }
  result.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started_);
  result.stdout_bytes = out.total();
  result.stderr_bytes = err.total();
  result.stdout_tail = out.TakeTail();
  result.stderr_tail = err.TakeTail();
  return result;
}

void Process::Terminate() {
  if (pid_ <= 0) return;
  OutputCollector discard_out(OutputStream::kStdout, nullptr, 1, 0);
  OutputCollector discard_err(OutputStream::kStderr, nullptr, 1, 0);
  std::vector<char> buffer(kReadChunk);
  ChildIo io{.pidfd = pidfd_,
             .stdin_fd = stdin_fd_,
             .stdout_fd = stdout_fd_,
             .stderr_fd = stderr_fd_,
             .out = discard_out,
             .err = discard_err,
             .buffer = buffer};
  Status terminated = TerminateGroup(pid_, options_.kill_grace, io);
  if (!terminated) spdlog::warn("terminating process {}: {}", pid_, terminated.error().message());
  Expected<int> reaped = Reap(pid_);
  if (!reaped) spdlog::warn("{}", reaped.error().message());
  pid_ = -1;
  Reset();
}

Expected<ProcessResult> RunProcess(ProcessOptions options) {
  Process process = TRY(Process::Start(std::move(options)));
  return process.Wait();
}

Expected<ProcessResult> RunChecked(ProcessOptions options) {
  std::string command = JoinArgv(options.argv);
  ProcessResult result = TRY(RunProcess(std::move(options)));
  if (result.Succeeded()) return result;
  ErrorCode code = result.timed_out   ? ErrorCode::kTimeout
                   : result.cancelled ? ErrorCode::kCancelled
                                      : ErrorCode::kFailed;
  std::string message = "`" + command + "` " + result.Describe();
  std::string stderr_lines = LastLines(result.stderr_tail, 5, 2000);
  if (!stderr_lines.empty()) message += "; stderr:\n" + stderr_lines;
  return MakeError(code, std::move(message));
}

}  // namespace galaos::core
