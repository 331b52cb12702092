// Project: what the code update needs to know about the application's Node.js project —
// its package manager (from lockfiles and package.json's `packageManager`) and the commands of
// the install, migrate, build and restart steps. Read through a ProjectFiles view, so the
// same logic works on the working tree (after a checkout) and on a target commit's tree
// (for a dry-run plan, before anything is touched).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/Config.h"
#include "core/Error.h"
#include "git/Repository.h"

namespace galaos::code {

using Argv = std::vector<std::string>;

// Reads a project file by its relative '/'-separated path; nullopt when it does not exist.
struct ProjectFiles {
  std::string origin;  // for messages: the app root, or "<commit> of <root>"
  std::function<Expected<std::optional<std::string>>(std::string_view relative_path)> read;
};

// The application's repository (config.app.root), its remote operations authenticated as
// the [git] section says (git::RemoteAuth).
Expected<git::Repository> OpenAppRepository(const config::Config& config);

ProjectFiles WorkingTreeFiles(const std::filesystem::path& app_root);
// `repository` must outlive the returned view.
ProjectFiles CommitFiles(const git::Repository& repository, std::string commit);

enum class Manager { kNpm, kPnpm, kYarnClassic, kYarnBerry, kBun };
std::string_view ManagerName(
    Manager manager);  // "npm", "pnpm", "yarn-classic", "yarn-berry", "bun"

struct PackageManagerChoice {
  Manager manager = Manager::kNpm;
  std::string reason;  // e.g. "lockfile pnpm-lock.yaml", "packageManager pnpm@9.1.0"
  std::optional<std::string> lockfile;  // the manager's lockfile when present
};

// The parts of package.json the update uses. A malformed file is kInvalidArgument naming the
// file with line and column; a missing one is kNotFound.
struct PackageJson {
  std::optional<std::string> version;
  std::optional<std::string> package_manager;  // the `packageManager` field
  bool has_build_script = false;
  std::optional<std::string> prisma_schema;  // `prisma.schema`
};
Expected<PackageJson> ReadPackageJson(const ProjectFiles& files);

// The package manager: `override` when not kAuto; else the manager package.json's
// `packageManager` names (it wins over lockfiles); else the one whose lockfile exists.
// Lockfiles of different managers without a `packageManager` field are kInvalidArgument; so is
// a `packageManager` naming an unknown manager. No lockfile: npm, with `lockfile` unset.
Expected<PackageManagerChoice> DetectPackageManager(const ProjectFiles& files,
                                                    config::PackageManager override);
Expected<PackageManagerChoice> DetectPackageManager(const std::filesystem::path& app_root,
                                                    config::PackageManager override);

// The frozen-lockfile install of `manager` (npm ci, pnpm install --frozen-lockfile, ...).
Argv InstallArgv(Manager manager);
// How `manager` runs the package.json script `name` (npm run build, yarn build, ...).
Argv RunScriptArgv(Manager manager, std::string_view name);

struct StepSwitches {
  bool skip_migrations = false;
  bool skip_build = false;
};

// The commands of the update's command steps; an empty optional means the step is skipped,
// with the reason in the matching *_note.
struct ProjectCommands {
  PackageManagerChoice package_manager;
  Argv install;
  std::optional<Argv> migrate;
  std::string migrate_note;
  std::optional<Argv> build;
  std::string build_note;
  std::optional<Argv> restart;
  std::string restart_note;
};

// Configured commands win; otherwise: install from the package manager (kInvalidArgument when
// there is no lockfile, since frozen installs need one), migrate = `npx prisma migrate deploy`
// when a Prisma schema exists, build = the package.json `build` script when present, restart =
// none.
Expected<ProjectCommands> ResolveCommands(const ProjectFiles& files,
                                          const config::CommandsConfig& commands,
                                          const StepSwitches& switches);

}  // namespace galaos::code
