#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "BackupTestSupport.h"
#include "backup/BackupStore.h"
#include "core/FileLock.h"
#include "core/Process.h"

namespace galaos::backup::testing {
namespace {

// sha256 of "hello\n", as `sha256sum` prints it.
constexpr std::string_view kHelloSha256 =
    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

class BackupStoreTest : public BackupTest {
 protected:
  // A small monorepo: nested critical files, files that must not be picked, and places that
  // are never searched.
  void WriteSampleApp() {
    WriteApp("package.json", R"({"name":"app","version":"1.0.0"})");
    WriteApp("package-lock.json", R"({"lockfileVersion":3})");
    WriteApp(".env", "hello\n", 0600);
    WriteApp("apps/web/.env.local", "API_KEY=web-1\n", 0640);
    WriteApp("deploy/docker-compose.yml", "services: {}\n");
    WriteApp("deploy/prod/eu/docker-compose.override.yml", "services: {web: {}}\n", 0755);
    WriteApp("src/index.js", "console.log('not critical')\n");
    WriteApp("node_modules/pkg/docker-compose.yml", "vendored\n");
    WriteApp(".git/docker-compose.yml", "git internals\n");
  }

  std::vector<std::string> ManifestPaths(const Manifest& manifest) {
    std::vector<std::string> paths;
    for (const ManifestFile& file : manifest.files) paths.push_back(file.path);
    return paths;
  }
};

TEST_F(BackupStoreTest, CreateCopiesMatchingFilesWithNestedPathsAndDescribesThem) {
  WriteSampleApp();
  const store::BackupRecord record = CreateOrFail(Request());
  ASSERT_FALSE(record.id.empty());
  EXPECT_TRUE(IsValidBackupId(record.id));
  EXPECT_EQ(record.id.rfind("bk-20261126-201751-", 0), 0u) << record.id;
  EXPECT_EQ(fs::path(record.path), fs::weakly_canonical(backup_dir_) / record.id);
  EXPECT_EQ(record.version, "1.0.0");
  EXPECT_TRUE(record.verified);

  ASSERT_OK_AND_ASSIGN(const Manifest manifest,
                       ParseManifest(ReadText(fs::path(record.path) / "manifest.json")));
  EXPECT_EQ(manifest.id, record.id);
  EXPECT_EQ(manifest.created_at, "2026-11-26T20:17:51.000Z");
  EXPECT_EQ(manifest.commit, "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(manifest.branch, "main");
  EXPECT_EQ(manifest.tools.at("node"), "v20.11.1");
  EXPECT_EQ(manifest.globs, TestGlobs());
  EXPECT_FALSE(manifest.database.has_value());
  const std::vector<std::string> expected = {
      ".env",
      "apps/web/.env.local",
      "deploy/docker-compose.yml",
      "deploy/prod/eu/docker-compose.override.yml",
      "package-lock.json",
      "package.json",
  };
  EXPECT_EQ(ManifestPaths(manifest), expected);
  for (const std::string& path : expected) {
    EXPECT_EQ(ReadText(fs::path(record.path) / "files" / path), ReadText(App(path))) << path;
  }
  EXPECT_EQ(manifest.files[0].sha256, kHelloSha256);
  EXPECT_EQ(manifest.files[0].size, 6u);
  EXPECT_FALSE(fs::exists(fs::path(record.path) / "files/src/index.js"));
  EXPECT_FALSE(fs::exists(fs::path(record.path) / "files/node_modules"));
  EXPECT_FALSE(fs::exists(fs::path(record.path) / "files/.git"));

  // The index holds the same manifest and lists the backup.
  ASSERT_OK_AND_ASSIGN(const store::BackupRecord indexed, backups_->Get(record.id));
  ASSERT_OK_AND_ASSIGN(const Manifest from_index, ParseManifest(indexed.manifest_json));
  EXPECT_EQ(from_index, manifest);
  EXPECT_GT(indexed.size_bytes, 0);
  EXPECT_EQ(BackupDirEntries(), (std::vector<std::string>{".lock", record.id}));
}

TEST_F(BackupStoreTest, BackupIsPrivateWhateverTheUmaskAndRecordsOriginalModes) {
  WriteSampleApp();
  const mode_t old_umask = ::umask(0);  // would leave 0666/0777 on anything created naively
  auto created = backups_->Create(Request());
  ::umask(old_umask);
  ASSERT_TRUE(created) << created.error().message();
  const fs::path root(created->path);

  EXPECT_EQ(ModeOf(backup_dir_), 0700u);
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const mode_t expected = entry.is_directory() ? 0700 : 0600;
    EXPECT_EQ(ModeOf(entry.path()), expected) << entry.path();
  }
  EXPECT_EQ(ModeOf(root), 0700u);

  ASSERT_OK_AND_ASSIGN(const Manifest manifest, backups_->Verify(created->id));
  for (const ManifestFile& file : manifest.files) {
    EXPECT_EQ(file.mode, ModeOf(App(file.path))) << file.path;
    EXPECT_EQ(file.uid, ::geteuid()) << file.path;
  }
}

TEST_F(BackupStoreTest, SymlinksAreNeverFollowedOutOfTheAppRoot) {
  WriteApp("package.json", "{}");
  const fs::path outside = temp_->path() / "outside";
  WriteText(outside / ".env.production", "SECRET=outside\n");
  WriteText(outside / "docker-compose.yml", "outside compose\n");
  fs::create_symlink(outside / ".env.production", App(".env.production"));
  fs::create_symlink(outside, App("linked-dir"));  // `**` must not descend into it

  const store::BackupRecord record = CreateOrFail(Request());
  ASSERT_OK_AND_ASSIGN(const Manifest manifest, backups_->Verify(record.id));
  EXPECT_EQ(ManifestPaths(manifest), std::vector<std::string>{"package.json"});
  EXPECT_EQ(manifest.skipped,
            (std::vector<SkippedPath>{{".env.production", "symbolic link (never followed)"}}));
  EXPECT_FALSE(fs::exists(fs::path(record.path) / "files/.env.production"));
  EXPECT_FALSE(fs::exists(fs::path(record.path) / "files/linked-dir"));
}

TEST_F(BackupStoreTest, BackupDirectoryInsideTheAppRootIsRefused) {
  WriteApp("package.json", "{}");
  for (const fs::path& inside : {app_ / "backups", app_, app_ / "a" / ".." / "b"}) {
    BackupStore store(inside, *index_, clock_);
    auto created = store.Create(Request());
    ASSERT_FALSE(created) << inside;
    EXPECT_EQ(created.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(created.error().message().find("is inside the app root"), std::string::npos)
        << created.error().message();
  }
  EXPECT_FALSE(fs::exists(app_ / "backups"));
  ASSERT_OK_AND_ASSIGN(const auto listed, backups_->List());
  EXPECT_TRUE(listed.empty());

  // A sibling whose name starts with the app root's name is outside it.
  BackupStore sibling(app_.string() + "-backups", *index_, clock_);
  auto created = sibling.Create(Request());
  EXPECT_TRUE(created) << created.error().message();
}

TEST_F(BackupStoreTest, TamperedFileFailsVerifyAndRestoreRefusesToTouchTheApp) {
  WriteSampleApp();
  const store::BackupRecord record = CreateOrFail(Request());
  ASSERT_OK(backups_->Verify(record.id));

  WriteText(fs::path(record.path) / "files/apps/web/.env.local", "API_KEY=attacker\n", 0600);
  auto verified = backups_->Verify(record.id);
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(verified.error().message().find("files/apps/web/.env.local does not match"),
            std::string::npos)
      << verified.error().message();

  WriteApp("apps/web/.env.local", "API_KEY=current\n", 0640);
  WriteApp("package.json", "current");
  auto restored = backups_->Restore(record.id, RestoreFiles());
  ASSERT_FALSE(restored);
  EXPECT_EQ(restored.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(ReadText(App("apps/web/.env.local")), "API_KEY=current\n");
  EXPECT_EQ(ReadText(App("package.json")), "current");
}

TEST_F(BackupStoreTest, MissingFileOrRewrittenManifestFailsVerify) {
  WriteSampleApp();
  const store::BackupRecord first = CreateOrFail(Request());
  fs::remove(fs::path(first.path) / "files/deploy/docker-compose.yml");
  auto missing = backups_->Verify(first.id);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(missing.error().message().find("files/deploy/docker-compose.yml is missing"),
            std::string::npos)
      << missing.error().message();

  // An attacker who rewrites a file and its hash in manifest.json is caught by the index copy.
  const store::BackupRecord second = CreateOrFail(Request());
  const fs::path file = fs::path(second.path) / "files/.env";
  WriteText(file, "evil\n", 0600);
  std::string manifest = ReadText(fs::path(second.path) / "manifest.json");
  manifest.replace(manifest.find(kHelloSha256), kHelloSha256.size(),
                   "a9e6aaf4c2c2d5c9f3c3b2aa2ad9b8f7a0f2fbd0b5bb2b50be3c1a6ac8b4ef47");
  WriteText(fs::path(second.path) / "manifest.json", manifest, 0600);
  auto rewritten = backups_->Verify(second.id);
  ASSERT_FALSE(rewritten);
  EXPECT_EQ(rewritten.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(rewritten.error().message().find("differs from the copy in the index"),
            std::string::npos)
      << rewritten.error().message();
}

TEST_F(BackupStoreTest, RestoreBringsBackModifiedAndDeletedNestedFilesWithTheirModes) {
  WriteSampleApp();
  const store::BackupRecord record = CreateOrFail(Request());

  WriteApp("apps/web/.env.local", "API_KEY=changed-by-update\n", 0666);
  WriteApp("package.json", R"({"name":"app","version":"2.0.0"})");
  fs::remove_all(App("deploy"));
  WriteApp("src/index.js", "console.log('v2')\n");

  ASSERT_OK_AND_ASSIGN(const RestoreReport report, backups_->Restore(record.id, RestoreFiles()));
  EXPECT_EQ(report.restored.size(), 6u);
  EXPECT_TRUE(report.displaced.empty());
  EXPECT_FALSE(report.database_restored);
  EXPECT_EQ(ReadText(App("apps/web/.env.local")), "API_KEY=web-1\n");
  EXPECT_EQ(ModeOf(App("apps/web/.env.local")), 0640u);
  EXPECT_EQ(ReadText(App("package.json")), R"({"name":"app","version":"1.0.0"})");
  EXPECT_EQ(ReadText(App("deploy/docker-compose.yml")), "services: {}\n");
  EXPECT_EQ(ReadText(App("deploy/prod/eu/docker-compose.override.yml")), "services: {web: {}}\n");
  EXPECT_EQ(ModeOf(App("deploy/prod/eu/docker-compose.override.yml")), 0755u);
  EXPECT_EQ(ModeOf(App(".env")), 0600u);
  // Not a critical file: left as the update made it.
  EXPECT_EQ(ReadText(App("src/index.js")), "console.log('v2')\n");
  // No temporary files are left next to restored ones.
  for (const auto& entry : fs::recursive_directory_iterator(app_)) {
    EXPECT_EQ(entry.path().filename().string().find(".galaos-restore-"), std::string::npos)
        << entry.path();
  }

  // Restoring again is harmless (an interrupted rollback re-runs it).
  ASSERT_OK(backups_->Restore(record.id, RestoreFiles()));
  EXPECT_EQ(ReadText(App("apps/web/.env.local")), "API_KEY=web-1\n");
}

TEST_F(BackupStoreTest, CriticalFilesCreatedAfterTheBackupAreMovedAsideNotLost) {
  WriteSampleApp();
  const store::BackupRecord record = CreateOrFail(Request());
  WriteApp(".env.production", "NEW_SECRET=1\n", 0600);
  WriteApp("deploy/docker-compose.prod.yml", "services: {new: {}}\n");
  WriteApp("src/new-feature.js", "not critical\n");

  ASSERT_OK_AND_ASSIGN(const RestoreReport report, backups_->Restore(record.id, RestoreFiles()));
  EXPECT_EQ(report.displaced,
            (std::vector<std::string>{".env.production", "deploy/docker-compose.prod.yml"}));
  EXPECT_FALSE(fs::exists(App(".env.production")));
  EXPECT_FALSE(fs::exists(App("deploy/docker-compose.prod.yml")));
  EXPECT_TRUE(fs::exists(App("src/new-feature.js")));
  ASSERT_FALSE(report.displaced_to.empty());
  EXPECT_TRUE(report.displaced_to.string().starts_with(fs::weakly_canonical(backup_dir_).string() +
                                                       "/displaced/"));
  EXPECT_EQ(ReadText(report.displaced_to / ".env.production"), "NEW_SECRET=1\n");
  EXPECT_EQ(ModeOf(report.displaced_to / ".env.production"), 0600u);
  EXPECT_EQ(ModeOf(report.displaced_to / "deploy"), 0700u);
  // The backup itself is untouched by the move.
  ASSERT_OK(backups_->Verify(record.id));

  // With displacement off, new critical files stay.
  WriteApp(".env.production", "NEW_SECRET=2\n", 0600);
  RestoreOptions keep = RestoreFiles();
  keep.displace_new_files = false;
  ASSERT_OK_AND_ASSIGN(const RestoreReport kept, backups_->Restore(record.id, keep));
  EXPECT_TRUE(kept.displaced.empty());
  EXPECT_EQ(ReadText(App(".env.production")), "NEW_SECRET=2\n");
}

TEST_F(BackupStoreTest, RestoreNeverWritesThroughASymlinkedDirectory) {
  WriteSampleApp();
  const store::BackupRecord record = CreateOrFail(Request());
  const fs::path outside = temp_->path() / "outside";
  fs::create_directories(outside);
  fs::remove_all(App("deploy"));
  fs::create_symlink(outside, App("deploy"));

  auto restored = backups_->Restore(record.id, RestoreFiles());
  ASSERT_FALSE(restored);
  EXPECT_EQ(restored.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(restored.error().message().find("deploy is a symbolic link"), std::string::npos)
      << restored.error().message();
  EXPECT_TRUE(fs::is_empty(outside));
}

TEST_F(BackupStoreTest, ListIsNewestFirstAndPruneKeepsTheNewestN) {
  WriteSampleApp();
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    BackupRequest request = Request();
    request.version = "1.0." + std::to_string(i);
    ids.push_back(CreateOrFail(request).id);
  }
  ASSERT_OK_AND_ASSIGN(const auto listed, backups_->List());
  ASSERT_EQ(listed.size(), 4u);
  EXPECT_EQ(listed[0].id, ids[3]);
  EXPECT_EQ(listed[3].id, ids[0]);

  auto invalid = backups_->Prune(0);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code(), ErrorCode::kInvalidArgument);

  ASSERT_OK_AND_ASSIGN(const int removed, backups_->Prune(2));
  EXPECT_EQ(removed, 2);
  ASSERT_OK_AND_ASSIGN(const auto kept, backups_->List());
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].id, ids[3]);
  EXPECT_EQ(kept[1].id, ids[2]);
  EXPECT_EQ(BackupDirEntries(), (std::vector<std::string>{".lock", ids[2], ids[3]}));
  ASSERT_OK_AND_ASSIGN(const int none, backups_->Prune(2));
  EXPECT_EQ(none, 0);
}

TEST_F(BackupStoreTest, RemoveDeletesFromDiskAndIndex) {
  WriteSampleApp();
  const store::BackupRecord record = CreateOrFail(Request());
  ASSERT_OK(backups_->Remove(record.id));
  EXPECT_FALSE(fs::exists(record.path));
  auto gone = backups_->Get(record.id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
  auto again = backups_->Remove(record.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(BackupDirEntries(), std::vector<std::string>{".lock"});
}

TEST_F(BackupStoreTest, ResolveAcceptsIdsAndPathsInsideAndRefusesEveryEscape) {
  WriteSampleApp();
  const store::BackupRecord record = CreateOrFail(Request());
  const fs::path dir = fs::weakly_canonical(backup_dir_);
  const fs::path outside = temp_->path() / "outside";
  fs::create_directories(outside / record.id);
  // A symlink inside the backup directory that points out of it.
  fs::create_symlink(outside / record.id, dir / "escape");
  fs::create_symlink(outside, dir / "escape-dir");
  // A sibling whose name merely starts with the backup directory's name.
  const fs::path sibling = dir.string() + "X";
  fs::create_directories(sibling / record.id);
  // A symlink inside that points at a real backup inside is fine.
  fs::create_symlink(dir / record.id, dir / "latest");

  for (const std::string& accepted : std::vector<std::string>{
           record.id, (dir / record.id).string(), record.id + "/", "./" + record.id,
           (dir / "sub" / ".." / record.id).string(), (dir / "latest").string(), "latest/"}) {
    auto resolved = backups_->Resolve(accepted);
    ASSERT_TRUE(resolved) << accepted << ": " << resolved.error().message();
    EXPECT_EQ(resolved->id, record.id) << accepted;
  }

  struct Refused {
    std::string input;
    std::string message;
  };
  const std::vector<Refused> refused = {
      {"../x", "outside the backup directory"},
      {"../" + dir.filename().string() + "X/" + record.id, "outside the backup directory"},
      {(sibling / record.id).string(), "outside the backup directory"},
      {"/etc", "outside the backup directory"},
      {"/etc/passwd", "outside the backup directory"},
      {(dir / ".." / "outside" / record.id).string(), "outside the backup directory"},
      {(dir / "escape").string(), "outside the backup directory"},
      {"escape/", "outside the backup directory"},
      {(dir / "escape-dir" / record.id).string(), "outside the backup directory"},
      {"..", "outside the backup directory"},
      {".", "not a backup directly inside"},
      {dir.string(), "not a backup directly inside"},
      {(dir / record.id / "files").string(), "not a backup directly inside"},
      {"./." + record.id + ".partial", "not a backup directly inside"},
      {"", "no backup id or path"},
      {"-rf", "is not a backup id"},
      {"bk 1", "is not a backup id"},
      {".hidden", "is not a backup id"},
  };
  for (const Refused& test : refused) {
    auto resolved = backups_->Resolve(test.input);
    ASSERT_FALSE(resolved) << test.input << " resolved to " << resolved->id;
    EXPECT_EQ(resolved.error().code(), ErrorCode::kInvalidArgument) << test.input;
    EXPECT_NE(resolved.error().message().find(test.message), std::string::npos)
        << test.input << ": " << resolved.error().message();
  }

  auto unknown = backups_->Resolve("bk-19700101-000000-00000000");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST_F(BackupStoreTest, LeftoversOfAKilledRunAreSweptByTheNextCreate) {
  WriteSampleApp();
  fs::create_directories(backup_dir_ / ".bk-20261126-000000-deadbeef.partial/files");
  WriteText(backup_dir_ / ".bk-20261126-000000-deadbeef.partial/files/.env", "half\n");
  fs::create_directories(backup_dir_ / ".bk-20261125-000000-deadbeef.deleting");
  const store::BackupRecord record = CreateOrFail(Request());
  EXPECT_EQ(BackupDirEntries(), (std::vector<std::string>{".lock", record.id}));
}

TEST_F(BackupStoreTest, ASecondProcessMutatingTheBackupDirectoryGetsAConflict) {
  WriteSampleApp();
  const store::BackupRecord record = CreateOrFail(Request());
  ASSERT_OK_AND_ASSIGN(const core::FileLock held,
                       core::FileLock::TryAcquire(backup_dir_ / ".lock", "another updater"));
  auto created = backups_->Create(Request());
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code(), ErrorCode::kConflict);
  EXPECT_NE(created.error().message().find("another updater"), std::string::npos)
      << created.error().message();
  auto pruned = backups_->Prune(1);
  ASSERT_FALSE(pruned);
  EXPECT_EQ(pruned.error().code(), ErrorCode::kConflict);
  // Reading needs no lock.
  ASSERT_OK(backups_->Verify(record.id));
  ASSERT_OK_AND_ASSIGN(const auto listed, backups_->List());
  EXPECT_EQ(listed.size(), 1u);
}

TEST_F(BackupStoreTest, DetectToolVersionsReportsInstalledToolsAndOmitsMissingOnes) {
  const auto versions = DetectToolVersions(app_, {"node", "galaos-no-such-tool"});
  ASSERT_EQ(versions.count("node"), 1u);
  EXPECT_TRUE(versions.at("node").starts_with("v")) << versions.at("node");
  EXPECT_EQ(versions.count("galaos-no-such-tool"), 0u);
}

TEST_F(BackupStoreTest, DetectToolVersionsReadsAnNpmPackagesVersionAsItsVersionFlagPrintsIt) {
  core::ProcessOptions npm;
  npm.argv = {"npm", "--version"};
  ASSERT_OK_AND_ASSIGN(core::ProcessResult printed, core::RunChecked(npm));
  const auto versions = DetectToolVersions(app_, {"npm"});
  ASSERT_EQ(versions.count("npm"), 1u);
  EXPECT_EQ(versions.at("npm") + "\n", printed.stdout_tail);
}

TEST_F(BackupStoreTest, DetectToolVersionsFindsAPackagedToolThroughItsBinSymlink) {
  // A tool installed the way npm installs packages: <prefix>/bin/tool -> ../lib/tool/cli.js.
  const std::filesystem::path prefix = app_.parent_path() / "prefix";
  std::filesystem::create_directories(prefix / "bin");
  std::filesystem::create_directories(prefix / "lib/galaos-fake-tool/bin");
  WriteText(prefix / "lib/galaos-fake-tool/package.json",
            R"({"name":"galaos-fake-tool","version":"9.8.7"})");
  WriteText(prefix / "lib/galaos-fake-tool/bin/cli.js", "#!/bin/sh\necho wrong\n", 0755);
  std::filesystem::create_symlink("../lib/galaos-fake-tool/bin/cli.js",
                                  prefix / "bin/galaos-fake-tool");
  const std::string old_path = std::getenv("PATH");
  setenv("PATH", ((prefix / "bin").string() + ":" + old_path).c_str(), 1);
  const auto versions = DetectToolVersions(app_, {"galaos-fake-tool"});
  setenv("PATH", old_path.c_str(), 1);
  ASSERT_EQ(versions.count("galaos-fake-tool"), 1u);
  EXPECT_EQ(versions.at("galaos-fake-tool"), "9.8.7");
}

}  // namespace
}  // namespace galaos::backup::testing
