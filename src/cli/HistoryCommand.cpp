// `history`: update transactions, newest first, with their steps.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/Commands.h"
#include "cli/Table.h"
#include "store/HistoryJson.h"

namespace galaos::cli {
namespace {

std::string DurationText(const store::Transaction& tx) {
  if (!tx.completed_at) return "-";
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*tx.completed_at - tx.started_at);
  return fmt::format("{:.1f}s", static_cast<double>(ms.count()) / 1000.0);
}

std::string FailedStep(const store::Transaction& tx) {
  for (const store::Step& step : tx.steps) {
    if (step.status == store::StepStatus::kFailed) return step.name;
  }
  return "";
}

}  // namespace

void AddHistoryCommand(CLI::App& app, Context& context, Action& action) {
  struct Options {
    int limit = 20;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* history = app.add_subcommand("history", "Update transactions, newest first");
  history->add_option("-n,--limit", options->limit, "How many (1..1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  history->add_flag("--json", options->json, "As JSON (the getUpdateHistory shape)");
  history->callback([&context, &action, options] {
    action = [&context, options]() -> Status {
      store::Store* store = TRY(context.Store());
      std::vector<store::Transaction> transactions =
          TRY(store->ListTransactions(store::TransactionQuery{.limit = options->limit}));
      if (options->json) {
        std::printf("%s\n", store::HistoryJson(transactions).dump(2).c_str());
        return {};
      }
      if (transactions.empty()) {
        std::printf("no updates yet\n");
        return {};
      }
      Table table(
          {"ID", "TYPE", "STATUS", "FROM", "TO", "STARTED (UTC)", "DURATION", "FAILED STEP"});
      for (const store::Transaction& tx : transactions) {
        table.AddRow({tx.id, std::string(store::Name(tx.type)), std::string(store::Name(tx.status)),
                      tx.from_version, tx.to_version, FormatUtc(tx.started_at), DurationText(tx),
                      FailedStep(tx)});
      }
      table.Print(stdout);
      return {};
    };
  });
}

}  // namespace galaos::cli
