// ComposeFile's predictions against what the real docker-compose v1 does with the same file:
// the container names, their com.docker.compose.* labels, and dependencies started first.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "core/TempDir.h"
#include "docker/ComposeFile.h"
#include "docker/DockerTestSupport.h"
#include "support/Assertions.h"

namespace galaos::docker {
namespace {

using testing::ComposeProject;
using testing::DockerCli;
using testing::Resources;
using testing::UniquePrefix;

// "2026-11-27T03:45:01.1234Z" with the fraction padded to 9 digits, so strings compare as times.
std::string ComparableTime(std::string time) {
  const std::size_t zone = time.find('Z');
  std::size_t dot = time.find('.');
  if (dot == std::string::npos) time.insert(dot = zone, ".");
  const std::size_t digits = time.find('Z') - dot - 1;
  time.insert(time.find('Z'), std::string(9 - digits, '0'));
  return time;
}

// What docker-compose created, per container name: its compose labels and start time.
struct Created {
  std::map<std::string, std::string> labels;
  std::string started_at;
};

Expected<std::map<std::string, Created>> ContainersOfProject(const std::string& project) {
  const std::string names =
      TRY(DockerCli({"ps", "-a", "--filter", "label=com.docker.compose.project=" + project,
                     "--format", "{{.Names}}"}));
  std::map<std::string, Created> created;
  std::istringstream lines(names);
  for (std::string name; std::getline(lines, name);) {
    const std::string inspected = TRY(DockerCli(
        {"inspect", "--format",
         R"j({{range $k, $v := .Config.Labels}}{{$k}}={{$v}}{{"\n"}}{{end}}@{{.State.StartedAt}})j",
         name}));
    Created& container = created[name];
    std::istringstream fields(inspected);
    for (std::string line; std::getline(fields, line);) {
      if (line.starts_with('@')) {
        container.started_at = ComparableTime(line.substr(1));
      } else if (line.starts_with("com.docker.compose.")) {
        const std::size_t equals = line.find('=');
        container.labels[line.substr(0, equals)] = line.substr(equals + 1);
      }
    }
  }
  return created;
}

// Every container ComposeFile predicts exists with the labels of its project and service,
// nothing else was created, and each service started after its dependencies.
void ExpectComposeDidWhatComposeFilePredicts(const ComposeFile& compose) {
  ASSERT_OK_AND_ASSIGN(const auto created, ContainersOfProject(compose.project()));
  std::set<std::string> names;
  for (const auto& entry : created) names.insert(entry.first);
  const std::vector<std::string> predicted = compose.ContainerNames();
  EXPECT_EQ(names, std::set<std::string>(predicted.begin(), predicted.end()));

  std::map<std::string, std::string> started_at;  // per service
  for (const ComposeService& service : compose.services()) {
    const auto it = created.find(compose.ContainerName(service));
    ASSERT_NE(it, created.end()) << service.name;
    const auto& labels = it->second.labels;
    EXPECT_EQ(labels.at("com.docker.compose.project"), compose.project());
    EXPECT_EQ(labels.at("com.docker.compose.service"), service.name);
    EXPECT_EQ(labels.at("com.docker.compose.container-number"), "1");
    EXPECT_EQ(labels.at("com.docker.compose.oneoff"), "False");
    started_at[service.name] = it->second.started_at;
    for (const std::string& dependency : service.dependencies) {
      // services() is in dependency order, so the dependency was seen already.
      ASSERT_TRUE(started_at.contains(dependency)) << service.name << " before " << dependency;
      EXPECT_LT(started_at[dependency], started_at[service.name])
          << dependency << " should start before " << service.name;
    }
  }
}

// A local busybox image that sleeps, for compose services.
Expected<std::string> SleepImage(Resources& resources, const std::string& prefix) {
  const std::string image = resources.Image(prefix + "-compose:1");
  TRY(testing::ImportBusyboxImage(
      {.name = image, .changes = {R"j(CMD ["/bin/busybox", "sleep", "3600"])j"}}));
  return image;
}

TEST(ComposeFileEngineTest, Version2StackWithExplicitProjectMatchesDockerCompose) {
  Resources resources;
  const std::string prefix = UniquePrefix();
  ASSERT_OK_AND_ASSIGN(const std::string image, SleepImage(resources, prefix));
  ASSERT_OK_AND_ASSIGN(const core::TempDir dir, core::TempDir::Create("gdt-compose-"));
  const std::filesystem::path file = dir.path() / "stack.yml";
  std::ofstream(file) << "version: \"2.4\"\n"
                      << "services:\n"
                      << "  web:\n    image: " << image << "\n    depends_on: [api]\n"
                      << "  api:\n    image: " << image << "\n    links: [\"db:database\"]\n"
                      << "  sidecar:\n    image: " << image
                      << "\n    network_mode: \"service:api\"\n"
                      << "  db:\n    image: " << image << "\n    container_name: " << prefix
                      << "-db\n";
  const std::string project = "Gdt_" + prefix;  // normalized by both
  ASSERT_OK_AND_ASSIGN(const ComposeFile compose, ComposeFile::Load(file, project));
  ASSERT_EQ(compose.project(), "gdt_" + prefix);

  const ComposeProject stack(file, project);
  ASSERT_OK(stack.Run({"up", "-d"}));
  ExpectComposeDidWhatComposeFilePredicts(compose);
}

TEST(ComposeFileEngineTest, UnversionedStackNamedAfterItsDirectoryMatchesDockerCompose) {
  Resources resources;
  const std::string prefix = UniquePrefix();
  ASSERT_OK_AND_ASSIGN(const std::string image, SleepImage(resources, prefix));
  ASSERT_OK_AND_ASSIGN(const core::TempDir dir, core::TempDir::Create("gdt-compose-"));
  const std::filesystem::path stack_dir = dir.path() / ("My.Stack_" + prefix);
  std::filesystem::create_directory(stack_dir);
  const std::filesystem::path file = stack_dir / "docker-compose.yml";
  std::ofstream(file) << "services:\n"
                      << "  app:\n    image: " << image << "\n    depends_on:\n"
                      << "      cache: {condition: service_started}\n"
                      << "      db:\n        condition: service_started\n"
                      << "  db:\n    image: " << image << "\n"
                      << "  cache:\n    image: " << image << "\n";
  ASSERT_OK_AND_ASSIGN(const ComposeFile compose, ComposeFile::Load(file));
  ASSERT_EQ(compose.project(), "mystack_" + prefix);

  const ComposeProject stack(file, "");
  ASSERT_OK(stack.Run({"up", "-d"}));
  ExpectComposeDidWhatComposeFilePredicts(compose);
}

}  // namespace
}  // namespace galaos::docker
