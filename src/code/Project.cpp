#include "code/Project.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <system_error>

#include "core/AtomicFile.h"

namespace galaos::code {
namespace fs = std::filesystem;
namespace {

struct Lockfile {
  std::string_view name;
  config::PackageManager manager;
};
constexpr std::array<Lockfile, 6> kLockfiles = {{
    {"package-lock.json", config::PackageManager::kNpm},
    {"npm-shrinkwrap.json", config::PackageManager::kNpm},
    {"pnpm-lock.yaml", config::PackageManager::kPnpm},
    {"yarn.lock", config::PackageManager::kYarn},
    {"bun.lockb", config::PackageManager::kBun},
    {"bun.lock", config::PackageManager::kBun},
}};

std::string_view FamilyName(config::PackageManager family) {
  switch (family) {
    case config::PackageManager::kNpm:
      return "npm";
    case config::PackageManager::kPnpm:
      return "pnpm";
    case config::PackageManager::kYarn:
      return "yarn";
    case config::PackageManager::kBun:
      return "bun";
    case config::PackageManager::kAuto:
      break;
  }
  return "auto";
}

// A project path must stay inside the project: relative, without "..".
bool IsInsideProject(std::string_view relative_path) {
  const fs::path path(relative_path);
  if (relative_path.empty() || path.is_absolute()) return false;
  for (const auto& part : path) {
    if (part == "..") return false;
  }
  return true;
}

// "yarn@3.6.1+sha512..." -> major 3; nullopt without a readable major.
std::optional<int> MajorOf(std::string_view version) {
  int major = 0;
  const auto [end, error] = std::from_chars(version.data(), version.data() + version.size(), major);
  if (error != std::errc() || end == version.data()) return std::nullopt;
  return major;
}

struct FieldChoice {
  config::PackageManager family;
  std::optional<int> major;
};

Expected<FieldChoice> ParsePackageManagerField(std::string_view field, std::string_view origin) {
  const std::size_t at = field.find('@');
  const std::string_view name = field.substr(0, at);
  const std::optional<int> major =
      at == std::string_view::npos ? std::nullopt : MajorOf(field.substr(at + 1));
  for (const auto family : {config::PackageManager::kNpm, config::PackageManager::kPnpm,
                            config::PackageManager::kYarn, config::PackageManager::kBun}) {
    if (name == FamilyName(family)) return FieldChoice{family, major};
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   fmt::format("{}/package.json: packageManager \"{}\" names no supported package "
                               "manager (npm, pnpm, yarn, bun)",
                               origin, field));
}

Expected<bool> Exists(const ProjectFiles& files, std::string_view path) {
  const std::optional<std::string> content = TRY(files.read(path));
  return content.has_value();
}

}  // namespace

Expected<git::Repository> OpenAppRepository(const config::Config& config) {
  git::RemoteAuth auth{.username = config.git.username,
                       .token = config.git.token,
                       .known_hosts = config.git.ssh_known_hosts,
                       .accept_new_host_keys = config.git.ssh_accept_new_host_keys};
  if (!config.git.ssh_key.empty()) auth.ssh_keys = {config.git.ssh_key};
  return git::Repository::Open(config.app.root, std::move(auth));
}

ProjectFiles WorkingTreeFiles(const fs::path& app_root) {
  return ProjectFiles{
      .origin = app_root.string(),
      .read = [app_root](std::string_view relative) -> Expected<std::optional<std::string>> {
        if (!IsInsideProject(relative)) {
          return MakeError(
              ErrorCode::kInvalidArgument,
              fmt::format("{}: path \"{}\" leaves the project", app_root.string(), relative));
        }
        const fs::path path = app_root / relative;
        std::error_code error;
        if (!fs::exists(path, error)) return std::optional<std::string>();
        return std::optional<std::string>(TRY(core::ReadFile(path)));
      }};
}

ProjectFiles CommitFiles(const git::Repository& repository, std::string commit) {
  std::string origin = fmt::format("{} at {}", repository.workdir().string(), commit.substr(0, 12));
  return ProjectFiles{
      .origin = origin,
      .read = [&repository, commit = std::move(commit),
               origin](std::string_view relative) -> Expected<std::optional<std::string>> {
        if (!IsInsideProject(relative)) {
          return MakeError(ErrorCode::kInvalidArgument,
                           fmt::format("{}: path \"{}\" leaves the project", origin, relative));
        }
        Expected<std::string> content = repository.ReadFileAtCommit(commit, relative);
        if (!content && content.error().code() == ErrorCode::kNotFound) {
          return std::optional<std::string>();
        }
        if (!content) return std::unexpected(std::move(content).error());
        return std::optional<std::string>(std::move(*content));
      }};
}

std::string_view ManagerName(Manager manager) {
  switch (manager) {
    case Manager::kNpm:
      return "npm";
    case Manager::kPnpm:
      return "pnpm";
    case Manager::kYarnClassic:
      return "yarn-classic";
    case Manager::kYarnBerry:
      return "yarn-berry";
    case Manager::kBun:
      return "bun";
  }
  return "npm";
}

Expected<PackageJson> ReadPackageJson(const ProjectFiles& files) {
  const std::string origin = files.origin + "/package.json";
  const std::optional<std::string> text = TRY(files.read("package.json"));
  if (!text) return MakeError(ErrorCode::kNotFound, origin + ": no package.json");
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ...".
    std::string_view message = e.what();
    if (const std::size_t end = message.find("] "); end != std::string_view::npos) {
      message.remove_prefix(end + 2);
    }
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}: malformed JSON: {}", origin, message));
  }
  if (!document.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, origin + ": the top level is not an object");
  }
  PackageJson result;
  const auto string_field = [&](const nlohmann::json& object, const char* key,
                                std::string_view name) -> Expected<std::optional<std::string>> {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::optional<std::string>();
    if (!it->is_string()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{}: \"{}\" must be a string", origin, name));
    }
    return std::optional<std::string>(it->get<std::string>());
  };
  result.version = TRY(string_field(document, "version", "version"));
  result.package_manager = TRY(string_field(document, "packageManager", "packageManager"));
  if (const auto scripts = document.find("scripts"); scripts != document.end()) {
    if (!scripts->is_object()) {
      return MakeError(ErrorCode::kInvalidArgument, origin + ": \"scripts\" must be an object");
    }
    result.has_build_script = TRY(string_field(*scripts, "build", "scripts.build")).has_value();
  }
  if (const auto prisma = document.find("prisma");
      prisma != document.end() && prisma->is_object()) {
    result.prisma_schema = TRY(string_field(*prisma, "schema", "prisma.schema"));
  }
  return result;
}

