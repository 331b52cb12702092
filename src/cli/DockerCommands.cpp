// `docker list`, `docker info` and `docker restart`: the managed containers and the engine.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/Commands.h"
#include "cli/Table.h"
#include "cli/UpdateSupport.h"
#include "core/Time.h"
#include "docker/ContainerSpec.h"
#include "docker/EngineClient.h"
#include "docker/ManagedContainers.h"

namespace galaos::cli {
namespace {

constexpr std::chrono::seconds kRestartGrace{10};

Expected<std::unique_ptr<docker::EngineClient>> ConnectEngine(const config::Config& config) {
  if (!config.docker.enabled) {
    return MakeError(ErrorCode::kInvalidArgument, "Docker support is off (docker.enabled = false)");
  }
  return docker::EngineClient::Connect(config.docker.host);
}

// The listContainers shape: {id, name, image, state, status, created} plus monitorOnly.
nlohmann::json ContainerJson(const docker::ManagedContainer& managed) {
  const docker::ContainerSummary& c = managed.container;
  return {{"id", c.id},
          {"name", c.name},
          {"image", c.image},
          {"state", c.state},
          {"status", c.status},
          {"created", core::FormatIsoUtc(
                          std::chrono::system_clock::time_point(std::chrono::seconds(c.created)))},
          {"monitorOnly", managed.monitor_only}};
}

void AddListCommand(CLI::App& group, Context& context, Action& action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* list = group.add_subcommand("list", "The managed containers");
  list->add_flag("--json", *json, "As JSON (the listContainers shape)");
  list->callback([&context, &action, json] {
    action = [&context, json]() -> Status {
      const config::Config* config = TRY(context.Config());
      auto engine = TRY(ConnectEngine(*config));
      const auto managed = TRY(docker::ListManaged(*engine, config->docker));
      if (*json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& m : managed) out.push_back(ContainerJson(m));
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
      auto engine = TRY(ConnectEngine(*config));
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
      for (const std::string& name : options->names) TRY(docker::ValidateContainerName(name));
      const config::Config* config = TRY(context.Config());
      store::Store* store = TRY(context.Store());
      const nlohmann::json input = {{"containers", options->names}};
      const auto restart = [&]() -> Expected<std::vector<std::string>> {
        auto engine = TRY(ConnectEngine(*config));
        const auto managed = TRY(docker::ListManaged(*engine, config->docker));
        std::vector<docker::ContainerSummary> chosen;
        for (const auto& m : managed) {
          if (options->names.empty() ||
              std::ranges::find(options->names, m.container.name) != options->names.end()) {
            chosen.push_back(m.container);
          }
        }
        for (const std::string& name : options->names) {
          if (std::ranges::find(chosen, name, &docker::ContainerSummary::name) == chosen.end()) {
            return MakeError(ErrorCode::kNotFound, "no managed container named " + name);
          }
        }
        return docker::RestartInDependencyOrder(*engine, chosen, kRestartGrace);
      };
      const auto restarted = restart();
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

}  // namespace

void AddDockerCommands(CLI::App& app, Context& context, Action& action) {
  CLI::App* group = app.add_subcommand("docker", "The Docker containers the updater manages");
  group->require_subcommand(1);
  AddListCommand(*group, context, action);
  AddInfoCommand(*group, context, action);
  AddRestartCommand(*group, context, action);
}

}  // namespace galaos::cli
