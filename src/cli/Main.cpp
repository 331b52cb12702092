#include "cli/Main.h"

#include <cstdio>
#include <sstream>
#include <string>

#include "cli/Commands.h"
#include "cli/ExitCode.h"

namespace galaos::cli {
namespace {

// One "galaos-updater: error: ..." line per line of the message.
void PrintError(std::string_view message) {
  std::istringstream lines{std::string(message)};
  for (std::string line; std::getline(lines, line);) {
    std::fprintf(stderr, "galaos-updater: error: %s\n", line.c_str());
  }
}

void AddGlobalOptions(CLI::App& app, GlobalOptions& options) {
  app.add_option("-c,--config", options.config_path,
                 "Configuration file (default: $GALAOS_UPDATER_CONFIG, else "
                 "/etc/galaos-updater/config.toml if it exists)");
  app.add_option("--set", options.overrides,
                 "Override a configuration key, e.g. --set git.branch=develop (repeatable)")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  app.add_option_function<std::string>(
         "--app-root",
         [&options](const std::string& dir) { options.overrides.push_back("app.root=" + dir); },
         "The application's directory (app.root)")
      ->type_name("DIR");
  app.add_option_function<std::string>(
         "--state-dir",
         [&options](const std::string& dir) { options.overrides.push_back("state.dir=" + dir); },
         "Where the updater keeps its state (state.dir)")
      ->type_name("DIR");
  app.add_option("--log-format", options.log_format, "Log format: text or json (log.format)")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-level", options.log_level, "Log level (log.level)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"galaos-updater: keeps a self-hosted application current, safely.",
               "galaos-updater"};
  app.set_version_flag("--version", GALAOS_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand

  Context context{GlobalOptions{}};
  AddGlobalOptions(app, context.options());
  Action action;
  AddConfigCommands(app, context, action);
  AddHistoryCommand(app, context, action);
  AddAuditCommands(app, context, action);
  AddUpdateCommands(app, context, action);
  AddBackupCommands(app, context, action);
  AddDockerCommands(app, context, action);
  AddTokenCommands(app, context, action);
  AddServeCommand(app, context, action);
  AddNotifyCommands(app, context, action);
  AddScheduleCommands(app, context, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    PrintError(std::string(e.what()) + " (see galaos-updater --help)");
    return kExitUsage;
  }

  if (!action) return kExitOk;  // a command group given without a subcommand prints help
  Status status = action();
  if (!status) {
    std::fflush(stdout);  // what the command printed comes before its error
    PrintError(status.error().message());
    return ExitCodeFor(status.error().code());
  }
  return kExitOk;
}

}  // namespace galaos::cli
