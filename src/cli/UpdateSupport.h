// Shared by the mutating commands: live progress on stderr, their results, and their audit rows.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "code/VersionManager.h"
#include "core/Error.h"
#include "docker/UpdateManager.h"
#include "store/Store.h"

namespace galaos::cli {

// Prints step starts, ends and indented output lines to stderr.
code::ProgressCallback PrintProgress();
// PrintProgress when stderr is a terminal; otherwise an empty callback (the result is printed
// at the end either way).
code::ProgressCallback TerminalProgress();

// Prints an update's or a rollback's result (or a dry run's plan) for a person.
void PrintResult(const code::UpdateResult& result);
// The same for a Docker update: a row per container, the transaction and the errors.
void PrintResult(const docker::DockerUpdateResult& result);

// A result that is not a success (nor a plan) becomes a kFailed error: exit 1, after it has
// been printed.
Status StatusOf(const code::UpdateResult& result);

// Appends the audit row of CLI command `action` run by the local user with `input`, then
// returns `status` (an audit failure replaces an ok status: a mutation must be recorded).
Status AuditAndReturn(store::Store& store, std::string_view action, const nlohmann::json& input,
                      std::string_view outcome, std::string_view transaction_id, Status status);

}  // namespace galaos::cli
