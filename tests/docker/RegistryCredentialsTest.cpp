// RegistryCredentials: what `docker login` writes to config.json, read back per registry.
#include <gtest/gtest.h>

#include <fstream>

#include "core/TempDir.h"
#include "docker/RegistryClient.h"
#include "docker/RegistryCredentials.h"
#include "support/Assertions.h"

namespace galaos::docker {
namespace {

// base64("alice:s3cr:et") — a password may itself hold ':'.
constexpr std::string_view kConfig = R"({
  "auths": {
    "127.0.0.1:5000": {"auth": "YWxpY2U6czNjcjpldA=="},
    "https://index.docker.io/v1/": {"username": "hubuser", "password": "hubpass"},
    "http://registry.example.com:8443/v2/": {"identitytoken": "refresh-token"},
    "ghcr.io": {},
    "quay.io": {"auth": "Ym9iOnF1YXk="}
  },
  "credHelpers": {"quay.io": "pass"},
  "credsStore": "desktop"
})";

TEST(RegistryCredentialsTest, ReadsAuthUsernamePasswordAndIdentityToken) {
  ASSERT_OK_AND_ASSIGN(const RegistryCredentials credentials,
                       RegistryCredentials::Parse(kConfig, "config.json"));
  const RegistryCredential local = credentials.Lookup("127.0.0.1:5000");
  EXPECT_EQ(local.username, "alice");
  EXPECT_EQ(local.password, "s3cr:et");
  EXPECT_TRUE(local.helper.empty());
  const RegistryCredential example = credentials.Lookup("registry.example.com:8443");
  EXPECT_EQ(example.identity_token, "refresh-token");
  EXPECT_TRUE(example.HasSecret());
}

TEST(RegistryCredentialsTest, DockerHubMatchesItsLegacyIndexKey) {
  ASSERT_OK_AND_ASSIGN(const RegistryCredentials credentials,
                       RegistryCredentials::Parse(kConfig, "config.json"));
  for (const std::string_view domain : {"docker.io", "index.docker.io", "registry-1.docker.io"}) {
    SCOPED_TRACE(domain);
    EXPECT_EQ(credentials.Lookup(domain).username, "hubuser");
    EXPECT_EQ(credentials.Lookup(domain).password, "hubpass");
  }
}

TEST(RegistryCredentialsTest, CredentialHelpersAreNamedNotRun) {
  ASSERT_OK_AND_ASSIGN(const RegistryCredentials credentials,
                       RegistryCredentials::Parse(kConfig, "config.json"));
  // credHelpers wins over an "auths" entry for the same host, as in Docker.
  const RegistryCredential quay = credentials.Lookup("quay.io");
  EXPECT_EQ(quay.helper, "docker-credential-pass");
  EXPECT_FALSE(quay.HasSecret());
  // An empty "auths" entry is a login kept by credsStore; unknown hosts fall to it too.
  EXPECT_EQ(credentials.Lookup("ghcr.io").helper, "docker-credential-desktop");
  EXPECT_EQ(credentials.Lookup("other.example.org").helper, "docker-credential-desktop");
}

TEST(RegistryCredentialsTest, WithoutAnEntryARegistryIsAnonymous) {
  ASSERT_OK_AND_ASSIGN(
      const RegistryCredentials credentials,
      RegistryCredentials::Parse(R"({"auths": {"a.example": {"auth": "eDp5"}}})", "config.json"));
  EXPECT_EQ(credentials.Lookup("b.example"), RegistryCredential());
  EXPECT_EQ(RegistryCredentials().Lookup("docker.io"), RegistryCredential());
}

TEST(RegistryCredentialsTest, MalformedFilesAreErrorsThatNameTheEntryButNoSecret) {
  const struct {
    std::string json, message;
  } cases[] = {
      {"not json", "f.json: not a JSON object"},
      {R"({"auths": []})", "\"auths\" is not a JSON object"},
      {R"({"auths": {"h": "x"}})", "auths entry \"h\": not a JSON object"},
      // base64 of "nocolon-s3cret": no user:password separator
      {R"({"auths": {"h": {"auth": "bm9jb2xvbi1zM2NyZXQ="}}})",
       "auths entry \"h\": \"auth\" is not the base64 encoding of user:password"},
      {R"({"auths": {"h": {"auth": "!!!"}}})", "auths entry \"h\": \"auth\" is not"},
      {R"({"credHelpers": "pass"})", "\"credHelpers\" is not a JSON object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    const Expected<RegistryCredentials> credentials = RegistryCredentials::Parse(c.json, "f.json");
    ASSERT_FALSE(credentials.has_value());
    EXPECT_EQ(credentials.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(credentials.error().message().find(c.message), std::string::npos)
        << credentials.error().message();
    EXPECT_EQ(credentials.error().message().find("s3cret"), std::string::npos);
  }
}

TEST(RegistryCredentialsTest, LoadsAFileAndAMissingFileMeansAnonymous) {
  ASSERT_OK_AND_ASSIGN(const core::TempDir dir, core::TempDir::Create("gdr-creds-"));
  ASSERT_OK_AND_ASSIGN(const RegistryCredentials none,
                       RegistryCredentials::Load(dir.path() / "missing.json"));
  EXPECT_EQ(none.Lookup("127.0.0.1:5000"), RegistryCredential());
  std::ofstream(dir.path() / "config.json") << kConfig;
  ASSERT_OK_AND_ASSIGN(const RegistryCredentials loaded,
                       RegistryCredentials::Load(dir.path() / "config.json"));
  EXPECT_EQ(loaded.Lookup("127.0.0.1:5000").username, "alice");
  std::ofstream(dir.path() / "bad.json") << "{";
  const Expected<RegistryCredentials> bad = RegistryCredentials::Load(dir.path() / "bad.json");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find((dir.path() / "bad.json").string()), std::string::npos);
}

TEST(RegistryCredentialsTest, DefaultPathFollowsConfigThenDockerConfigThenHome) {
  const config::Environment both =
      config::FixedEnvironment({{"DOCKER_CONFIG", "/etc/dc"}, {"HOME", "/home/u"}});
  const config::Environment home = config::FixedEnvironment({{"HOME", "/home/u"}});
  EXPECT_EQ(RegistryCredentials::DefaultPath("/srv/auth.json", both), "/srv/auth.json");
  EXPECT_EQ(RegistryCredentials::DefaultPath({}, both), "/etc/dc/config.json");
  EXPECT_EQ(RegistryCredentials::DefaultPath({}, home), "/home/u/.docker/config.json");
}

TEST(RegistryCredentialsTest, RegistryOptionsReadTheConfiguredFile) {
  ASSERT_OK_AND_ASSIGN(const core::TempDir dir, core::TempDir::Create("gdr-creds-"));
  config::DockerConfig docker;
  docker.registry_auth = dir.path() / "auth.json";
  std::ofstream(docker.registry_auth) << kConfig;
  const config::Environment elsewhere = config::FixedEnvironment({{"HOME", "/nonexistent"}});
  ASSERT_OK_AND_ASSIGN(const RegistryOptions options, RegistryOptionsFrom(docker, elsewhere));
  EXPECT_EQ(options.credentials.Lookup("127.0.0.1:5000").username, "alice");

  std::ofstream(docker.registry_auth) << "[]";
  const Expected<RegistryOptions> broken = RegistryOptionsFrom(docker, elsewhere);
  ASSERT_FALSE(broken.has_value());
  EXPECT_NE(broken.error().message().find(docker.registry_auth.string()), std::string::npos)
      << broken.error().message();
}

}  // namespace
}  // namespace galaos::docker