Expected<PackageManagerChoice> DetectPackageManager(const ProjectFiles& files,
                                                    config::PackageManager override) {
  const PackageJson package = TRY(ReadPackageJson(files));
  std::vector<const Lockfile*> present;
  for (const Lockfile& lockfile : kLockfiles) {
    if (TRY(Exists(files, lockfile.name))) present.push_back(&lockfile);
  }

  config::PackageManager family = override;
  std::optional<int> major;
  std::string reason;
  if (family != config::PackageManager::kAuto) {
    reason = fmt::format("configured {}", FamilyName(family));
  } else if (package.package_manager) {
    const FieldChoice field = TRY(ParsePackageManagerField(*package.package_manager, files.origin));
    family = field.family;
    major = field.major;
    reason = fmt::format("packageManager {}", *package.package_manager);
  } else if (!present.empty()) {
    family = present.front()->manager;
    for (const Lockfile* other : present) {
      if (other->manager != family) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("{}: conflicting lockfiles {} ({}) and {} ({}); remove one "
                                     "or name the manager in package.json's packageManager",
                                     files.origin, present.front()->name, FamilyName(family),
                                     other->name, FamilyName(other->manager)));
      }
    }
    reason = fmt::format("lockfile {}", present.front()->name);
  } else {
    family = config::PackageManager::kNpm;
    reason = "no lockfile; npm by default";
  }

  PackageManagerChoice choice;
  choice.reason = std::move(reason);
  for (const Lockfile* lockfile : present) {
    if (lockfile->manager == family) {
      choice.lockfile = std::string(lockfile->name);
      break;
    }
  }
  switch (family) {
    case config::PackageManager::kPnpm:
      choice.manager = Manager::kPnpm;
      break;
    case config::PackageManager::kBun:
      choice.manager = Manager::kBun;
      break;
    case config::PackageManager::kYarn: {
      const bool berry = (major && *major >= 2) || TRY(Exists(files, ".yarnrc.yml"));
      choice.manager = berry ? Manager::kYarnBerry : Manager::kYarnClassic;
      break;
    }
    case config::PackageManager::kNpm:
    case config::PackageManager::kAuto:
      choice.manager = Manager::kNpm;
      break;
  }
  return choice;
}

