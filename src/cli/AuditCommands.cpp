// `audit verify` and `audit list`.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/Commands.h"
#include "cli/Table.h"
#include "core/Time.h"
#include "store/AuditJson.h"

namespace galaos::cli {

void AddAuditCommands(CLI::App& app, Context& context, Action& action) {
  CLI::App* group = app.add_subcommand("audit", "The hash-chained audit log");
  group->require_subcommand(1);

  auto verify_json = std::make_shared<bool>(false);
  CLI::App* verify = group->add_subcommand(
      "verify", "Check the hash chain; report the first tampered row (exit 5)");
  verify->add_flag("--json", *verify_json, "As JSON");
  verify->callback([&context, &action, verify_json] {
    action = [&context, verify_json]() -> Status {
      store::Store* store = TRY(context.Store());
      store::AuditVerification result = TRY(store->VerifyAuditLog());
      if (*verify_json) {
        std::printf("%s\n", store::AuditVerificationJson(result).dump(2).c_str());
      } else if (result.ok()) {
        std::printf("%s\n", result.Describe().c_str());
      }
      if (!result.ok()) return MakeError(ErrorCode::kCorrupt, result.Describe());
      return {};
    };
  });

  struct ListOptions {
    int limit = 50;
    bool json = false;
  };
  auto list_options = std::make_shared<ListOptions>();
  CLI::App* list = group->add_subcommand("list", "Audit rows, newest first");
  list->add_option("-n,--limit", list_options->limit, "How many (1..10000)")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  list->add_flag("--json", list_options->json, "As JSON");
  list->callback([&context, &action, list_options] {
    action = [&context, list_options]() -> Status {
      store::Store* store = TRY(context.Store());
      std::vector<store::AuditRecord> rows =
          TRY(store->ListAudit(store::AuditQuery{.limit = list_options->limit}));
      if (list_options->json) {
        nlohmann::json out = nlohmann::json::array();
        for (const store::AuditRecord& row : rows) out.push_back(store::AuditRowJson(row));
        std::printf("%s\n", out.dump(2).c_str());
        return {};
      }
      Table table({"SEQ", "TIME (UTC)", "ACTOR", "ACTION", "OUTCOME", "TRANSACTION"});
      for (const store::AuditRecord& row : rows) {
        table.AddRow({std::to_string(row.seq), FormatUtc(row.time), row.entry.actor,
                      row.entry.action, row.entry.outcome, row.entry.transaction_id});
      }
      table.Print(stdout);
      return {};
    };
  });
}

}  // namespace galaos::cli
