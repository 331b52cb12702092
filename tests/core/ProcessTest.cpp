#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/Process.h"
#include "core/TempDir.h"

namespace galaos::core {
namespace {

using std::chrono::milliseconds;

// The test may run a shell script because it tests Process itself; production code never does.
ProcessOptions Sh(std::string script) {
  ProcessOptions options;
  options.argv = {"/bin/sh", "-c", std::move(script)};
  return options;
}

struct Lines {
  std::vector<std::string> out;
  std::vector<std::string> err;
};

std::function<void(OutputStream, std::string_view)> CollectInto(Lines& lines) {
  return [&lines](OutputStream stream, std::string_view line) {
    (stream == OutputStream::kStdout ? lines.out : lines.err).emplace_back(line);
  };
}

void WriteExecutable(const std::filesystem::path& path, const std::string& content,
                     mode_t mode = 0755) {
  std::ofstream(path) << content;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

bool Alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

// True once `pid` no longer exists. We are the subreaper of orphaned grandchildren, so
// reaping here turns a killed orphan into a gone one instead of a lingering zombie.
bool GoneWithin(pid_t pid, milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    ::waitpid(pid, nullptr, WNOHANG);
    if (!Alive(pid) && errno == ESRCH) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
}

long StatusKilobytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

milliseconds CpuTimeUsed() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto micros = [](timeval t) { return t.tv_sec * 1'000'000L + t.tv_usec; };
  return milliseconds((micros(usage.ru_utime) + micros(usage.ru_stime)) / 1000);
}

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("galaos-process-test-");
    ASSERT_TRUE(dir.has_value()) << dir.error().message();
    dir_.emplace(std::move(*dir));
  }
  const std::filesystem::path& dir() const { return dir_->path(); }

 private:
  std::optional<TempDir> dir_;
};

