#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/TempDir.h"
#include "docker/ComposeFile.h"
#include "support/Assertions.h"

namespace galaos::docker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Expected<ComposeFile> Parse(std::string_view text, std::string_view project = {}) {
  return ComposeFile::Parse(text, "stack.yml", "My.App-1", project);
}

std::vector<std::string> ServiceNames(const ComposeFile& compose) {
  std::vector<std::string> names;
  for (const ComposeService& service : compose.services()) names.push_back(service.name);
  return names;
}

// The error message of a parse that must fail.
std::string ParseError(std::string_view text) {
  const Expected<ComposeFile> compose = Parse(text);
  if (compose) return "(parsed)";
  EXPECT_EQ(compose.error().code(), ErrorCode::kInvalidArgument);
  return compose.error().message();
}

TEST(ComposeFileTest, ProjectIsTheNormalizedDirectoryNameWithoutNameKey) {
  ASSERT_OK_AND_ASSIGN(const ComposeFile compose, Parse("services:\n  web:\n    image: nginx\n"));
  EXPECT_EQ(compose.project(), "myapp-1");
  EXPECT_THAT(compose.ContainerNames(), ElementsAre("myapp-1_web_1"));
}

TEST(ComposeFileTest, NameKeyGivesTheProjectAndAnExplicitProjectWins) {
  const std::string_view text = "name: Shop_Front\nservices:\n  web:\n    image: nginx\n";
  ASSERT_OK_AND_ASSIGN(const ComposeFile named, Parse(text));
  EXPECT_EQ(named.project(), "shop_front");
  ASSERT_OK_AND_ASSIGN(const ComposeFile explicit_name, Parse(text, "Other.Name"));
  EXPECT_EQ(explicit_name.project(), "othername");
}

TEST(ComposeFileTest, NormalizeKeepsOnlyLowerCaseLettersDigitsUnderscoreAndDash) {
  EXPECT_EQ(NormalizeComposeProjectName("My Proj.v2_X-y!"), "myprojv2_x-y");
}

TEST(ComposeFileTest, ContainerNamesAreContainerNameOrProjectServiceOne) {
  ASSERT_OK_AND_ASSIGN(const ComposeFile compose, Parse(R"(version: "2"
services:
  web:
    image: nginx:1.25
  db:
    image: postgres
    container_name: the-db
)",
                                                        "__stack"));
  EXPECT_THAT(compose.ContainerNames(), ElementsAre("stack_web_1", "the-db"));
  EXPECT_EQ(compose.services()[0].image, "nginx:1.25");
}

