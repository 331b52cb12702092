#include "ReleaseHistory.h"

namespace galaos::release::testing {
namespace {

std::string ChangelogV2() {
  std::string text = kChangelogV1_1;
  const std::string v2 =
      "## [2.0.0] - 2023-11-20\n"
      "\n"
      "### Removed\n"
      "\n"
      "- The v1 API (use /v2).\n"
      "\n";
  text.insert(text.find("## [1.1.0]"), v2);
  return text;
}

}  // namespace

ReleaseHistory::ReleaseHistory() {
  git_.CommitAndPush({{"search.js", "module.exports = 'search';\n"}}, "feat: add search");
  git_.CommitAndPush({{"theme.css", "body { background: black; }\n"},
                      {"CHANGELOG.md", kChangelogV1_1},
                      {"package.json", "{\"name\":\"sample\",\"version\":\"1.1.0\"}\n"}},
                     "feat(ui): dark mode\n\nAdds a dark theme.");
  git_.TagAndPush("v1.1.0", "Release 1.1.0");
  git_.CommitAndPush({{"api.js", "module.exports = 'v2 only';\n"}},
                     "feat!: remove the v1 API\n\nClients must use /v2.");
  git_.CommitAndPush({{"CHANGELOG.md", ChangelogV2()},
                      {"package.json", "{\"name\":\"sample\",\"version\":\"2.0.0\"}\n"}},
                     "chore: release 2.0.0");
  git_.TagAndPush("v2.0.0");
  git_.CommitAndPush({{"beta.txt", "beta\n"}}, "feat: beta feature");
  git_.TagAndPush("v2.1.0-rc.1");
  git_.TagAndPush("nightly");
}

std::string ReleaseHistory::CommitOf(const std::string& rev) {
  return git_.Git(git_.author(), {"rev-parse", rev + "^{commit}"});
}

std::chrono::sys_seconds ReleaseHistory::TimeOf(const std::string& rev) {
  return std::chrono::sys_seconds(std::chrono::seconds(
      std::stoll(git_.Git(git_.author(), {"log", "-1", "--format=%at", rev}))));
}

void ReleaseHistory::CheckOutApp(const std::string& rev) {
  git_.Git(git_.app(), {"fetch", "--quiet", "--tags", "origin"});
  git_.Git(git_.app(), {"checkout", "--quiet", "--detach", rev});
}

}  // namespace galaos::release::testing
