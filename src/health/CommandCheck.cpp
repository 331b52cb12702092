// The command check: runs an argv through core::Process (no shell), bounded by the deadline.
#include <string>

#include "core/Process.h"
#include "health/Checks.h"

namespace galaos::health::detail {
namespace {

constexpr std::size_t kMaxLine = 200;
constexpr std::size_t kTailBytes = 4096;
constexpr std::chrono::milliseconds kKillGrace{500};

std::string LastLine(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  const auto newline = text.rfind('\n');
  if (newline != std::string_view::npos) text = text.substr(newline + 1);
  return std::string(text.substr(0, kMaxLine));
}

std::string Join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) out += (out.empty() ? "" : " ") + arg;
  return out;
}

}  // namespace

Expected<std::string> Check(const CommandCheck& check, const CheckContext& context) {
  const std::string command = "`" + Join(check.argv) + "`";
  core::ProcessOptions options;
  options.argv = check.argv;
  options.cwd = check.cwd;
  options.timeout = context.Remaining();
  options.kill_grace = kKillGrace;
  options.cancel = context.stop;
  options.tail_bytes = kTailBytes;
  auto run = core::RunProcess(std::move(options));
  if (!run) return std::unexpected(std::move(run).error().WithContext(command));
  const core::ProcessResult& result = *run;
  if (result.Succeeded()) {
    const std::string output = LastLine(result.stdout_tail);
    return output.empty() ? std::string("exit status 0") : "exit status 0: " + output;
  }
  const ErrorCode code = result.timed_out   ? ErrorCode::kTimeout
                         : result.cancelled ? ErrorCode::kCancelled
                                            : ErrorCode::kFailed;
  std::string output = LastLine(result.stderr_tail);
  if (output.empty()) output = LastLine(result.stdout_tail);
  return MakeError(code, command + " " + result.Describe() + (output.empty() ? "" : ": " + output));
}

}  // namespace galaos::health::detail