// Makes this test process the reaper of orphaned grandchildren, so their death is observable
// whatever PID 1 of the machine does with zombies.
class ProcessGroupTest : public ProcessTest {
 protected:
  void SetUp() override {
    ProcessTest::SetUp();
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  }
  void TearDown() override {
    for (pid_t pid : leftovers_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  // Killed at the end of the test if still alive, so a failing test leaves nothing behind.
  void Track(pid_t pid) { leftovers_.push_back(pid); }

 private:
  std::vector<pid_t> leftovers_;
};

TEST_F(ProcessTest, ZeroExitSucceeds) {
  auto result = RunProcess(Sh("exit 0"));
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_TRUE(result->Succeeded());
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->signal, 0);
  EXPECT_EQ(result->Describe(), "exited with status 0");
}

TEST_F(ProcessTest, NonZeroExitCodeIsReported) {
  for (int code : {1, 3, 255}) {
    auto result = RunProcess(Sh("exit " + std::to_string(code)));
    ASSERT_TRUE(result.has_value()) << result.error().message();
    EXPECT_FALSE(result->Succeeded());
    EXPECT_EQ(result->exit_code, code);
    EXPECT_EQ(result->signal, 0);
    EXPECT_EQ(result->Describe(), "exited with status " + std::to_string(code));
  }
}

TEST_F(ProcessTest, DeathBySignalIsReported) {
  auto result = RunProcess(Sh("kill -KILL $$"));
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_FALSE(result->Succeeded());
  EXPECT_EQ(result->exit_code, -1);
  EXPECT_EQ(result->signal, SIGKILL);
  EXPECT_FALSE(result->timed_out);
  EXPECT_EQ(result->Describe(), "killed by signal 9 (Killed)");
}

TEST(ProcessResultTest, DescribeNamesTimeoutAndCancellation) {
  ProcessResult result;
  result.signal = SIGTERM;
  result.elapsed = milliseconds(5012);
  result.timed_out = true;
  EXPECT_EQ(result.Describe(), "timed out after 5012 ms, killed by signal 15 (Terminated)");
  result.timed_out = false;
  result.cancelled = true;
  EXPECT_EQ(result.Describe(), "cancelled after 5012 ms, killed by signal 15 (Terminated)");
  EXPECT_FALSE(result.Succeeded());
}

TEST(ProcessResultTest, ExitZeroAfterTimeoutIsNotSuccess) {
  ProcessResult result;
  result.exit_code = 0;
  result.timed_out = true;
  EXPECT_FALSE(result.Succeeded());
}

TEST_F(ProcessTest, MissingProgramInPathIsNotFoundErrorNamingIt) {
  ProcessOptions options;
  options.argv = {"galaos-no-such-program", "--version"};
  auto process = Process::Start(options);
  ASSERT_FALSE(process.has_value());
  EXPECT_EQ(process.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(process.error().message().find("'galaos-no-such-program'"), std::string::npos)
      << process.error().message();
  EXPECT_NE(process.error().message().find("not found in PATH"), std::string::npos)
      << process.error().message();
}

TEST_F(ProcessTest, MissingProgramPathIsNotFoundErrorNamingIt) {
  ProcessOptions options;
  options.argv = {(dir() / "missing-tool").string()};
  auto process = Process::Start(options);
  ASSERT_FALSE(process.has_value());
  EXPECT_EQ(process.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(process.error().message().find((dir() / "missing-tool").string()), std::string::npos)
      << process.error().message();
}

TEST_F(ProcessTest, NonExecutableFileIsFailedErrorNamingIt) {
  WriteExecutable(dir() / "tool", "#!/bin/sh\necho hi\n", 0644);
  ProcessOptions options;
  options.argv = {(dir() / "tool").string()};
  auto process = Process::Start(options);
  ASSERT_FALSE(process.has_value());
  EXPECT_EQ(process.error().code(), ErrorCode::kFailed);
  EXPECT_NE(process.error().message().find((dir() / "tool").string()), std::string::npos);
  EXPECT_NE(process.error().message().find("not executable"), std::string::npos)
      << process.error().message();
}

TEST_F(ProcessTest, NonExecutableFileInPathIsReportedRatherThanNotFound) {
  WriteExecutable(dir() / "tool", "#!/bin/sh\necho hi\n", 0644);
  ProcessOptions options;
  options.argv = {"tool"};
  options.environment["PATH"] = dir().string();
  auto process = Process::Start(options);
  ASSERT_FALSE(process.has_value());
  EXPECT_EQ(process.error().code(), ErrorCode::kFailed);
  EXPECT_NE(process.error().message().find("not executable"), std::string::npos)
      << process.error().message();
}

TEST_F(ProcessTest, DirectoryAsProgramIsAnError) {
  ProcessOptions options;
  options.argv = {dir().string()};
  auto process = Process::Start(options);
  ASSERT_FALSE(process.has_value());
  EXPECT_EQ(process.error().code(), ErrorCode::kFailed);
  EXPECT_NE(process.error().message().find("is a directory"), std::string::npos);
}

// execvp would hand a script without "#!" to /bin/sh; we must not.
TEST_F(ProcessTest, ExecutableWithoutInterpreterLineIsNotRunThroughAShell) {
  WriteExecutable(dir() / "script", "touch " + (dir() / "ran").string() + "\n");
  ProcessOptions options;
  options.argv = {(dir() / "script").string()};
  auto process = Process::Start(options);
  ASSERT_FALSE(process.has_value());
  EXPECT_EQ(process.error().code(), ErrorCode::kFailed);
  EXPECT_NE(process.error().message().find("Exec format error"), std::string::npos)
      << process.error().message();
  EXPECT_FALSE(std::filesystem::exists(dir() / "ran"));
}

TEST_F(ProcessTest, MissingInterpreterIsNotFoundErrorNamingTheProgram) {
  WriteExecutable(dir() / "script", "#!/nonexistent/interpreter\n");
  ProcessOptions options;
  options.argv = {(dir() / "script").string()};
  auto process = Process::Start(options);
  ASSERT_FALSE(process.has_value());
  EXPECT_EQ(process.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(process.error().message().find((dir() / "script").string()), std::string::npos);
}

TEST_F(ProcessTest, InvalidOptionsAreRejected) {
  ProcessOptions empty;
  EXPECT_EQ(Process::Start(empty).error().code(), ErrorCode::kInvalidArgument);

  ProcessOptions bad_name = Sh("true");
  bad_name.environment["A=B"] = "x";
  EXPECT_EQ(Process::Start(bad_name).error().code(), ErrorCode::kInvalidArgument);

  ProcessOptions zero_line = Sh("true");
  zero_line.max_line_bytes = 0;
  EXPECT_EQ(Process::Start(zero_line).error().code(), ErrorCode::kInvalidArgument);

  ProcessOptions nul_arg;
  nul_arg.argv = {"/bin/echo", std::string("a\0b", 3)};
  EXPECT_EQ(Process::Start(nul_arg).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ProcessTest, OutputOrderIsKeptPerStream) {
  Lines lines;
  ProcessOptions options =
      Sh("i=1; while [ $i -le 2000 ]; do echo out$i; echo err$i >&2; i=$((i+1)); done");
  options.on_line = CollectInto(lines);
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  ASSERT_EQ(lines.out.size(), 2000u);
  ASSERT_EQ(lines.err.size(), 2000u);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_EQ(lines.out[i], "out" + std::to_string(i + 1));
    ASSERT_EQ(lines.err[i], "err" + std::to_string(i + 1));
  }
}

TEST_F(ProcessTest, EmptyLinesAndFinalUnterminatedLineAreDelivered) {
  Lines lines;
  ProcessOptions options = Sh("printf 'a\\n\\nb'; printf 'x\\ny' >&2");
  options.on_line = CollectInto(lines);
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(lines.out, (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(lines.err, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(result->stdout_tail, "a\n\nb");
  EXPECT_EQ(result->stderr_tail, "x\ny");
  EXPECT_EQ(result->stdout_bytes, 4u);
}

TEST_F(ProcessTest, LongLinesAreDeliveredInPiecesOfAtMostMaxLineBytes) {
  Lines lines;
  // 25 bytes, exactly 10 bytes, then 20 bytes without a final newline.
  ProcessOptions options =
      Sh("printf 'aaaaaaaaaabbbbbbbbbbccccc\\n0123456789\\nXXXXXXXXXXYYYYYYYYYY'");
  options.max_line_bytes = 10;
  options.on_line = CollectInto(lines);
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(lines.out, (std::vector<std::string>{"aaaaaaaaaa", "bbbbbbbbbb", "ccccc", "0123456789",
                                                 "XXXXXXXXXX", "YYYYYYYYYY"}));
}

TEST_F(ProcessTest, TailKeepsOnlyTheLastTailBytes) {
  ProcessOptions options = Sh("i=0; while [ $i -lt 1000 ]; do echo line$i; i=$((i+1)); done");
  options.tail_bytes = 16;
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->stdout_tail, "line998\nline999\n");
  EXPECT_EQ(result->stdout_bytes, 7890u);
}

// 200 MB on stdout without a newline until the end: nothing fails, every byte is counted,
// the tail is exactly tail_bytes, on_line gets bounded pieces, and our memory stays bounded.
TEST_F(ProcessTest, TwoHundredMegabytesOfOutputKeepBoundedTailAndMemory) {
  constexpr std::size_t kBytes = 200'000'000;
  ProcessOptions options = Sh("head -c " + std::to_string(kBytes) +
                              " /dev/zero | tr '\\0' x; echo; echo END; echo done >&2");
  options.max_line_bytes = 1000;
  options.tail_bytes = 4096;
  std::size_t pieces = 0;
  std::size_t piece_bytes = 0;
  std::size_t largest_piece = 0;
  std::string last_line;
  options.on_line = [&](OutputStream stream, std::string_view line) {
    if (stream != OutputStream::kStdout) return;
    ++pieces;
    piece_bytes += line.size();
    largest_piece = std::max(largest_piece, line.size());
    last_line = line;
  };
  long peak_before_kb = StatusKilobytes("VmHWM");
  auto result = RunProcess(options);
  long peak_after_kb = StatusKilobytes("VmHWM");
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_TRUE(result->Succeeded()) << result->Describe();
  EXPECT_EQ(result->stdout_bytes, kBytes + std::string("\nEND\n").size());
  EXPECT_EQ(result->stdout_tail.size(), 4096u);
  EXPECT_EQ(result->stdout_tail, std::string(4096 - 5, 'x') + "\nEND\n");
  EXPECT_EQ(result->stderr_tail, "done\n");
  EXPECT_EQ(largest_piece, 1000u);
  EXPECT_EQ(piece_bytes, kBytes + 3);
  EXPECT_EQ(pieces, kBytes / 1000 + 1);
  EXPECT_EQ(last_line, "END");
  // Keeping the output would add 200 MB; allow generous slack for the allocator.
  EXPECT_LT(peak_after_kb - peak_before_kb, 64 * 1024)
      << "VmHWM grew by " << peak_after_kb - peak_before_kb << " kB";
}

// The child fills a 1 MiB pipe and exits while we are still busy with its first line (the
// callback stalls): what is still buffered once the exit is noticed must be read too.
// perl (Debian's essential perl-base) can resize its stdout pipe; sh cannot.
TEST_F(ProcessTest, OutputStillBufferedWhenTheChildExitsIsCollected) {
  ProcessOptions options;
  options.argv = {"perl", "-e",
                  "fcntl(STDOUT, 1031, 1 << 20) or die 'F_SETPIPE_SZ'; $| = 1; print \"first\\n\"; "
                  "print 'x' x 1000000 . \"\\nEND\\n\""};
  options.on_line = [](OutputStream, std::string_view line) {
    if (line == "first") std::this_thread::sleep_for(milliseconds(300));
  };
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  ASSERT_TRUE(result->Succeeded()) << result->Describe() << ": " << result->stderr_tail;
  EXPECT_EQ(result->stdout_bytes, 1'000'011u);
  EXPECT_TRUE(result->stdout_tail.ends_with("x\nEND\n"));
}

TEST_F(ProcessTest, TimeoutTerminatesTheChild) {
  ProcessOptions options = Sh("sleep 30");
  options.timeout = milliseconds(200);
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_TRUE(result->timed_out);
  EXPECT_FALSE(result->cancelled);
  EXPECT_FALSE(result->Succeeded());
  EXPECT_EQ(result->signal, SIGTERM);
  EXPECT_GE(result->elapsed, milliseconds(200));
  EXPECT_LT(result->elapsed, milliseconds(5000));
  EXPECT_NE(result->Describe().find("timed out after"), std::string::npos);
}

TEST_F(ProcessTest, ChildIgnoringSigtermIsKilledAfterTheGracePeriod) {
  Lines lines;
  ProcessOptions options = Sh("trap '' TERM; echo ready; sleep 30");
  options.timeout = milliseconds(300);
  options.kill_grace = milliseconds(300);
  options.on_line = CollectInto(lines);
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  ASSERT_EQ(lines.out, std::vector<std::string>{"ready"}) << "SIGTERM came before the trap";
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->signal, SIGKILL);
  EXPECT_GE(result->elapsed, milliseconds(600));
  EXPECT_LT(result->elapsed, milliseconds(5000));
  EXPECT_NE(result->Describe().find("killed by signal 9"), std::string::npos);
}

TEST_F(ProcessTest, OutputDuringTheGracePeriodIsCollectedAndOwnExitReported) {
  Lines lines;
  ProcessOptions options =
      Sh("trap 'echo shutting down; exit 7' TERM; echo ready; sleep 30 & wait");
  options.timeout = milliseconds(300);
  options.kill_grace = milliseconds(3000);
  options.on_line = CollectInto(lines);
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->exit_code, 7);
  EXPECT_EQ(result->signal, 0);
  EXPECT_EQ(lines.out, (std::vector<std::string>{"ready", "shutting down"}));
  EXPECT_LT(result->elapsed, milliseconds(3000));
}

TEST_F(ProcessGroupTest, GrandchildIsKilledWithTheGroupOnTimeout) {
  Lines lines;
  ProcessOptions options = Sh("sleep 30 & echo $!; sleep 30");
  options.timeout = milliseconds(300);
  options.on_line = CollectInto(lines);
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  ASSERT_EQ(lines.out.size(), 1u);
  pid_t grandchild = std::stoi(lines.out[0]);
  Track(grandchild);
  EXPECT_TRUE(result->timed_out);
  EXPECT_TRUE(GoneWithin(grandchild, milliseconds(2000))) << "grandchild " << grandchild;
}

TEST_F(ProcessGroupTest, GrandchildIgnoringSigtermIsKilledAfterTheGracePeriod) {
  Lines lines;
  ProcessOptions options = Sh("(trap '' TERM; exec sleep 30) & echo $!; sleep 30");
  options.timeout = milliseconds(300);
  options.kill_grace = milliseconds(300);
  options.on_line = CollectInto(lines);
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  ASSERT_EQ(lines.out.size(), 1u);
  pid_t grandchild = std::stoi(lines.out[0]);
  Track(grandchild);
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->signal, SIGTERM);  // the shell itself died at once
  EXPECT_TRUE(GoneWithin(grandchild, milliseconds(2000))) << "grandchild " << grandchild;
}

TEST_F(ProcessGroupTest, DestructorKillsTheWholeGroup) {
  std::filesystem::path fifo = dir() / "pids";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  pid_t leader = -1;
  pid_t grandchild = -1;
  auto destroyed_at = std::chrono::steady_clock::now();
  {
    ProcessOptions options = Sh("sleep 30 & echo $! > \"$0\"; sleep 30");
    options.argv.push_back(fifo.string());  // $0 of the script
    auto process = Process::Start(options);
    ASSERT_TRUE(process.has_value()) << process.error().message();
    leader = process->pid();
    pollfd wait_for_pid{reader, POLLIN, 0};
    ASSERT_EQ(::poll(&wait_for_pid, 1, 5000), 1);
    char text[32] = {};
    ASSERT_GT(::read(reader, text, sizeof text - 1), 0);
    grandchild = std::atoi(text);
    Track(grandchild);
    ASSERT_TRUE(Alive(grandchild));
    destroyed_at = std::chrono::steady_clock::now();
  }
  ::close(reader);
  EXPECT_LT(std::chrono::steady_clock::now() - destroyed_at, milliseconds(3000));
  EXPECT_TRUE(GoneWithin(leader, milliseconds(2000))) << "leader " << leader;
  EXPECT_TRUE(GoneWithin(grandchild, milliseconds(2000))) << "grandchild " << grandchild;
}

// Documented contract: a normal exit does not wait for, nor kill, what the child left running.
TEST_F(ProcessGroupTest, WaitReturnsWhenTheChildExitsEvenIfABackgroundProcessKeepsItsOutput) {
  Lines lines;
  ProcessOptions options = Sh("sleep 30 & echo $!; echo done");
  options.timeout = milliseconds(10000);
  options.on_line = CollectInto(lines);
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  ASSERT_EQ(lines.out.size(), 2u);
  pid_t background = std::stoi(lines.out[0]);
  Track(background);
  EXPECT_EQ(lines.out[1], "done");
  EXPECT_TRUE(result->Succeeded()) << result->Describe();
  EXPECT_LT(result->elapsed, milliseconds(5000));
  EXPECT_TRUE(Alive(background));
}

TEST_F(ProcessGroupTest, ChildLeadsItsOwnProcessGroupAndTerminateReapsIt) {
  auto process = Process::Start(Sh("sleep 30"));
  ASSERT_TRUE(process.has_value()) << process.error().message();
  pid_t pid = process->pid();
  EXPECT_EQ(::getpgid(pid), pid);
  EXPECT_NE(::getpgid(pid), ::getpgrp());
  process->Terminate();
  EXPECT_EQ(process->pid(), -1);
  EXPECT_TRUE(GoneWithin(pid, milliseconds(0)));
  EXPECT_FALSE(process->Wait().has_value());
}

TEST_F(ProcessTest, CancellationFromOnLineStopsTheChild) {
  std::stop_source stop;
  ProcessOptions options = Sh("echo ready; sleep 30");
  options.cancel = stop.get_token();
  options.on_line = [&stop](OutputStream, std::string_view line) {
    if (line == "ready") stop.request_stop();
  };
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_TRUE(result->cancelled);
  EXPECT_FALSE(result->timed_out);
  EXPECT_EQ(result->signal, SIGTERM);
  EXPECT_LT(result->elapsed, milliseconds(5000));
  EXPECT_NE(result->Describe().find("cancelled"), std::string::npos);
}

TEST_F(ProcessTest, CancellationFromAnotherThreadStopsTheChild) {
  std::stop_source stop;
  ProcessOptions options = Sh("sleep 30");
  options.cancel = stop.get_token();
  std::jthread canceller([&stop] {
    std::this_thread::sleep_for(milliseconds(150));
    stop.request_stop();
  });
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_TRUE(result->cancelled);
  EXPECT_GE(result->elapsed, milliseconds(150));
  EXPECT_LT(result->elapsed, milliseconds(5000));
}

TEST_F(ProcessTest, AlreadyRequestedStopCancelsAtOnce) {
  std::stop_source stop;
  stop.request_stop();
  ProcessOptions options = Sh("sleep 30");
  options.cancel = stop.get_token();
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_TRUE(result->cancelled);
  EXPECT_LT(result->elapsed, milliseconds(5000));
}

TEST_F(ProcessTest, WaitingWithAStopTokenDoesNotSpinTheCpu) {
  std::stop_source stop;
  ProcessOptions options = Sh("sleep 0.6");
  options.cancel = stop.get_token();
  options.timeout = milliseconds(10000);
  milliseconds cpu_before = CpuTimeUsed();
  auto result = RunProcess(options);
  milliseconds cpu_used = CpuTimeUsed() - cpu_before;
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_TRUE(result->Succeeded()) << result->Describe();
  EXPECT_GE(result->elapsed, milliseconds(600));
  EXPECT_LT(cpu_used, milliseconds(150));
}

TEST_F(ProcessTest, EnvironmentIsInheritedSetOverriddenAndUnset) {
  ::setenv("GALAOS_TEST_KEEP", "kept", 1);
  ::setenv("GALAOS_TEST_OVERRIDE", "old", 1);
  ::setenv("GALAOS_TEST_UNSET", "present", 1);
  ProcessOptions options;
  options.argv = {"env"};
  options.environment = {{"GALAOS_TEST_NEW", "new"}, {"GALAOS_TEST_OVERRIDE", "new value"}};
  options.unset_environment = {"GALAOS_TEST_UNSET"};
  auto result = RunProcess(options);
  ::unsetenv("GALAOS_TEST_KEEP");
  ::unsetenv("GALAOS_TEST_OVERRIDE");
  ::unsetenv("GALAOS_TEST_UNSET");
  ASSERT_TRUE(result.has_value()) << result.error().message();
  const std::string& env = result->stdout_tail;
  EXPECT_NE(env.find("\nGALAOS_TEST_KEEP=kept\n"), std::string::npos) << env;
  EXPECT_NE(env.find("\nGALAOS_TEST_NEW=new\n"), std::string::npos) << env;
  EXPECT_NE(env.find("\nGALAOS_TEST_OVERRIDE=new value\n"), std::string::npos) << env;
  EXPECT_EQ(env.find("GALAOS_TEST_OVERRIDE=old"), std::string::npos) << env;
  EXPECT_EQ(env.find("GALAOS_TEST_UNSET"), std::string::npos) << env;
}

TEST_F(ProcessTest, UninheritedEnvironmentHoldsOnlyWhatWasSet) {
  ProcessOptions options;
  options.argv = {"env"};  // found through the default PATH, as the child has none
  options.inherit_environment = false;
  options.environment = {{"ONLY", "1"}};
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->stdout_tail, "ONLY=1\n");
}

TEST_F(ProcessTest, ProgramIsLookedUpInTheChildsPath) {
  WriteExecutable(dir() / "galaos-test-tool", "#!/bin/sh\necho from tool\n");
  ProcessOptions options;
  options.argv = {"galaos-test-tool"};
  options.environment["PATH"] = "/nonexistent:" + dir().string();
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->stdout_tail, "from tool\n");
}

TEST_F(ProcessTest, WorkingDirectoryIsSetAndRelativeProgramResolvedInIt) {
  WriteExecutable(dir() / "where.sh", "#!/bin/sh\npwd -P\n");
  ProcessOptions options;
  options.argv = {"./where.sh"};
  options.cwd = dir();
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->stdout_tail, std::filesystem::canonical(dir()).string() + "\n");
}

