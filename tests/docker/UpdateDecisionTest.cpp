// DecideUpdate: the registry's digest against the local image's RepoDigests; the last tests
// take both from the real engine and registry.
#include <gtest/gtest.h>

#include <vector>

#include "docker/RegistryClient.h"
#include "docker/RegistryFixture.h"
#include "docker/UpdateDecision.h"
#include "support/Assertions.h"

namespace galaos::docker {

void PrintTo(const UpdateDecision& decision, std::ostream* out) {
  *out << "{update_available=" << decision.update_available << ", current_digest=\""
       << decision.current_digest << "\"}";
}

namespace {

const std::string kA = "sha256:" + std::string(64, 'a');
const std::string kB = "sha256:" + std::string(64, 'b');
const std::string kC = "sha256:" + std::string(64, 'c');

ImageReference Ref(const std::string& text) {
  return ImageReference::Parse(text).value();
}

TEST(UpdateDecisionTest, SameDigestIsUpToDateAndAnotherIsAnUpdate) {
  const std::vector<std::string> local = {"127.0.0.1:5000/web@" + kA};
  EXPECT_EQ(DecideUpdate(Ref("127.0.0.1:5000/web:latest"), local, kA), (UpdateDecision{false, kA}));
  EXPECT_EQ(DecideUpdate(Ref("127.0.0.1:5000/web:latest"), local, kB), (UpdateDecision{true, kA}));
}

TEST(UpdateDecisionTest, RepoDigestsMatchByCanonicalRepositoryName) {
  // The engine writes Docker Hub names in their familiar form.
  const std::vector<std::string> local = {"nginx@" + kA, "127.0.0.1:5000/nginx@" + kB};
  EXPECT_EQ(DecideUpdate(Ref("docker.io/library/nginx:1.25"), local, kA),
            (UpdateDecision{false, kA}));
  EXPECT_EQ(DecideUpdate(Ref("127.0.0.1:5000/nginx:1.25"), local, kA), (UpdateDecision{true, kB}));
}

TEST(UpdateDecisionTest, AnyRecordedDigestOfTheRepositoryCounts) {
  // An image pulled once by its index digest and once by its platform manifest digest.
  const std::vector<std::string> local = {"registry.example.com/app@" + kA,
                                          "registry.example.com/app@" + kB};
  EXPECT_EQ(DecideUpdate(Ref("registry.example.com/app:2"), local, kB),
            (UpdateDecision{false, kB}));
  EXPECT_EQ(DecideUpdate(Ref("registry.example.com/app:2"), local, kC), (UpdateDecision{true, kA}));
}

TEST(UpdateDecisionTest, WithoutARepoDigestForTheRepositoryTheRemoteImageIsAnUpdate) {
  EXPECT_EQ(DecideUpdate(Ref("web:1"), {}, kA), (UpdateDecision{true, ""}));
  const std::vector<std::string> other = {"other/web@" + kA, "not a digest", "web:1"};
  EXPECT_EQ(DecideUpdate(Ref("web:1"), other, kA), (UpdateDecision{true, ""}));
}

std::string OnTestRegistry(const std::string& name) {
  return std::string(GALAOS_TEST_REGISTRY) + "/" + testing::RunPrefix() + "/" + name;
}

TEST(UpdateDecisionTest, AMultiArchImageJustPulledIsUpToDate) {
  const std::string name = OnTestRegistry("multi:latest");
  ASSERT_OK_AND_ASSIGN(const std::string list_digest, testing::PushManifestList(name, "multi"));
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> repo_digests, testing::PullRepoDigests(name));
  // The engine pulled the amd64 image but recorded the list's digest.
  EXPECT_EQ(repo_digests, std::vector<std::string>{OnTestRegistry("multi@" + list_digest)});
  RegistryClient client{RegistryOptions()};
  ASSERT_OK_AND_ASSIGN(const std::string remote, client.ManifestDigest(Ref(name)));
  EXPECT_EQ(remote, list_digest);
  EXPECT_EQ(DecideUpdate(Ref(name), repo_digests, remote), (UpdateDecision{false, list_digest}));
}

TEST(UpdateDecisionTest, AnImagePushedUnderThePulledTagIsAnUpdate) {
  const std::string name = OnTestRegistry("moving:1");
  ASSERT_OK_AND_ASSIGN(const std::string pulled, testing::PushImage(name, "first"));
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> repo_digests, testing::PullRepoDigests(name));
  RegistryClient client{RegistryOptions()};
  ASSERT_OK_AND_ASSIGN(const std::string same, client.ManifestDigest(Ref(name)));
  EXPECT_EQ(DecideUpdate(Ref(name), repo_digests, same), (UpdateDecision{false, pulled}));

  ASSERT_OK(testing::PushImage(name, "second"));
  ASSERT_OK_AND_ASSIGN(const std::string moved, client.ManifestDigest(Ref(name)));
  EXPECT_EQ(DecideUpdate(Ref(name), repo_digests, moved), (UpdateDecision{true, pulled}));
}

}  // namespace
}  // namespace galaos::docker
