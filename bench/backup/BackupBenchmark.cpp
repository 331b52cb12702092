// The Snapshot step of a code update, function by function, on the sample app's files
// (scripts/sample-app: package.json, package-lock.json, .env and its SQLite database):
//   BM_BackupCreate      BackupStore::Create: copies, SQLite online backup, sha256, fsyncs,
//                        manifest, read-back check, index row
//   BM_PlainCopy         its peer: what a shell script's backup does (cp of the files and
//                        sqlite3 .backup of the database), without fsync, hashes or index
//   BM_DetectToolVersions  `<tool> --version` for the manifest, one tool per run
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "backup/BackupStore.h"
#include "core/Clock.h"
#include "core/TempDir.h"
#include "store/SqliteStore.h"

namespace {

namespace fs = std::filesystem;
using namespace galaos;

const std::vector<std::string> kFiles = {"package.json", "package-lock.json", ".env"};

void Write(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// A sqlite3 call that must succeed for the benchmark to mean anything.
void Check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE) {
    std::fprintf(stderr, "%s: %s\n", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    std::abort();
  }
}

// The sample app as create.sh leaves it at v1.1.0: its critical files and its migrated database.
struct SampleApp {
  core::TempDir dir = core::TempDir::Create("galaos-bench-").value();
  fs::path root = dir.path() / "app";
  fs::path database = root / "data" / "app.db";

  SampleApp() {
    fs::create_directories(root / "data");
    Write(root / "package.json",
          R"({"name": "galaos-sample-app", "version": "1.1.0", "private": true,)"
          R"( "scripts": {"build": "node build.js", "start": "node server.js"}})"
          "\n");
    Write(root / "package-lock.json",
          R"({"name": "galaos-sample-app", "version": "1.1.0", "lockfileVersion": 3,)"
          R"( "requires": true, "packages": {"": {"name": "galaos-sample-app",)"
          R"( "version": "1.1.0"}}})"
          "\n");
    Write(root / ".env", "PORT=3000\n");
    sqlite3* db = nullptr;
    Check(sqlite3_open(database.c_str(), &db), db, "open");
    Check(sqlite3_exec(db,
                       "CREATE TABLE visits (id INTEGER PRIMARY KEY, at TEXT NOT NULL);"
                       "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
                       nullptr, nullptr, nullptr),
          db, "schema");
    sqlite3_close(db);
  }
};

void BM_BackupCreate(benchmark::State& state) {
  SampleApp app;
  core::Clock& clock = core::SystemClock::Instance();
  const std::unique_ptr<store::Store> index =
      store::OpenSqliteStore(app.dir.path() / "state" / "state.db", clock).value();
  backup::BackupStore backups(app.dir.path() / "state" / "backups", *index, clock);
  const backup::BackupRequest request{
      .app_root = app.root,
      .critical_files = {"package.json", "package-lock.json", "**/.env*"},
      .commit = std::string(40, 'a'),
      .branch = "",
      .version = "1.1.0",
      .database_url = "sqlite://" + app.database.string(),
      .tools = {{"node", "v20"}, {"npm", "11"}}};
  for (auto _ : state) {
    benchmark::DoNotOptimize(backups.Create(request).value());
    state.PauseTiming();
    backups.Prune(5).value();  // as every successful update's Commit step does
    state.ResumeTiming();
  }
}
BENCHMARK(BM_BackupCreate)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

void BM_PlainCopy(benchmark::State& state) {
  SampleApp app;
  const fs::path target = app.dir.path() / "copy";
  for (auto _ : state) {
    fs::create_directories(target);
    for (const std::string& file : kFiles) {
      fs::copy_file(app.root / file, target / file, fs::copy_options::overwrite_existing);
    }
    sqlite3* source = nullptr;
    sqlite3* copy = nullptr;
    Check(sqlite3_open(app.database.c_str(), &source), source, "open");
    Check(sqlite3_open((target / "app.db").c_str(), &copy), copy, "open copy");
    sqlite3_backup* backup = sqlite3_backup_init(copy, "main", source, "main");
    Check(sqlite3_backup_step(backup, -1), copy, "backup step");
    Check(sqlite3_backup_finish(backup), copy, "backup finish");
    sqlite3_close(copy);
    sqlite3_close(source);
    state.PauseTiming();
    fs::remove_all(target);
    state.ResumeTiming();
  }
}
BENCHMARK(BM_PlainCopy)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

void BM_DetectToolVersions(benchmark::State& state, const char* tool) {
  const fs::path cwd = fs::current_path();
  for (auto _ : state) {
    benchmark::DoNotOptimize(backup::DetectToolVersions(cwd, {tool}));
  }
}
BENCHMARK_CAPTURE(BM_DetectToolVersions, node, "node")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2);
BENCHMARK_CAPTURE(BM_DetectToolVersions, npm, "npm")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2);

}  // namespace

BENCHMARK_MAIN();
