#include "cli/Main.h"

#include <CLI/CLI.hpp>

namespace galaos::cli {

int Main(int argc, char** argv) {
  CLI::App app{"galaos-updater: keeps a self-hosted application current, safely"};
  app.set_version_flag("--version", GALAOS_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  return kExitOk;
}

}  // namespace galaos::cli
