// The command-line entry point: parses arguments, runs one subcommand, returns the exit code
// (see ExitCode.h). Errors are printed to stderr as one "galaos-updater: error: ..." line per
// problem.
#pragma once

namespace galaos::cli {

int Main(int argc, char** argv);

}  // namespace galaos::cli
