#include "cli/UpdateSupport.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "cli/Table.h"
#include "service/Services.h"

namespace galaos::cli {

code::ProgressCallback TerminalProgress() {
  if (isatty(STDERR_FILENO) == 0) return {};
  return PrintProgress();
}

code::ProgressCallback PrintProgress() {
  return [](const code::ProgressEvent& event) {
    using Kind = code::ProgressEvent::Kind;
    switch (event.kind) {
      case Kind::kStepStarted:
        std::fprintf(stderr, "==> %s\n", event.step.c_str());
        break;
      case Kind::kStepFinished:
        std::fprintf(stderr, "<== %s: %s\n", event.step.c_str(),
                     !event.text.empty() ? event.text.c_str()
                     : event.ok          ? "ok"
                                         : "failed");
        break;
      case Kind::kOutput:
        if (!event.text.empty()) std::fprintf(stderr, "    %s\n", event.text.c_str());
        break;
    }
  };
}

void PrintResult(const code::UpdateResult& result) {
  if (result.plan) {
    const code::UpdatePlan& plan = *result.plan;
    std::printf("dry run: %s -> %s (%s)\n", plan.target.current_version.c_str(),
                plan.target.version.c_str(), plan.target.commit.c_str());
    for (const code::PlannedStep& step : plan.steps) {
      std::printf("  %-9s %s%s\n", step.name.c_str(), step.skipped ? "(skipped) " : "",
                  step.description.c_str());
    }
    return;
  }
  const std::string what = result.restored_backup.empty()
                               ? std::string("update")
                               : "rollback to backup " + result.restored_backup;
  if (result.success && result.transaction_id.empty()) {
    std::printf("nothing to do: running %s\n", result.new_version.c_str());
  } else if (result.success) {
    std::printf("%s %s -> %s (transaction %s)\n",
                result.restored_backup.empty() ? "updated" : "rolled back",
                result.previous_version.c_str(), result.new_version.c_str(),
                result.transaction_id.c_str());
  } else {
    std::printf("%s failed at %s; state %s; running %s (transaction %s)\n", what.c_str(),
                result.failed_step.c_str(), result.final_state.c_str(), result.new_version.c_str(),
                result.transaction_id.c_str());
  }
  for (const std::string& change : result.changes) std::printf("  change: %s\n", change.c_str());
  for (const std::string& step : result.rolled_back) {
    std::printf("  rolled back: %s\n", step.c_str());
  }
  for (const std::string& error : result.errors) std::printf("  error: %s\n", error.c_str());
}

void PrintResult(const docker::DockerUpdateResult& result) {
  if (result.containers.empty()) {
    std::printf("every managed container is up to date\n");
  } else {
    Table table({"CONTAINER", "IMAGE", "OUTCOME", "STRATEGY", "ROLLBACK TAG", "DETAIL"});
    for (const docker::ContainerUpdate& u : result.containers) {
      table.AddRow({u.container, u.image, u.outcome, u.strategy.empty() ? "-" : u.strategy,
                    u.rollback_tag.empty() ? "-" : u.rollback_tag,
                    u.error.empty() ? u.strategy_reason : u.error});
    }
    table.Print(stdout);
  }
  if (result.dry_run) {
    std::printf("dry run: nothing changed\n");
    return;
  }
  if (!result.transaction_id.empty()) {
    std::printf("transaction %s: %s\n", result.transaction_id.c_str(), result.final_state.c_str());
  }
  for (const std::string& error : result.errors) std::printf("error: %s\n", error.c_str());
}

Status StatusOf(const code::UpdateResult& result) {
  if (result.success || result.plan) return {};
  return MakeError(
      ErrorCode::kFailed,
      fmt::format("{} failed at {} ({})", result.restored_backup.empty() ? "update" : "rollback",
                  result.failed_step, result.final_state));
}

Status AuditAndReturn(store::Store& store, std::string_view action, const nlohmann::json& input,
                      std::string_view outcome, std::string_view transaction_id, Status status) {
  auto appended =
      store.AppendAudit(store::AuditEntry{.actor = service::LocalUserName(),
                                          .action = std::string(action),
                                          .input_json = input.dump(),
                                          .outcome = std::string(outcome),
                                          .transaction_id = std::string(transaction_id)});
  if (!appended && status) return std::unexpected(appended.error().WithContext("audit"));
  return status;
}

}  // namespace galaos::cli
