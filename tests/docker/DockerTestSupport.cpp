#include "docker/DockerTestSupport.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <ranges>

#include "core/TempDir.h"
#include "docker/UpdateManager.h"

namespace galaos::docker::testing {
namespace {

// The docker CLI against the test engine, with a DOCKER_CONFIG of the test run's own: never
// ~/.docker, whose logins and settings are the machine's.
core::ProcessOptions CliOptions(std::vector<std::string> args) {
  static const Expected<core::TempDir> config = core::TempDir::Create("gdt-docker-config-");
  core::ProcessOptions options;
  options.argv = {"/usr/bin/docker", "-H", std::string(kDockerHost)};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  if (config) options.environment["DOCKER_CONFIG"] = config->path().string();
  options.timeout = std::chrono::minutes(2);
  return options;
}

// Best effort: cleanup must go on when one removal fails (e.g. the test already removed it).
void RunQuietly(std::vector<std::string> args) {
  (void)core::RunProcess(CliOptions(args));
}

}  // namespace

std::string UniquePrefix() {
  static std::atomic<int> counter{0};
  return "gdt-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

Expected<std::string> DockerCli(std::vector<std::string> args) {
  const core::ProcessResult result = TRY(core::RunChecked(CliOptions(std::move(args))));
  return result.stdout_tail;
}

Resources::~Resources() {
  for (const auto& name : containers_ | std::views::reverse) RunQuietly({"rm", "-f", name});
  for (const auto& name : networks_ | std::views::reverse) RunQuietly({"network", "rm", name});
  for (const auto& name : volumes_ | std::views::reverse) RunQuietly({"volume", "rm", name});
  for (const auto& name : images_ | std::views::reverse) RunQuietly({"rmi", name});
}

std::string Resources::Container(std::string name) {
  return containers_.emplace_back(name);
}
std::string Resources::Network(std::string name) {
  return networks_.emplace_back(name);
}
std::string Resources::Volume(std::string name) {
  return volumes_.emplace_back(name);
}
std::string Resources::Image(std::string name) {
  return images_.emplace_back(name);
}

Status ImportBusyboxImage(const ImageSpec& spec) {
  namespace fs = std::filesystem;
  const core::TempDir dir = TRY(core::TempDir::Create("gdt-rootfs-"));
  const fs::path rootfs = dir.path() / "rootfs";
  fs::create_directories(rootfs / "bin");
  fs::copy_file("/bin/busybox", rootfs / "bin/busybox");
  fs::create_symlink("busybox", rootfs / "bin/sh");
  for (const auto& [path, content] : spec.files) {
    const fs::path target = rootfs / fs::path(path).relative_path();
    fs::create_directories(target.parent_path());
    std::ofstream(target) << content;
  }
  const fs::path tar = dir.path() / "rootfs.tar";
  core::ProcessOptions tar_options;
  tar_options.argv = {"tar", "-C", rootfs.string(), "-cf", tar.string(), "."};
  TRY(core::RunChecked(std::move(tar_options)));
  std::vector<std::string> args = {"import"};
  for (const auto& change : spec.changes) {
    args.push_back("-c");
    args.push_back(change);
  }
  args.push_back(tar.string());
  args.push_back(spec.name);
  TRY(DockerCli(std::move(args)));
  return {};
}

nlohmann::json ComparableInspect(nlohmann::json container) {
  using nlohmann::json;
  const std::string short_id = container["Id"].get<std::string>().substr(0, 12);
  for (const char* key :
       {"Id", "Created", "State", "RestartCount", "ExecIDs", "Image", "ResolvConfPath",
        "HostnamePath", "HostsPath", "LogPath", "GraphDriver"}) {
    container.erase(key);
  }
  json& mounts = container["Mounts"];
  std::sort(mounts.begin(), mounts.end(),
            [](const json& a, const json& b) { return a["Destination"] < b["Destination"]; });
  container["Config"].erase("Image");
  container["Config"].erase("Hostname");
  json networks = json::object();
  for (const auto& [name, settings] : container["NetworkSettings"]["Networks"].items()) {
    json aliases = json::array();
    for (const json& alias : settings.value("Aliases", json::array())) {
      if (alias != short_id) aliases.push_back(alias);
    }
    networks[name] = {{"NetworkID", settings["NetworkID"]},
                      {"Aliases", aliases},
                      {"IPAMConfig", settings["IPAMConfig"]},
                      {"Links", settings["Links"]},
                      {"DriverOpts", settings["DriverOpts"]}};
  }
  container["NetworkSettings"] = {{"Networks", networks},
                                  {"Ports", container["NetworkSettings"]["Ports"]}};
  return container;
}

Expected<std::string> ImportAndPush(Resources& resources, const ImageSpec& spec) {
  TRY(ImportBusyboxImage(spec));
  const std::string id = TRY(DockerCli({"image", "inspect", "-f", "{{.Id}}", spec.name}));
  resources.Image(id.substr(0, id.find('\n')));  // removed last: the tags go first
  resources.Image(spec.name);
  TRY(DockerCli({"push", spec.name}));
  return id.substr(0, id.find('\n'));
}

Status AdoptRollbackTags(Resources& resources, std::string_view container) {
  const std::string tags = TRY(
      DockerCli({"images", "--format", "{{.Repository}}:{{.Tag}}", RollbackRepository(container)}));
  for (std::size_t at = 0, line_end; (line_end = tags.find('\n', at)) != std::string::npos;
       at = line_end + 1) {
    resources.Image(tags.substr(at, line_end - at));
  }
  return {};
}

ImageSpec HttpdImage(std::string name, const std::string& index) {
  ImageSpec spec{.name = std::move(name),
                 .changes = {R"j(CMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"])j",
                             "WORKDIR /www"}};
  if (!index.empty()) spec.files.emplace_back("/www/index.html", index);
  return spec;
}

nlohmann::json HttpdHealthcheck() {
  constexpr std::int64_t kNanosPerMs = 1'000'000;
  return {
      {"Test", {"CMD", "/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"}},
      {"Interval", 300 * kNanosPerMs},
      {"Timeout", 3000 * kNanosPerMs},
      {"Retries", 2}};
}

Expected<std::unique_ptr<EngineClient>> TestEngine() {
  return EngineClient::Connect(kDockerHost);
}

ComposeProject::~ComposeProject() {
  (void)core::RunProcess(Options({"down", "-t", "1"}));
}

Status ComposeProject::Run(std::vector<std::string> args) const {
  TRY(core::RunChecked(Options(std::move(args))));
  return {};
}

core::ProcessOptions ComposeProject::Options(std::vector<std::string> args) const {
  core::ProcessOptions options;
  options.argv = {"/usr/bin/docker-compose"};
  if (!project_.empty()) options.argv.insert(options.argv.end(), {"-p", project_});
  options.argv.insert(options.argv.end(), {"-f", file_.string()});
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.cwd = file_.parent_path();
  options.environment["DOCKER_HOST"] = std::string(kDockerHost);
  options.unset_environment = {"COMPOSE_PROJECT_NAME", "COMPOSE_FILE"};
  options.timeout = std::chrono::minutes(5);
  return options;
}

}  // namespace galaos::docker::testing
