// `config check` and `config show`.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/Commands.h"

namespace galaos::cli {

void AddConfigCommands(CLI::App& app, Context& context, Action& action) {
  CLI::App* group = app.add_subcommand("config", "Validate or show the configuration");
  group->require_subcommand(1);

  CLI::App* check = group->add_subcommand(
      "check", "Validate the configuration; print one line per problem (exit 2) or ok");
  check->callback([&context, &action] {
    action = [&context]() -> Status {
      TRY(context.Config());
      config::LoadOptions load;
      load.config_path = context.options().config_path;
      std::filesystem::path path = config::ConfigPathFor(load);
      std::printf("configuration ok (%s)\n",
                  std::filesystem::exists(path) ? path.c_str() : "defaults; no configuration file");
      return {};
    };
  });

  CLI::App* show =
      group->add_subcommand("show", "Print the effective configuration, secrets redacted");
  auto json = std::make_shared<bool>(false);  // option storage outlives this function
  show->add_flag("--json", *json, "As JSON instead of TOML");
  show->callback([&context, &action, json] {
    action = [&context, json]() -> Status {
      const config::Config* config = TRY(context.Config());
      std::string text = *json ? config::ShowJson(*config) : config::ShowToml(*config);
      std::fwrite(text.data(), 1, text.size(), stdout);
      if (!text.empty() && text.back() != '\n') std::fputc('\n', stdout);
      return {};
    };
  });
}

}  // namespace galaos::cli