Expected<PackageManagerChoice> DetectPackageManager(const fs::path& app_root,
                                                    config::PackageManager override) {
  return DetectPackageManager(WorkingTreeFiles(app_root), override);
}

Argv InstallArgv(Manager manager) {
  switch (manager) {
    case Manager::kNpm:
      return {"npm", "ci"};
    case Manager::kPnpm:
      return {"pnpm", "install", "--frozen-lockfile"};
    case Manager::kYarnClassic:
      return {"yarn", "install", "--frozen-lockfile"};
    case Manager::kYarnBerry:
      return {"yarn", "install", "--immutable"};
    case Manager::kBun:
      return {"bun", "install", "--frozen-lockfile"};
  }
  return {};
}

Argv RunScriptArgv(Manager manager, std::string_view name) {
  switch (manager) {
    case Manager::kNpm:
      return {"npm", "run", std::string(name)};
    case Manager::kPnpm:
      return {"pnpm", "run", std::string(name)};
    case Manager::kYarnClassic:
    case Manager::kYarnBerry:
      return {"yarn", std::string(name)};
    case Manager::kBun:
      return {"bun", "run", std::string(name)};
  }
  return {};
}

Expected<ProjectCommands> ResolveCommands(const ProjectFiles& files,
                                          const config::CommandsConfig& commands,
                                          const StepSwitches& switches) {
  ProjectCommands result;
  const PackageJson package = TRY(ReadPackageJson(files));
  result.package_manager = TRY(DetectPackageManager(files, commands.package_manager));

  if (!commands.install.empty()) {
    result.install = commands.install;
  } else if (!result.package_manager.lockfile) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        fmt::format("{}: no lockfile for {} ({}); a frozen install needs one — commit the "
                    "lockfile or configure commands.install",
                    files.origin, ManagerName(result.package_manager.manager),
                    result.package_manager.reason));
  } else {
    result.install = InstallArgv(result.package_manager.manager);
  }

  if (switches.skip_migrations) {
    result.migrate_note = "skipped (skipMigrations)";
  } else if (!commands.migrate.empty()) {
    result.migrate = commands.migrate;
  } else {
    const std::string schema = package.prisma_schema.value_or("prisma/schema.prisma");
    if (TRY(Exists(files, schema))) {
      result.migrate = Argv{"npx", "prisma", "migrate", "deploy"};
    } else {
      result.migrate_note = "none (no command configured and no Prisma schema)";
    }
  }

  if (switches.skip_build) {
    result.build_note = "skipped (skipBuild)";
  } else if (!commands.build.empty()) {
    result.build = commands.build;
  } else if (package.has_build_script) {
    result.build = RunScriptArgv(result.package_manager.manager, "build");
  } else {
    result.build_note = "none (no command configured and no build script)";
  }

  if (!commands.restart.empty()) {
    result.restart = commands.restart;
  } else {
    result.restart_note = "none (no restart command configured)";
  }
  return result;
}

}  // namespace galaos::code
