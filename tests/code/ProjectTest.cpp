#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "CodeTestSupport.h"
#include "code/Project.h"
#include "code/UpdatePlan.h"
#include "core/TempDir.h"

namespace galaos::code {
namespace {

using testing::Write;
using PM = config::PackageManager;

class ProjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = core::TempDir::Create("galaos-code-project-");
    ASSERT_TRUE(dir.has_value()) << dir.error().message();
    dir_.emplace(std::move(*dir));
  }
  std::filesystem::path root() const { return dir_->path(); }
  void PackageJson(const std::string& extra = "") {
    Write(root() / "package.json", R"({"name":"app","version":"1.0.0")" + extra + "}\n");
  }
  Expected<PackageManagerChoice> Detect(PM override = PM::kAuto) {
    return DetectPackageManager(root(), override);
  }

  std::optional<core::TempDir> dir_;
};

TEST_F(ProjectTest, EachLockfileSelectsItsManagerAndFrozenInstall) {
  struct Case {
    const char* lockfile;
    Manager manager;
    Argv install;
  };
  const Case cases[] = {
      {"package-lock.json", Manager::kNpm, {"npm", "ci"}},
      {"npm-shrinkwrap.json", Manager::kNpm, {"npm", "ci"}},
      {"pnpm-lock.yaml", Manager::kPnpm, {"pnpm", "install", "--frozen-lockfile"}},
      {"yarn.lock", Manager::kYarnClassic, {"yarn", "install", "--frozen-lockfile"}},
      {"bun.lockb", Manager::kBun, {"bun", "install", "--frozen-lockfile"}},
      {"bun.lock", Manager::kBun, {"bun", "install", "--frozen-lockfile"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.lockfile);
    std::filesystem::remove_all(root());
    std::filesystem::create_directories(root());
    PackageJson();
    Write(root() / c.lockfile, "x");
    ASSERT_OK_AND_ASSIGN(const PackageManagerChoice choice, Detect());
    EXPECT_EQ(choice.manager, c.manager);
    EXPECT_EQ(choice.lockfile, c.lockfile);
    ASSERT_OK_AND_ASSIGN(const ProjectCommands commands,
                         ResolveCommands(WorkingTreeFiles(root()), {}, {}));
    EXPECT_EQ(commands.install, c.install);
  }
}

TEST_F(ProjectTest, YarnIsBerryWithYarnrcYmlOrPackageManagerYarn2Plus) {
  PackageJson();
  Write(root() / "yarn.lock", "x");
  Write(root() / ".yarnrc.yml", "nodeLinker: node-modules\n");
  ASSERT_OK_AND_ASSIGN(PackageManagerChoice choice, Detect());
  EXPECT_EQ(choice.manager, Manager::kYarnBerry);
  EXPECT_EQ(InstallArgv(choice.manager), (Argv{"yarn", "install", "--immutable"}));

  std::filesystem::remove(root() / ".yarnrc.yml");
  PackageJson(R"(,"packageManager":"yarn@4.1.0+sha512.abc")");
  ASSERT_OK_AND_ASSIGN(choice, Detect());
  EXPECT_EQ(choice.manager, Manager::kYarnBerry);

  PackageJson(R"(,"packageManager":"yarn@1.22.19")");
  ASSERT_OK_AND_ASSIGN(choice, Detect());
  EXPECT_EQ(choice.manager, Manager::kYarnClassic);
}

TEST_F(ProjectTest, PackageManagerFieldWinsOverLockfiles) {
  PackageJson(R"(,"packageManager":"pnpm@9.1.0")");
  Write(root() / "pnpm-lock.yaml", "x");
  Write(root() / "package-lock.json", "{}");
  ASSERT_OK_AND_ASSIGN(const PackageManagerChoice choice, Detect());
  EXPECT_EQ(choice.manager, Manager::kPnpm);
  EXPECT_EQ(choice.lockfile, "pnpm-lock.yaml");
  EXPECT_EQ(choice.reason, "packageManager pnpm@9.1.0");
}

TEST_F(ProjectTest, ConfiguredManagerWinsOverEverything) {
  PackageJson(R"(,"packageManager":"pnpm@9.1.0")");
  Write(root() / "bun.lock", "x");
  ASSERT_OK_AND_ASSIGN(const PackageManagerChoice choice, Detect(PM::kBun));
  EXPECT_EQ(choice.manager, Manager::kBun);
  EXPECT_EQ(choice.lockfile, "bun.lock");
}

TEST_F(ProjectTest, ConflictingLockfilesWithoutFieldAreAClearError) {
  PackageJson();
  Write(root() / "package-lock.json", "{}");
  Write(root() / "yarn.lock", "x");
  const auto choice = Detect();
  ASSERT_FALSE(choice.has_value());
  EXPECT_EQ(choice.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(choice.error().message().find("conflicting lockfiles package-lock.json (npm) and "
                                          "yarn.lock (yarn)"),
            std::string::npos)
      << choice.error().message();
}

TEST_F(ProjectTest, UnknownPackageManagerFieldIsRejected) {
  PackageJson(R"(,"packageManager":"deno@1.0.0")");
  const auto choice = Detect();
  ASSERT_FALSE(choice.has_value());
  EXPECT_NE(choice.error().message().find("\"deno@1.0.0\" names no supported package manager"),
            std::string::npos)
      << choice.error().message();
}

TEST_F(ProjectTest, NoLockfileIsAnErrorUnlessInstallIsConfigured) {
  PackageJson();
  const auto commands = ResolveCommands(WorkingTreeFiles(root()), {}, {});
  ASSERT_FALSE(commands.has_value());
  EXPECT_EQ(commands.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(commands.error().message().find("no lockfile for npm"), std::string::npos)
      << commands.error().message();

  config::CommandsConfig configured;
  configured.install = {"npm", "install"};
  ASSERT_OK_AND_ASSIGN(const ProjectCommands resolved,
                       ResolveCommands(WorkingTreeFiles(root()), configured, {}));
  EXPECT_EQ(resolved.install, configured.install);
}

TEST_F(ProjectTest, FieldNamingAManagerWithoutItsLockfileCannotInstall) {
  PackageJson(R"(,"packageManager":"pnpm@9.1.0")");
  Write(root() / "package-lock.json", "{}");
  const auto commands = ResolveCommands(WorkingTreeFiles(root()), {}, {});
  ASSERT_FALSE(commands.has_value());
  EXPECT_NE(commands.error().message().find("no lockfile for pnpm (packageManager pnpm@9.1.0)"),
            std::string::npos)
      << commands.error().message();
}

TEST_F(ProjectTest, MalformedPackageJsonNamesFileLineAndColumn) {
  Write(root() / "package.json", "{\n  \"name\": \"app\",\n  \"version\": 1.0.0\n}\n");
  Write(root() / "package-lock.json", "{}");
  const auto choice = Detect();
  ASSERT_FALSE(choice.has_value());
  EXPECT_EQ(choice.error().code(), ErrorCode::kInvalidArgument);
  const std::string& message = choice.error().message();
  EXPECT_NE(message.find((root() / "package.json").string() + ": malformed JSON"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("line 3, column"), std::string::npos) << message;
}

TEST_F(ProjectTest, MissingPackageJsonIsNotFound) {
  Write(root() / "package-lock.json", "{}");
  const auto choice = Detect();
  ASSERT_FALSE(choice.has_value());
  EXPECT_EQ(choice.error().code(), ErrorCode::kNotFound);
}

TEST_F(ProjectTest, BuildScriptRunsThroughTheManagerAndConfiguredBuildWins) {
  PackageJson(R"(,"scripts":{"build":"node build.js"})");
  const std::pair<const char*, Argv> cases[] = {
      {"package-lock.json", {"npm", "run", "build"}},
      {"pnpm-lock.yaml", {"pnpm", "run", "build"}},
      {"yarn.lock", {"yarn", "build"}},
      {"bun.lock", {"bun", "run", "build"}},
  };
  for (const auto& [lockfile, build] : cases) {
    SCOPED_TRACE(lockfile);
    for (const auto& [other, unused] : cases) std::filesystem::remove(root() / other);
    Write(root() / lockfile, "x");
    ASSERT_OK_AND_ASSIGN(const ProjectCommands commands,
                         ResolveCommands(WorkingTreeFiles(root()), {}, {}));
    EXPECT_EQ(commands.build, build);
  }
  config::CommandsConfig configured;
  configured.build = {"make", "dist"};
  ASSERT_OK_AND_ASSIGN(ProjectCommands commands,
                       ResolveCommands(WorkingTreeFiles(root()), configured, {}));
  EXPECT_EQ(commands.build, configured.build);
  ASSERT_OK_AND_ASSIGN(commands,
                       ResolveCommands(WorkingTreeFiles(root()), configured, {.skip_build = true}));
  EXPECT_FALSE(commands.build.has_value());
  EXPECT_EQ(commands.build_note, "skipped (skipBuild)");
}

TEST_F(ProjectTest, NoBuildScriptMeansNoBuild) {
  PackageJson(R"(,"scripts":{"start":"node app.js"})");
  Write(root() / "package-lock.json", "{}");
  ASSERT_OK_AND_ASSIGN(const ProjectCommands commands,
                       ResolveCommands(WorkingTreeFiles(root()), {}, {}));
  EXPECT_FALSE(commands.build.has_value());
}

TEST_F(ProjectTest, PrismaSchemaSelectsPrismaMigrateDeploy) {
  PackageJson();
  Write(root() / "package-lock.json", "{}");
  ASSERT_OK_AND_ASSIGN(ProjectCommands commands, ResolveCommands(WorkingTreeFiles(root()), {}, {}));
  EXPECT_FALSE(commands.migrate.has_value());

  Write(root() / "prisma" / "schema.prisma", "datasource db {}\n");
  ASSERT_OK_AND_ASSIGN(commands, ResolveCommands(WorkingTreeFiles(root()), {}, {}));
  EXPECT_EQ(commands.migrate, (Argv{"npx", "prisma", "migrate", "deploy"}));

  ASSERT_OK_AND_ASSIGN(commands,
                       ResolveCommands(WorkingTreeFiles(root()), {}, {.skip_migrations = true}));
  EXPECT_FALSE(commands.migrate.has_value());
  EXPECT_EQ(commands.migrate_note, "skipped (skipMigrations)");
}

TEST_F(ProjectTest, PackageJsonPrismaSchemaPathIsHonouredAndConfinedToTheProject) {
  std::filesystem::remove_all(root() / "prisma");
  PackageJson(R"(,"prisma":{"schema":"db/schema.prisma"})");
  Write(root() / "package-lock.json", "{}");
  Write(root() / "db" / "schema.prisma", "datasource db {}\n");
  ASSERT_OK_AND_ASSIGN(const ProjectCommands commands,
                       ResolveCommands(WorkingTreeFiles(root()), {}, {}));
  EXPECT_TRUE(commands.migrate.has_value());

  PackageJson(R"(,"prisma":{"schema":"../outside.prisma"})");
  const auto escaped = ResolveCommands(WorkingTreeFiles(root()), {}, {});
  ASSERT_FALSE(escaped.has_value());
  EXPECT_NE(escaped.error().message().find("leaves the project"), std::string::npos);
}

TEST_F(ProjectTest, ConfiguredMigrateWinsAndRestartIsConfiguredOnly) {
  PackageJson();
  Write(root() / "package-lock.json", "{}");
  config::CommandsConfig configured;
  configured.migrate = {"sqlite3", "db.sqlite", "ALTER TABLE t ADD COLUMN c"};
  configured.restart = {"systemctl", "restart", "app"};
  ASSERT_OK_AND_ASSIGN(const ProjectCommands commands,
                       ResolveCommands(WorkingTreeFiles(root()), configured, {}));
  EXPECT_EQ(commands.migrate, configured.migrate);
  EXPECT_EQ(commands.restart, configured.restart);
}

TEST_F(ProjectTest, PlanListsStepsWithArgvAndBackupInTransactionOrder) {
  PackageJson(R"(,"scripts":{"build":"node build.js"})");
  Write(root() / "package-lock.json", "{}");
  ASSERT_OK_AND_ASSIGN(const ProjectCommands commands,
                       ResolveCommands(WorkingTreeFiles(root()), {}, {.skip_migrations = true}));
  const UpdatePlan plan =
      MakePlan({.current_version = "1.0.0",
                .current_commit = std::string(40, 'a'),
                .current_branch = "main",
                .version = "1.1.0",
                .tag = "v1.1.0",
                .commit = std::string(40, 'b'),
                .branch = std::nullopt},
               commands,
               {.enabled = true, .dir = "/b", .critical_files = {"package.json"}, .database = true},
               2, std::chrono::seconds(300));
  const nlohmann::json json = ToJson(plan);
  EXPECT_EQ(json["targetTag"], "v1.1.0");
  EXPECT_EQ(json["targetCommit"], std::string(40, 'b'));
  EXPECT_TRUE(json["targetBranch"].is_null());
  EXPECT_EQ(json["packageManager"], "npm");
  std::vector<std::string> names;
  for (const auto& step : json["steps"]) names.push_back(step["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"snapshot", "fetch", "checkout", "install", "migrate",
                                             "build", "restart", "verify", "probation"}));
  EXPECT_EQ(json["steps"][3]["argv"], nlohmann::json({"npm", "ci"}));
  EXPECT_TRUE(json["steps"][4]["skipped"]);
  EXPECT_EQ(json["steps"][4]["description"], "skipped (skipMigrations)");
  EXPECT_EQ(json["steps"][5]["argv"], nlohmann::json({"npm", "run", "build"}));
  EXPECT_FALSE(json["steps"][8]["skipped"]);
  EXPECT_NE(json["steps"][8]["description"].get<std::string>().find("300 s"), std::string::npos);
  EXPECT_EQ(json["backup"]["database"], true);
  EXPECT_EQ(json["backup"]["criticalFiles"], nlohmann::json({"package.json"}));
}

}  // namespace
}  // namespace galaos::code
