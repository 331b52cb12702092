// The dashboard served by the daemon, driven in real headless Chromium (playwright-core).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "DaemonFixture.h"
#include "support/Assertions.h"
#include "support/NodeReference.h"

namespace galaos::daemon {
namespace {

using nlohmann::json;

// The dashboard in real headless Chromium (playwright-core from npm, Debian's chromium)
// against the real daemon on a sample app that has run one update: sign-in, overview,
// history, backups, a rollback, an update that fails and rolls back, a viewer, a forged
// mutation, sign-out; then, once a good release is out, an update that succeeds live, the
// audit log and the containers of an unreachable engine. Screenshots go to
// <build>/test-output/dashboard/ for a person to look at.
TEST_F(DaemonTest, TheDashboardWorksInARealBrowser) {
  ASSERT_OK_AND_ASSIGN(
      testing::NodeReference playwright,
      testing::NodeReference::Install("playwright-core", {"playwright-core@1.65.1"}));
  git_.PublishV1_1();
  const int port = testing::FreePort();
  const std::string settings =
      "[update]\nsource = \"git\"\nmin_free_disk_mb = 1\n"
      "[commands]\ninstall = [\"echo\", \"installing dependencies\"]\n"
      "[health]\ngrace_period = \"0s\"\nretries = 0\n"
      "[[health.checks]]\nname = \"app\"\ntype = \"command\"\nargv = [\"true\"]\n";
  WriteConfig(port, settings);
  core::ProcessOptions apply;
  apply.argv = {GALAOS_CLI_PATH, "--config", config_file_.string(), "apply", "code", "--json"};
  ASSERT_OK(core::RunChecked(apply));

  // The next release's changelog carries markup that must stay text. A second check fails on
  // 1.1.0 and 1.2.0, which lack old.txt: it passes again once the browser rolls back to 1.0.0,
  // and the browser's update to 1.2.0 then fails and rolls back.
  const std::string hostile = "<img src=x onerror=\"window.__xss=1\">";
  git_.CommitAndPush({{"package.json", "{\"name\":\"sample\",\"version\":\"1.2.0\"}\n"}},
                     "feat: show " + hostile + " as **plain** text");
  git_.TagAndPush("v1.2.0");
  // Docker on, but its engine unreachable: the dashboard must say so, not show no containers.
  docker_ = "host = \"unix:///nonexistent/docker.sock\"\n";
  WriteConfig(port, settings +
                        "[[health.checks]]\nname = \"legacy-file\"\ntype = \"command\"\n"
                        "argv = [\"test\", \"-e\", \"old.txt\"]\n");
  const std::string admin = Token("admin");
  const std::string viewer = Token("viewer");
  DaemonProcess daemon(config_file_);
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();

  const std::filesystem::path screenshots =
      std::filesystem::path(GALAOS_BINARY_DIR) / "test-output" / "dashboard";
  std::filesystem::create_directories(screenshots);
  // One browser session (a fresh profile each) of dashboard.js; every check must pass.
  auto browse = [&](json input, std::size_t min_checks) {
    SCOPED_TRACE(input["scenario"].get<std::string>());
    ASSERT_OK_AND_ASSIGN(core::TempDir profile, core::TempDir::Create("chromium-profile"));
    input.update({{"baseUrl", fmt::format("http://127.0.0.1:{}", port)},
                  {"adminToken", admin},
                  {"viewerToken", viewer},
                  {"screenshots", screenshots.string()},
                  {"userDataDir", profile.path().string()}});
    ASSERT_OK_AND_ASSIGN(json report,
                         playwright.Ask(GALAOS_SOURCE_DIR "/tests/daemon/e2e/dashboard.js", input));
    ASSERT_GE(report["checks"].size(), min_checks) << report.dump(2);
    for (const json& check : report["checks"]) {
      EXPECT_TRUE(check["ok"].get<bool>())
          << check["name"].get<std::string>() << ": " << check["detail"].get<std::string>();
    }
    EXPECT_EQ(report["pageErrors"], json::array()) << report["pageErrors"].dump(2);
  };
  browse({{"scenario", "main"},
          {"runningVersion", "1.1.0"},
          {"backupVersion", "1.0.0"},
          {"latestVersion", "1.2.0"},
          {"hostile", hostile}},
         25);

  // A release with old.txt back: the browser's update to it succeeds.
  git_.CommitAndPush({{"package.json", "{\"name\":\"sample\",\"version\":\"1.3.0\"}\n"},
                      {"old.txt", "back in v1.3.0\n"}},
                     "fix: bring old.txt back");
  git_.TagAndPush("v1.3.0");
  browse({{"scenario", "update"}, {"fromVersion", "1.0.0"}, {"toVersion", "1.3.0"}}, 12);
}

// `cmake --install` puts the dashboard next to the binary, and the installed binary finds it
// there without any configuration (api.web_root empty).
TEST_F(DaemonTest, TheInstalledBinaryServesTheDashboardInstalledWithIt) {
  ASSERT_OK_AND_ASSIGN(core::TempDir prefix, core::TempDir::Create("install-prefix"));
  core::ProcessOptions install;
  install.argv = {"cmake", "--install", GALAOS_BINARY_DIR, "--prefix", prefix.path().string()};
  ASSERT_OK(core::RunChecked(install));
  const int port = testing::FreePort();
  DaemonProcess daemon(WriteConfig(port), {}, (prefix.path() / "bin" / "galaos-updater").string());
  ASSERT_TRUE(daemon.WaitForLines("listening on")) << daemon.Output();
  EXPECT_TRUE(daemon.WaitForLines(fmt::format(
      "serving the dashboard from {}/share/galaos-updater/web", prefix.path().string())))
      << daemon.Output();
  httplib::Client client("127.0.0.1", port);
  auto index = client.Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_NE(index->body.find("<script type=\"module\" src=\"/app.js\">"), std::string::npos);
  auto script = client.Get("/views/overview.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
}

}  // namespace
}  // namespace galaos::daemon
