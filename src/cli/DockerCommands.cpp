// `docker list`, `docker info`, `docker restart`, `docker check`, `docker update` and
// `docker prune`: the managed containers, the engine, newer images in the registries,
// updating to them, and removing the rollback images updates left.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/Commands.h"
#include "cli/Table.h"
#include "cli/UpdateSupport.h"
#include "core/Time.h"
#include "docker/ContainerSpec.h"
#include "docker/EngineClient.h"
#include "docker/ManagedContainers.h"
#include "service/Docker.h"
#include "service/Services.h"

namespace galaos::cli {
namespace {

void AddListCommand(CLI::App& group, Context& context, Action& action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* list = group.add_subcommand("list", "The managed containers");
  list->add_flag("--json", *json, "As JSON (the listContainers shape)");
  list->callback([&context, &action, json] {
    action = [&context, json]() -> Status {
      const config::Config* config = TRY(context.Config());
      auto engine = TRY(service::ConnectEngine(*config));
      const auto managed = TRY(docker::ListManaged(*engine, config->docker));
      if (*json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& m : managed) out.push_back(docker::ToJson(m));
        std::printf("%s\n", out.dump(2).c_str());
        return {};
      }
      if (managed.empty()) {
        std::printf("no managed containers\n");
        return {};
      }
      Table table({"NAME", "IMAGE", "STATE", "STATUS", "ID", "MODE"});
      for (const auto& m : managed) {
        table.AddRow({m.container.name, m.container.image, m.container.state, m.container.status,
                      m.container.id.substr(0, 12), m.monitor_only ? "monitor-only" : "managed"});
      }
      table.Print(stdout);
      return {};
    };
  });
}

void AddInfoCommand(CLI::App& group, Context& context, Action& action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* info = group.add_subcommand("info", "The Docker engine the updater talks to");
  info->add_flag("--json", *json, "As JSON");
  info->callback([&context, &action, json] {
    action = [&context, json]() -> Status {
      const config::Config* config = TRY(context.Config());
      auto engine = TRY(service::ConnectEngine(*config));
      const docker::EngineInfo info = TRY(docker::GetEngineInfo(*engine));
      if (*json) {
        nlohmann::json out = docker::ToJson(info);
        out["host"] = engine->host().text;
        out["negotiatedApiVersion"] = engine->api_version();
        std::printf("%s\n", out.dump(2).c_str());
        return {};
      }
      std::printf("host:         %s\n", engine->host().text.c_str());
      std::printf("engine:       %s (API %s, speaking %s)\n", info.server_version.c_str(),
                  info.api_version.c_str(), engine->api_version().c_str());
      std::printf("name:         %s\n", info.name.c_str());
      std::printf("os:           %s, kernel %s, %s\n", info.os.c_str(), info.kernel_version.c_str(),
                  info.architecture.c_str());
      std::printf("resources:    %d CPUs, %.1f GiB\n", info.cpus,
                  static_cast<double>(info.memory_bytes) / (1 << 30));
      std::printf("containers:   %d (%d running, %d paused, %d stopped)\n", info.containers,
                  info.running, info.paused, info.stopped);
      std::printf("images:       %d (%s)\n", info.images, info.storage_driver.c_str());
      return {};
    };
  });
}

void AddRestartCommand(CLI::App& group, Context& context, Action& action) {
  struct Options {
    std::vector<std::string> names;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* restart =
      group.add_subcommand("restart", "Restart managed containers in dependency order");
  restart->add_option("names", options->names, "Only these managed containers (default: all)");
  restart->add_flag("--json", options->json, "As JSON");
  restart->callback([&context, &action, options] {
    action = [&context, options]() -> Status {
      const config::Config* config = TRY(context.Config());
      store::Store* store = TRY(context.Store());
      const nlohmann::json input = {{"containers", options->names}};
      const auto restarted = service::RestartManaged(*config, options->names);
      if (!restarted) {
        return AuditAndReturn(*store, "docker restart", input,
                              "failed: " + restarted.error().message(), "",
                              std::unexpected(restarted.error()));
      }
      if (options->json) {
        std::printf("%s\n", nlohmann::json{{"restarted", *restarted}}.dump(2).c_str());
      } else if (restarted->empty()) {
        std::printf("no managed containers\n");
      } else {
        for (const std::string& name : *restarted) std::printf("restarted %s\n", name.c_str());
      }
      return AuditAndReturn(*store, "docker restart", input,
                            fmt::format("restarted {}", restarted->size()), "", Status{});
    };
  });
}

void AddCheckCommand(CLI::App& group, Context& context, Action& action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* check =
      group.add_subcommand("check", "Is a newer image available for each managed container?");
  check->add_flag("--json", *json, "As JSON (checkForUpdates' docker entries)");
  check->callback([&context, &action, json] {
    action = [&context, json]() -> Status {
      const config::Config* config = TRY(context.Config());
      const auto checks = TRY(service::CheckContainerImages(*config));
      int failed = 0;
      for (const docker::ContainerImageCheck& check : checks) failed += check.error ? 1 : 0;
      if (*json) {
        nlohmann::json out = nlohmann::json::array();
        for (const docker::ContainerImageCheck& check : checks) {
          out.push_back(docker::ToJson(check));
        }
        std::printf("%s\n", out.dump(2).c_str());
      } else if (checks.empty()) {
        std::printf("no managed containers\n");
      } else {
        Table table({"CONTAINER", "IMAGE", "UPDATE", "NEWER TAG", "DETAIL"});
        for (const docker::ContainerImageCheck& check : checks) {
          const std::string update = check.error ? "?" : check.update_available ? "yes" : "no";
          const std::string detail =
              check.error ? check.error->message()
              : check.update_available
                  ? check.current_digest.substr(0, 19) + " -> " + check.remote_digest.substr(0, 19)
                  : check.remote_digest.substr(0, 19);
          table.AddRow(
              {check.container, check.image, update, check.newer_tag.value_or("-"), detail});
        }
        table.Print(stdout);
      }
      if (failed > 0) {
        return MakeError(
            ErrorCode::kUnavailable,
            fmt::format("{} of {} container(s) could not be checked", failed, checks.size()));
      }
      return {};
    };
  });
}

void AddUpdateCommand(CLI::App& group, Context& context, Action& action) {
  struct Options {
    docker::DockerUpdateOptions update;
    bool zero_downtime = false;
    bool in_place = false;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* update = group.add_subcommand(
      "update", "Pull newer images and recreate the containers on them (rolled back on failure)");
  update->add_option("--container", options->update.containers,
                     "Update this managed container (repeatable; default: every one with a "
                     "newer image)");
  update
      ->add_option("--compose", options->update.compose_file,
                   "Update the containers of this compose stack to the images the file names, "
                   "in its depends_on order (the file must be inside app.root)")
      ->excludes("--container");
  update->add_flag("--dry-run", options->update.dry_run,
                   "Print what would be updated; change nothing");
  update->add_flag("--zero-downtime", options->zero_downtime,
                   "Start each new container beside the old one, then drain and stop the old "
                   "(containers without published host ports; others are recreated in place); "
                   "default: docker.zero_downtime");
  update
      ->add_flag("--in-place", options->in_place,
                 "Recreate each container in place even when docker.zero_downtime is on")
      ->excludes("--zero-downtime");
  update->add_flag("--json", options->json, "As JSON (applyDockerUpdate's result)");
  update->callback([&context, &action, options] {
    action = [&context, options]() -> Status {
      const config::Config* config = TRY(context.Config());
      store::Store* store = TRY(context.Store());
      docker::DockerUpdateOptions update = options->update;
      update.actor = service::LocalUserName();
      if (options->zero_downtime || options->in_place)
        update.zero_downtime = options->zero_downtime;
      // A relative path is the user's, from the working directory (the API's: from app.root).
      if (!update.compose_file.empty()) {
        update.compose_file = std::filesystem::absolute(update.compose_file);
      }
      nlohmann::json input = {{"containers", update.containers}, {"dryRun", update.dry_run}};
      if (update.zero_downtime) input["zeroDowntime"] = *update.zero_downtime;
      if (!update.compose_file.empty()) input["composeFile"] = update.compose_file.string();
      auto result = service::UpdateContainers(*config, *store, update, TerminalProgress());
      if (!result) {
        return AuditAndReturn(*store, "docker update", input,
                              "refused: " + result.error().message(), "",
                              std::unexpected(result.error()));
      }
      if (options->json) {
        std::printf("%s\n", docker::ToJson(*result).dump(2).c_str());
      } else {
        PrintResult(*result);
      }
      const Status status =
          result->success
              ? Status{}
              : MakeError(ErrorCode::kFailed, fmt::format("docker update {}", result->final_state));
      return AuditAndReturn(*store, "docker update", input,
                            result->dry_run               ? "dry run"
                            : result->final_state.empty() ? "up to date"
                                                          : result->final_state,
                            result->transaction_id, status);
    };
  });
}

void AddPruneCommand(CLI::App& group, Context& context, Action& action) {
  struct Options {
    int keep = 0;
    bool dry_run = false;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* prune = group.add_subcommand(
      "prune", "Remove rollback images (galaos-rollback/...) beyond the newest N per container");
  prune
      ->add_option("--keep", options->keep,
                   "Rollback images kept per container (default docker.image_retention)")
      ->check(CLI::Range(1, 1000000));
  prune->add_flag("--dry-run", options->dry_run, "List what would be removed; change nothing");
  prune->add_flag("--json", options->json, "As JSON");
  prune->callback([&context, &action, options] {
    action = [&context, options]() -> Status {
      const config::Config* config = TRY(context.Config());
      store::Store* store = TRY(context.Store());
      const std::optional<int> keep =
          options->keep > 0 ? std::optional<int>(options->keep) : std::nullopt;
      const nlohmann::json input = {{"keep", keep ? nlohmann::json(*keep) : nlohmann::json()},
                                    {"dryRun", options->dry_run}};
      const auto plan = service::PruneRollbackImages(*config, keep, options->dry_run);
      if (options->dry_run) {
        if (!plan) return std::unexpected(plan.error());
      } else if (!plan) {
        return AuditAndReturn(*store, "docker prune", input, "failed: " + plan.error().message(),
                              "", std::unexpected(plan.error()));
      }
      if (options->json) {
        nlohmann::json out = docker::ToJson(*plan);
        out["dryRun"] = options->dry_run;
        std::printf("%s\n", out.dump(2).c_str());
      } else if (plan->tags.empty()) {
        std::printf("nothing to prune (keeping %d per container)\n", plan->keep);
      } else {
        Table table({"TAG", "IMAGE", "SIZE", "IMAGE DELETED"});
        for (const docker::PrunedTag& tag : plan->tags) {
          table.AddRow({tag.tag, tag.image_id.substr(0, 19),
                        fmt::format("{:.1f} MB", static_cast<double>(tag.size_bytes) / (1 << 20)),
                        tag.deletes_image ? "yes" : "no (in use or tagged elsewhere)"});
        }
        table.Print(stdout);
        std::printf("%s%d image(s), %.1f MB freed\n", options->dry_run ? "would remove " : "",
                    plan->images_deleted, static_cast<double>(plan->bytes_freed) / (1 << 20));
      }
      if (options->dry_run) return {};
      return AuditAndReturn(
          *store, "docker prune", input,
          fmt::format("{} tag(s), {} image(s)", plan->tags.size(), plan->images_deleted), "",
          Status{});
    };
  });
}

}  // namespace

void AddDockerCommands(CLI::App& app, Context& context, Action& action) {
  CLI::App* group = app.add_subcommand("docker", "The Docker containers the updater manages");
  group->require_subcommand(1);
  AddListCommand(*group, context, action);
  AddInfoCommand(*group, context, action);
  AddRestartCommand(*group, context, action);
  AddCheckCommand(*group, context, action);
  AddUpdateCommand(*group, context, action);
  AddPruneCommand(*group, context, action);
}

}  // namespace galaos::cli
