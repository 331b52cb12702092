// Real repositories for the git tests, built with the real `git` CLI in a temporary directory:
//   remote.git  a bare repository, the "remote" the application follows
//   author/     a clone where new releases are committed, tagged and pushed
//   app/        a clone at v1.0.0: the application's working tree under test
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/TempDir.h"

namespace galaos::git::testing {

class GitFixture {
 public:
  // Publishes v1.0.0 (annotated tag) and clones it to app/.
  //   v1.0.0: README.md, app.js "v1", old.txt, package.json 1.0.0, .gitignore (node_modules/,
  //   *.log)
  GitFixture();

  // Publishes, in author/, two commits and the lightweight tag v1.1.0, without fetching them
  // into app/:
  //   "feat: add new module"  adds new.txt
  //   "fix!: drop old.txt"    removes old.txt, app.js "v2", package.json 1.1.0, body with a
  //                           BREAKING CHANGE footer
  void PublishV1_1();

  // Commits `files` (path -> content; content "" deletes the file) in author/ and pushes main.
  void CommitAndPush(const std::map<std::string, std::string>& files, const std::string& message);
  void TagAndPush(const std::string& name, const std::string& annotation = "");

  // Runs git in `cwd` (argv only) and returns its stdout without the final newline.
  // Throws (failing the current test) when git fails.
  std::string Git(const std::filesystem::path& cwd, const std::vector<std::string>& args);
  // Runs git and reports whether it exited 0.
  bool GitSucceeds(const std::filesystem::path& cwd, const std::vector<std::string>& args);

  const std::filesystem::path& root() const { return dir_.path(); }
  std::filesystem::path remote() const { return root() / "remote.git"; }
  std::filesystem::path author() const { return root() / "author"; }
  std::filesystem::path app() const { return root() / "app"; }

 private:
  std::map<std::string, std::string> Environment();

  core::TempDir dir_;
  int clock_ = 0;  // commits get increasing, fixed dates so history order is deterministic
};

std::string ReadText(const std::filesystem::path& path);
void WriteText(const std::filesystem::path& path, const std::string& content);

}  // namespace galaos::git::testing
