// Registration of the subcommands. Each Add*Commands adds its subcommands to `app`; when one
// of them is chosen on the command line, its callback stores the work to run in `action`.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli/Context.h"

namespace galaos::cli {

using Action = std::function<Status()>;

void AddConfigCommands(CLI::App& app, Context& context, Action& action);
void AddHistoryCommand(CLI::App& app, Context& context, Action& action);
void AddAuditCommands(CLI::App& app, Context& context, Action& action);
void AddUpdateCommands(CLI::App& app, Context& context,
                       Action& action);  // check apply recover health
void AddBackupCommands(CLI::App& app, Context& context, Action& action);  // backups, rollback
void AddDockerCommands(CLI::App& app, Context& context, Action& action);  // list info restart
void AddServeCommand(CLI::App& app, Context& context, Action& action);    // serve
void AddTokenCommands(CLI::App& app, Context& context, Action& action);   // token
void AddNotifyCommands(CLI::App& app, Context& context, Action& action);  // notify test|outbox
// schedule create|list|next|enable|disable|remove|trigger
void AddScheduleCommands(CLI::App& app, Context& context, Action& action);

}  // namespace galaos::cli