TEST_F(ProcessTest, MissingWorkingDirectoryIsNotFoundErrorNamingIt) {
  ProcessOptions options = Sh("true");
  options.cwd = dir() / "gone";
  auto process = Process::Start(options);
  ASSERT_FALSE(process.has_value());
  EXPECT_EQ(process.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(process.error().message().find((dir() / "gone").string()), std::string::npos);
}

TEST_F(ProcessTest, StdinDataReachesTheChild) {
  ProcessOptions options;
  options.argv = {"cat"};
  options.stdin_data = "hello\nworld";
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->stdout_tail, "hello\nworld");
}

// Writing 4 MB in while the child writes 4 MB out deadlocks unless both go through poll().
TEST_F(ProcessTest, LargeStdinAndLargeOutputFlowTogether) {
  std::string data;
  for (int i = 0; data.size() < 4'000'000; ++i) data += "line " + std::to_string(i) + "\n";
  ProcessOptions options;
  options.argv = {"cat"};
  options.stdin_data = data;
  options.timeout = milliseconds(20000);
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_TRUE(result->Succeeded()) << result->Describe();
  EXPECT_EQ(result->stdout_bytes, data.size());
  EXPECT_EQ(result->stdout_tail, data.substr(data.size() - options.tail_bytes));
}

// The child stops reading: our write gets EPIPE, and SIGPIPE must not kill this process.
TEST_F(ProcessTest, ChildClosingStdinEarlyIsNotAnError) {
  ProcessOptions options;
  options.argv = {"head", "-c", "5"};
  options.stdin_data = std::string(8'000'000, 'z');
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_TRUE(result->Succeeded()) << result->Describe();
  EXPECT_EQ(result->stdout_tail, "zzzzz");
}

