// ImageReference against Docker's own reference tests (distribution/reference normalize_test.go
// and reference_test.go): the same inputs, the same domains, paths, tags and digests.
#include <gtest/gtest.h>

#include <string>

#include "docker/ImageReference.h"
#include "support/Assertions.h"

namespace galaos::docker {
namespace {

const std::string kSha256 = "sha256:" + std::string(64, 'f');
const std::string kRedisDigest =
    "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";

struct ValidCase {
  std::string input;
  std::string domain;
  std::string path;
  std::string tag;
  std::string digest;
};

TEST(ImageReferenceTest, NormalisesLikeDockerParseNormalizedNamed) {
  const ValidCase cases[] = {
      {"nginx", "docker.io", "library/nginx", "latest", ""},
      {"redis:latest", "docker.io", "library/redis", "latest", ""},
      {"docker.io/library/redis:latest", "docker.io", "library/redis", "latest", ""},
      {"redis@" + kRedisDigest, "docker.io", "library/redis", "", kRedisDigest},
      {"dmcgowan/myapp", "docker.io", "dmcgowan/myapp", "latest", ""},
      {"docker.io/foo", "docker.io", "library/foo", "latest", ""},
      {"docker.io/library/foo/bar", "docker.io", "library/foo/bar", "latest", ""},
      {"index.docker.io/debian", "docker.io", "library/debian", "latest", ""},
      {"index.docker.io/docker/docker", "docker.io", "docker/docker", "latest", ""},
      {"test_com/foo", "docker.io", "test_com/foo", "latest", ""},
      {"test.com/foo", "test.com", "foo", "latest", ""},
      {"test.com:8080/foo", "test.com:8080", "foo", "latest", ""},
      {"test-com:8080/foo", "test-com:8080", "foo", "latest", ""},
      {"xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", "latest", ""},
      {"localhost/web", "localhost", "web", "latest", ""},
      {"localhost:5000/web:2", "localhost:5000", "web", "2", ""},
      {"127.0.0.1:5000/library/debian", "127.0.0.1:5000", "library/debian", "latest", ""},
      {"192.168.0.1:8/debian", "192.168.0.1:8", "debian", "latest", ""},
      {"[fc00::1]:5000/docker/docker", "[fc00::1]:5000", "docker/docker", "latest", ""},
      {"[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000", "library/debian",
       "latest", ""},
      // a ':' in the last component is a tag, not a port
      {"test.com:5000", "docker.io", "library/test.com", "5000", ""},
      {"192.168.0.1:80", "docker.io", "library/192.168.0.1", "80", ""},
      {"foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", ""},
      {"test:5000/repo:tag", "test:5000", "repo", "tag", ""},
      {"test:5000/repo@" + kSha256, "test:5000", "repo", "", kSha256},
      {"test:5000/repo:tag@" + kSha256, "test:5000", "repo", "tag", kSha256},
      {"sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
       "some-long-tag", ""},
      {"b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
       "test.example.com", ""},
      // uppercase first components are registries, as in current Docker
      {"Docker/docker", "Docker", "docker", "latest", ""},
      {"docker---rules/docker", "docker.io", "docker---rules/docker", "latest", ""},
      {"dock__er/docker", "docker.io", "dock__er/docker", "latest", ""},
      {"jess/t:TAG_5.a-b", "docker.io", "jess/t", "TAG_5.a-b", ""},
      {"thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io",
       "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "latest", ""},
      {"docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "docker.io",
       "library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "latest", ""},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    ASSERT_OK_AND_ASSIGN(const ImageReference reference, ImageReference::Parse(c.input));
    EXPECT_EQ(reference.domain, c.domain);
    EXPECT_EQ(reference.path, c.path);
    EXPECT_EQ(reference.tag, c.tag);
    EXPECT_EQ(reference.digest, c.digest);
  }
}

struct InvalidCase {
  std::string input;
  std::string message;  // a part of the error message that names the problem
};

TEST(ImageReferenceTest, RejectsWhatDockerRejectsWithAReason) {
  const InvalidCase cases[] = {
      {"", "empty"},
      {"https://github.com/docker/docker", "registry \"https:\""},
      {"docker/Docker", "must be lowercase"},
      {"docker.io/docker/Docker", "must be lowercase"},
      {"-docker", "repository path component \"-docker\""},
      {"-docker/docker", "\"-docker\""},
      {"docker-/docker", "\"docker-\""},
      {"-docker.io/docker/docker", "registry \"-docker.io\""},
      {"docker///docker", "component \"\""},
      {"docker.io/docker///docker", "component \"\""},
      {"docker/", "component \"\""},
      {"____/____", "\"____\""},
      {"_docker/_docker", "\"_docker\""},
      {"dock..er/docker", "\"dock..er\""},
      {"dock_.er/docker", "\"dock_.er\""},
      {"dock-.er/docker", "\"dock-.er\""},
      {"aa/asdf$$^/aa", "\"asdf$$^\""},
      // no '/': a Docker Hub name whose "tag" is what follows the first ':'
      {"[fc00::1]", "tag \":1]\""},
      {"[fc00::1]:5000", "tag \":1]:5000\""},
      {"fc00::1:5000/debian", "registry \"fc00::1:5000\""},
      {"[fe80::1%eth0]:5000/debian", "registry"},
      {"[2001:db8:3:4::192.0.2.33]:5000/debian", "registry"},
      {"1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "image id"},
      {":justtag", "repository name is empty"},
      {"@" + kSha256, "repository name is empty"},
      {"validname@invaliddigest:" + std::string(64, 'f'), "unsupported algorithm"},
      {"web@sha256:abc", "64 lowercase hex digits"},
      {"web@sha256:" + std::string(64, 'F'), "64 lowercase hex digits"},
      {"web@" + std::string(64, 'f'), "algorithm:hex"},
      {"web:", "tag after ':' is empty"},
      {"web:-foo", "may not start with '.' or '-'"},
      {"web:.foo", "may not start with '.' or '-'"},
      {"web:a+b", "may hold only"},
      {"web:" + std::string(129, 'a'), "longer than 128"},
      {"localhost:/web", "registry \"localhost:\""},
      {"this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_"
       "namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_"
       "lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_"
       "255/docker",
       "longer than 255"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.input);
    const Expected<ImageReference> reference = ImageReference::Parse(c.input);
    ASSERT_FALSE(reference.has_value()) << reference->ToString();
    EXPECT_EQ(reference.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(reference.error().message().find(c.message), std::string::npos)
        << reference.error().message();
    EXPECT_TRUE(reference.error().message().starts_with("invalid image reference \"" + c.input))
        << reference.error().message();
  }
}

TEST(ImageReferenceTest, NameLengthLimitCountsTheCanonicalName) {
  // Docker: "a/"*127 + "a" is 255 characters, but canonically "docker.io/" longer.
  std::string long_path;
  for (int i = 0; i < 127; ++i) long_path += "a/";
  long_path += "a";
  EXPECT_ERROR_CODE(ImageReference::Parse(long_path + ":tag"), ErrorCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(const ImageReference fits,
                       ImageReference::Parse("docker.io/" + long_path.substr(10)));
  EXPECT_EQ(fits.Name().size(), 255u);
}

TEST(ImageReferenceTest, RegistryIsWhereTheV2ApiIsServed) {
  ASSERT_OK_AND_ASSIGN(const ImageReference hub, ImageReference::Parse("nginx"));
  EXPECT_EQ(hub.Registry(), "registry-1.docker.io");
  ASSERT_OK_AND_ASSIGN(const ImageReference local, ImageReference::Parse("127.0.0.1:5000/web"));
  EXPECT_EQ(local.Registry(), "127.0.0.1:5000");
}

TEST(ImageReferenceTest, PrintsCanonicalAndFamiliarForms) {
  const struct {
    std::string input, canonical, familiar;
  } cases[] = {
      {"ubuntu", "docker.io/library/ubuntu:latest", "ubuntu"},
      {"library/ubuntu", "docker.io/library/ubuntu:latest", "ubuntu"},
      {"docker.io/library/foo/bar:1", "docker.io/library/foo/bar:1", "library/foo/bar"},
      {"index.docker.io/fooo/bar", "docker.io/fooo/bar:latest", "fooo/bar"},
      {"127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase:latest",
       "127.0.0.1:8000/private/moonbase"},
      {"busybox:latest@" + kRedisDigest, "docker.io/library/busybox:latest@" + kRedisDigest,
       "busybox"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    ASSERT_OK_AND_ASSIGN(const ImageReference reference, ImageReference::Parse(c.input));
    EXPECT_EQ(reference.ToString(), c.canonical);
    EXPECT_EQ(reference.FamiliarName(), c.familiar);
    ASSERT_OK_AND_ASSIGN(const ImageReference again, ImageReference::Parse(c.canonical));
    EXPECT_EQ(again, reference);
  }
}

}  // namespace
}  // namespace galaos::docker
