#include "cli/UpdateSupport.h"

#include <unistd.h>

#include <cstdio>

#include "service/Services.h"

namespace galaos::cli {

code::ProgressCallback TerminalProgress() {
  if (isatty(STDERR_FILENO) == 0) return {};
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