TEST_F(ProcessTest, StdinIsDevNullByDefault) {
  ProcessOptions options = Sh("readlink /proc/$$/fd/0; cat; echo done");
  options.timeout = milliseconds(5000);
  auto result = RunProcess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_FALSE(result->timed_out);
  EXPECT_EQ(result->stdout_tail, "/dev/null\ndone\n");
}

TEST_F(ProcessTest, ChildInheritsOnlyTheStandardDescriptors) {
  int leaked = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaked, 0);
  auto result = RunProcess(Sh("ls /proc/$$/fd"));
  ::close(leaked);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->stdout_tail, "0\n1\n2\n");
}

// Dispositions and masks are inherited through exec; the child must start from defaults.
TEST_F(ProcessTest, ChildStartsWithDefaultSignalHandlingWhateverTheParentSet) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction previous {};
  ASSERT_EQ(::sigaction(SIGTERM, &ignore, &previous), 0);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigset_t previous_mask;
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &term, &previous_mask), 0);

  ProcessOptions options;
  options.argv = {"sleep", "30"};
  options.timeout = milliseconds(200);
  options.kill_grace = milliseconds(2000);
  auto result = RunProcess(options);

  ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  ::sigaction(SIGTERM, &previous, nullptr);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->signal, SIGTERM);
}