TEST(ComposeFileTest, DependenciesFromDependsOnLinksAndNetworkModeComeFirst) {
  ASSERT_OK_AND_ASSIGN(const ComposeFile compose, Parse(R"(version: "3.8"
services:
  web:
    image: web
    depends_on: [api]
  api:
    image: api
    links: ["db:database", cache]
  sidecar:
    image: sidecar
    network_mode: "service:api"
  cache:
    image: redis
  db:
    image: postgres
)"));
  EXPECT_THAT(ServiceNames(compose), ElementsAre("cache", "db", "api", "web", "sidecar"));
  EXPECT_THAT(compose.services()[2].dependencies, ElementsAre("db", "cache"));
  EXPECT_THAT(compose.services()[4].dependencies, ElementsAre("api"));
  EXPECT_EQ(compose.services()[4].network_mode, "service:api");
}

TEST(ComposeFileTest, DependsOnMapFormWithoutVersionIsUnderstood) {
  ASSERT_OK_AND_ASSIGN(const ComposeFile compose, Parse(R"(services:
  web:
    image: web
    depends_on:
      db: {condition: service_healthy}
      cache:
        condition: service_started
  db: {image: postgres}
  cache: {image: redis}
x-common: {image: ignored}
)"));
  EXPECT_THAT(ServiceNames(compose), ElementsAre("db", "cache", "web"));
  EXPECT_THAT(compose.services()[2].dependencies, ElementsAre("db", "cache"));
}

TEST(ComposeFileTest, ContainerNetworkModeOfAnotherServicesContainerIsADependency) {
  ASSERT_OK_AND_ASSIGN(const ComposeFile compose, Parse(R"(services:
  proxy:
    image: proxy
    network_mode: "container:vpn"
  other:
    image: other
    network_mode: "container:unrelated"
  vpn:
    image: vpn
    container_name: vpn
)"));
  EXPECT_THAT(ServiceNames(compose), ElementsAre("other", "vpn", "proxy"));
  EXPECT_TRUE(compose.services()[0].dependencies.empty());
}

TEST(ComposeFileTest, Version1FileHasItsServicesAtTheTopLevel) {
  ASSERT_OK_AND_ASSIGN(const ComposeFile compose, Parse(R"(web:
  image: web
  links: [db]
db:
  image: postgres
)"));
  EXPECT_THAT(ServiceNames(compose), ElementsAre("db", "web"));
  EXPECT_EQ(compose.project(), "myapp-1");
}

TEST(ComposeFileTest, WithoutDependenciesTheFileOrderIsKept) {
  ASSERT_OK_AND_ASSIGN(const ComposeFile compose,
                       Parse("services:\n  c: {image: c}\n  a: {image: a}\n  b: {image: b}\n"));
  EXPECT_THAT(ServiceNames(compose), ElementsAre("c", "a", "b"));
}

TEST(ComposeFileTest, DependencyCycleIsAnErrorNamingTheServices) {
  const std::string error = ParseError(R"(services:
  a: {image: a, depends_on: [b]}
  b: {image: b, links: [c]}
  c: {image: c, network_mode: "service:a"}
  d: {image: d}
)");
  EXPECT_THAT(error, HasSubstr("stack.yml"));
  EXPECT_THAT(error, HasSubstr("cycle: a, b, c"));
}

TEST(ComposeFileTest, DependencyOnItselfIsAnError) {
  EXPECT_THAT(ParseError("services:\n  a: {image: a, depends_on: [a]}\n"),
              HasSubstr("stack.yml:2: service a depends on itself"));
}

TEST(ComposeFileTest, UnknownDependencyIsAnErrorWithTheServicesLine) {
  EXPECT_THAT(ParseError("services:\n  db: {image: db}\n  web:\n    image: web\n"
                         "    depends_on: [dbx]\n"),
              HasSubstr("stack.yml:3: service web depends on dbx, which the file does not define"));
}

TEST(ComposeFileTest, BadYamlIsAnErrorWithItsLine) {
  EXPECT_THAT(ParseError("services:\n  web:\n    image: [unclosed\n  db: {image: x}\n"),
              HasSubstr("invalid YAML"));
  EXPECT_THAT(ParseError("services:\n  web:\n    image: a\n   bad: indent\n"),
              HasSubstr("stack.yml:4: invalid YAML"));
}

TEST(ComposeFileTest, ServiceWithoutImageIsAnErrorWithItsLine) {
  EXPECT_THAT(ParseError("version: '2'\nservices:\n  db: {image: db}\n  web:\n    build: .\n"),
              HasSubstr("stack.yml:4: service web has no image"));
}

TEST(ComposeFileTest, ValuesOfTheWrongTypeAreErrorsWithTheirLine) {
  EXPECT_THAT(ParseError("services:\n  web:\n    image: {a: b}\n"),
              HasSubstr("stack.yml:3: image of service web must be a string"));
  EXPECT_THAT(ParseError("services:\n  web:\n    image: w\n    depends_on: db\n"),
              HasSubstr("stack.yml:4: depends_on of service web must be a list or a mapping"));
  EXPECT_THAT(ParseError("services:\n  web: nginx\n"),
              HasSubstr("stack.yml:2: service web must be a mapping"));
  EXPECT_THAT(ParseError("- a\n- b\n"), HasSubstr("stack.yml:1: a compose file must be a mapping"));
}

TEST(ComposeFileTest, UnsupportedVersionOrNoServicesIsAnError) {
  EXPECT_THAT(ParseError("version: '1'\nservices:\n  web: {image: w}\n"),
              HasSubstr("stack.yml:1: unsupported compose file version \"1\""));
  EXPECT_THAT(ParseError("version: '3'\n"), HasSubstr("defines no services"));
  EXPECT_THAT(ParseError("services: {}\n"), HasSubstr("no services"));
}

TEST(ComposeFileTest, LoadTakesTheProjectFromTheFilesDirectory) {
  ASSERT_OK_AND_ASSIGN(const core::TempDir dir, core::TempDir::Create("gdt-compose-"));
  const std::filesystem::path stack = dir.path() / "Web.Stack";
  std::filesystem::create_directory(stack);
  std::ofstream(stack / "docker-compose.yml") << "services:\n  web: {image: w}\n";
  ASSERT_OK_AND_ASSIGN(const ComposeFile compose, ComposeFile::Load(stack / "docker-compose.yml"));
  EXPECT_EQ(compose.project(), "webstack");
  const Expected<ComposeFile> missing = ComposeFile::Load(stack / "missing.yml");
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().message(), HasSubstr("missing.yml"));
}

}  // namespace
}  // namespace galaos::docker
