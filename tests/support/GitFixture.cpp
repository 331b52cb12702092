#include "support/GitFixture.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/Process.h"

namespace galaos::git::testing {
namespace {

template <class T>
T Unwrap(Expected<T> result, const std::string& what) {
  if (!result) throw std::runtime_error(what + ": " + result.error().message());
  return std::move(*result);
}

}  // namespace

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void WriteText(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

GitFixture::GitFixture() : dir_(Unwrap(core::TempDir::Create("galaos-git-test-"), "temp dir")) {
  Git(root(), {"init", "--bare", remote().string()});
  Git(root(), {"init", author().string()});
  Git(author(), {"remote", "add", "origin", remote().string()});
  CommitAndPush({{"README.md", "# sample app\n"},
                 {"app.js", "console.log('v1');\n"},
                 {"old.txt", "only in v1.0.0\n"},
                 {"package.json", R"({"name":"sample","version":"1.0.0"})"
                                  "\n"},
                 {".gitignore", "node_modules/\n*.log\n"}},
                "chore: release 1.0.0");
  TagAndPush("v1.0.0", "Release 1.0.0");
  Git(root(), {"clone", "--quiet", remote().string(), app().string()});
}

void GitFixture::PublishV1_1() {
  CommitAndPush({{"new.txt", "added in v1.1.0\n"}}, "feat: add new module\n\nAdds new.txt.");
  CommitAndPush({{"old.txt", ""},
                 {"app.js", "console.log('v2');\n"},
                 {"package.json", R"({"name":"sample","version":"1.1.0"})"
                                  "\n"}},
                "fix!: drop old.txt\n\nold.txt was unused.\n\nBREAKING CHANGE: old.txt is gone.");
  TagAndPush("v1.1.0");
}

void GitFixture::CommitAndPush(const std::map<std::string, std::string>& files,
                               const std::string& message) {
  for (const auto& [path, content] : files) {
    if (content.empty()) {
      Git(author(), {"rm", "--quiet", path});
    } else {
      WriteText(author() / path, content);
      Git(author(), {"add", path});
    }
  }
  Git(author(), {"commit", "--quiet", "-m", message});
  Git(author(), {"push", "--quiet", "origin", "main"});
}

void GitFixture::TagAndPush(const std::string& name, const std::string& annotation) {
  if (annotation.empty()) {
    Git(author(), {"tag", name});
  } else {
    Git(author(), {"tag", "-a", name, "-m", annotation});
  }
  Git(author(), {"push", "--quiet", "origin", "refs/tags/" + name});
}

std::map<std::string, std::string> GitFixture::Environment() {
  const std::string date = std::to_string(1700000000 + 60 * ++clock_) + " +0000";
  return {{"GIT_AUTHOR_NAME", "Ada Author"},
          {"GIT_AUTHOR_EMAIL", "ada@example.org"},
          {"GIT_COMMITTER_NAME", "Carl Committer"},
          {"GIT_COMMITTER_EMAIL", "carl@example.org"},
          {"GIT_AUTHOR_DATE", date},
          {"GIT_COMMITTER_DATE", date},
          {"GIT_CONFIG_NOSYSTEM", "1"},
          {"GIT_CONFIG_GLOBAL", "/dev/null"},
          {"GIT_TERMINAL_PROMPT", "0"}};
}

std::string GitFixture::Git(const std::filesystem::path& cwd,
                            const std::vector<std::string>& args) {
  core::ProcessOptions options;
  options.argv = {"git", "-c", "init.defaultBranch=main", "-c", "advice.detachedHead=false"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.cwd = cwd;
  options.environment = Environment();
  options.timeout = std::chrono::seconds(60);
  core::ProcessResult result = Unwrap(core::RunChecked(std::move(options)), "git");
  std::string out = std::move(result.stdout_tail);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool GitFixture::GitSucceeds(const std::filesystem::path& cwd,
                             const std::vector<std::string>& args) {
  core::ProcessOptions options;
  options.argv = {"git"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.cwd = cwd;
  options.environment = Environment();
  options.timeout = std::chrono::seconds(60);
  Expected<core::ProcessResult> result = core::RunProcess(std::move(options));
  return result && result->Succeeded();
}

}  // namespace galaos::git::testing