TEST_F(ProcessTest, WaitTwiceIsAnError) {
  auto process = Process::Start(Sh("true"));
  ASSERT_TRUE(process.has_value()) << process.error().message();
  ASSERT_TRUE(process->Wait().has_value());
  auto again = process->Wait();
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kFailed);
}

TEST_F(ProcessTest, MovedProcessBelongsToTheNewOwner) {
  auto started = Process::Start(Sh("echo moved"));
  ASSERT_TRUE(started.has_value()) << started.error().message();
  pid_t pid = started->pid();
  Process owner = std::move(*started);
  EXPECT_EQ(started->pid(), -1);
  EXPECT_EQ(owner.pid(), pid);
  auto result = owner.Wait();
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->stdout_tail, "moved\n");
}

TEST_F(ProcessTest, RunCheckedReturnsTheResultOnSuccess) {
  auto result = RunChecked(Sh("echo ok"));
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->stdout_tail, "ok\n");
}

TEST_F(ProcessTest, RunCheckedFailureNamesCommandStatusAndLastStderrLines) {
  auto result =
      RunChecked(Sh("for i in 01 02 03 04 05 06 07 08 09 10; do echo e$i >&2; done; exit 4"));
  ASSERT_FALSE(result.has_value());
  const std::string& message = result.error().message();
  EXPECT_EQ(result.error().code(), ErrorCode::kFailed);
  EXPECT_NE(message.find("`/bin/sh -c 'for i in"), std::string::npos) << message;
  EXPECT_NE(message.find("exited with status 4"), std::string::npos) << message;
  EXPECT_NE(message.find("e06\ne07\ne08\ne09\ne10"), std::string::npos) << message;
  EXPECT_EQ(message.find("e05"), std::string::npos) << message;
}

TEST_F(ProcessTest, RunCheckedTimeoutIsTimeoutError) {
  ProcessOptions options = Sh("sleep 30");
  options.timeout = milliseconds(100);
  auto result = RunChecked(options);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(result.error().message().find("timed out"), std::string::npos);
}

TEST_F(ProcessTest, RunCheckedMissingProgramIsNotFoundError) {
  ProcessOptions options;
  options.argv = {"galaos-no-such-program"};
  auto result = RunChecked(options);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace galaos::core
