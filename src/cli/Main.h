// The command-line entry point: parses arguments, runs a subcommand, returns the exit code.
#pragma once

namespace galaos::cli {

// Exit codes (documented in README.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitConflict = 3;

int Main(int argc, char** argv);

}  // namespace galaos::cli
