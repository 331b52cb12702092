// `serve`: run the daemon (src/daemon) in the foreground.
#include <cstdio>

#include "cli/Commands.h"
#include "daemon/Daemon.h"

namespace galaos::cli {

void AddServeCommand(CLI::App& app, Context& context, Action& action) {
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Run the daemon: recover, then serve the API until SIGTERM (SIGHUP reloads the config)");
  serve->callback([&context, &action] {
    action = [&context]() -> Status {
      TRY(context.Config());  // validates the configuration and sets up logging first
      daemon::DaemonHooks hooks{.on_listening = [](const std::string& address) {
        std::printf("listening on %s\n", address.c_str());
        std::fflush(stdout);
      }};
      return daemon::Run(context.LoadOptions(), hooks);
    };
  });
}

}  // namespace galaos::cli
