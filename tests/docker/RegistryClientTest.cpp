// RegistryClient against real registries: the registry of scripts/docker-engine.sh with images
// pushed by the docker CLI, and docker-registry processes of our own with htpasswd (basic) and
// token auth (a Node token server signing ES256 JWTs the registry verifies).
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "core/Clock.h"
#include "docker/RegistryClient.h"
#include "docker/RegistryFixture.h"
#include "support/Assertions.h"
#include "support/TestServices.h"

namespace galaos::docker {
namespace {

using testing::PushImage;
using testing::RunPrefix;

ImageReference Ref(const std::string& text) {
  Expected<ImageReference> reference = ImageReference::Parse(text);
  EXPECT_TRUE(reference.has_value()) << reference.error().message();
  return reference.value_or(ImageReference{});
}

std::string OnTestRegistry(const std::string& name) {
  return std::string(GALAOS_TEST_REGISTRY) + "/" + RunPrefix() + "/" + name;
}

RegistryOptions FastOptions() {
  RegistryOptions options;
  options.connect_timeout = std::chrono::seconds(5);
  options.timeout = std::chrono::seconds(20);
  return options;
}

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(RegistryClientTest, DigestIsWhatDockerPushPrintedAndChangesWhenTheTagMoves) {
  const std::string name = OnTestRegistry("web:latest");
  ASSERT_OK_AND_ASSIGN(const std::string first, PushImage(name, "version 1"));
  RegistryClient client(FastOptions());
  ASSERT_OK_AND_ASSIGN(const std::string remote_first, client.ManifestDigest(Ref(name)));
  EXPECT_EQ(remote_first, first);

  ASSERT_OK_AND_ASSIGN(const std::string second, PushImage(name, "version 2"));
  ASSERT_NE(second, first);
  ASSERT_OK_AND_ASSIGN(const std::string remote_second, client.ManifestDigest(Ref(name)));
  EXPECT_EQ(remote_second, second);
}

TEST(RegistryClientTest, DigestPinnedReferenceIsConfirmedByTheRegistry) {
  const std::string name = OnTestRegistry("pinned:1");
  ASSERT_OK_AND_ASSIGN(const std::string digest, PushImage(name, "pinned"));
  RegistryClient client(FastOptions());
  ASSERT_OK_AND_ASSIGN(const std::string remote,
                       client.ManifestDigest(Ref(OnTestRegistry("pinned@" + digest))));
  EXPECT_EQ(remote, digest);
  const std::string absent = "sha256:" + std::string(64, '0');
  EXPECT_ERROR_CODE(client.ManifestDigest(Ref(OnTestRegistry("pinned@" + absent))),
                    ErrorCode::kNotFound);
}

TEST(RegistryClientTest, UnknownTagIsNotFoundWithTheRegistrysOwnMessage) {
  ASSERT_OK(PushImage(OnTestRegistry("known:1"), "known"));
  RegistryClient client(FastOptions());
  const Expected<std::string> digest = client.ManifestDigest(Ref(OnTestRegistry("known:2")));
  ASSERT_FALSE(digest.has_value());
  EXPECT_EQ(digest.error().code(), ErrorCode::kNotFound);
  const std::string& message = digest.error().message();
  EXPECT_TRUE(Contains(message, "registry " GALAOS_TEST_REGISTRY)) << message;
  EXPECT_TRUE(Contains(message, "HTTP 404 (MANIFEST_UNKNOWN: manifest unknown")) << message;
}

TEST(RegistryClientTest, ARegistryThatIsDownFailsOnlyItsOwnImages) {
  const std::string up = OnTestRegistry("up:1");
  ASSERT_OK_AND_ASSIGN(const std::string digest, PushImage(up, "up"));
  const std::string down_registry = "127.0.0.1:" + std::to_string(galaos::testing::FreePort());
  RegistryClient client(FastOptions());
  const std::vector<Expected<std::string>> results =
      client.ManifestDigests({Ref(up), Ref(down_registry + "/app:1"), Ref(up)});
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].has_value()) << results[0].error().message();
  EXPECT_EQ(*results[0], digest);
  ASSERT_FALSE(results[1].has_value());
  EXPECT_EQ(results[1].error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(Contains(results[1].error().message(), "registry " + down_registry))
      << results[1].error().message();
  ASSERT_TRUE(results[2].has_value()) << results[2].error().message();
  EXPECT_EQ(*results[2], digest);
}

TEST(RegistryClientTest, ManyChecksRunConcurrentlyAndEachGetsItsOwnAnswer) {
  std::vector<ImageReference> references;
  std::vector<std::string> expected;
  for (int i = 0; i < 12; ++i) {
    const std::string name = OnTestRegistry("many:" + std::to_string(i));
    ASSERT_OK_AND_ASSIGN(const std::string digest, PushImage(name, "many " + std::to_string(i)));
    references.push_back(Ref(name));
    expected.push_back(digest);
  }
  RegistryOptions options = FastOptions();
  options.max_parallel = 4;
  RegistryClient client(options);
  for (int round = 0; round < 2; ++round) {  // the second round reuses kept-alive connections
    const std::vector<Expected<std::string>> results = client.ManifestDigests(references);
    ASSERT_EQ(results.size(), references.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
      ASSERT_TRUE(results[i].has_value()) << results[i].error().message();
      EXPECT_EQ(*results[i], expected[i]) << references[i].ToString();
    }
  }
}

// (docker-registry 2.8 answers tags/list in one page whatever n= asks: its Link pagination
// cannot be exercised here.)
TEST(RegistryClientTest, TagsListsEveryTagOfTheRepository) {
  const std::vector<std::string> pushed = {"1.4.2", "1.5.0", "2.0.0", "latest", "v1.6.0"};
  for (const std::string& tag : pushed) ASSERT_OK(PushImage(OnTestRegistry("tagged:" + tag), tag));
  RegistryClient client(FastOptions());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> tags, client.Tags(Ref(OnTestRegistry("tagged"))));
  std::ranges::sort(tags);
  EXPECT_EQ(tags, pushed);
  const Expected<std::vector<std::string>> missing = client.Tags(Ref(OnTestRegistry("no-such")));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Contains(missing.error().message(), "NAME_UNKNOWN")) << missing.error().message();
}

TEST(RegistryClientTest, HttpsUnlessLoopbackOrConfiguredInsecure) {
  // .invalid never resolves (RFC 2606): the error shows the URL the client chose.
  const ImageReference remote = Ref("registry.invalid/app:1");
  const ImageReference remote_port = Ref("registry.invalid:5000/app:1");
  RegistryClient secure(FastOptions());
  const Expected<std::string> https = secure.ManifestDigest(remote);
  ASSERT_FALSE(https.has_value());
  EXPECT_EQ(https.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(Contains(https.error().message(), "https://registry.invalid/v2/app/manifests/1"))
      << https.error().message();

  RegistryOptions options = FastOptions();
  options.insecure_registries = {"registry.invalid"};
  RegistryClient insecure(options);
  for (const ImageReference& reference : {remote, remote_port}) {
    const Expected<std::string> http = insecure.ManifestDigest(reference);
    ASSERT_FALSE(http.has_value());
    EXPECT_TRUE(Contains(http.error().message(), "HEAD http://" + reference.domain + "/v2/"))
        << http.error().message();
  }
}

RegistryOptions WithCredentials(const std::string& config_json) {
  RegistryOptions options = FastOptions();
  Expected<RegistryCredentials> credentials = RegistryCredentials::Parse(config_json, "test");
  EXPECT_TRUE(credentials.has_value()) << credentials.error().message();
  options.credentials = credentials.value_or(RegistryCredentials());
  return options;
}

TEST(RegistryClientTest, BasicAuthUsesTheLoginFromConfigJson) {
  const std::string path = RunPrefix() + "/basic";
  ASSERT_OK_AND_ASSIGN(const std::string digest,
                       PushImage(std::string(GALAOS_TEST_REGISTRY) + "/" + path + ":1", "basic"));
  ASSERT_OK_AND_ASSIGN(const core::TempDir dir, core::TempDir::Create("gdr-basic-"));
  ASSERT_OK_AND_ASSIGN(const std::string line, testing::HtpasswdLine("alice", "wonderland"));
  std::ofstream(dir.path() / "htpasswd") << line << "\n";
  ASSERT_OK_AND_ASSIGN(
      const auto registry,
      testing::ExtraRegistry::Start(
          "{htpasswd: {realm: gdr-basic, path: " + (dir.path() / "htpasswd").string() + "}}", dir));
  const ImageReference reference = Ref(registry->address() + "/" + path + ":1");
  const std::string key = "\"http://" + registry->address() + "\"";

  // "alice:wonderland" and "alice:wrong" in base64
  RegistryClient good(
      WithCredentials(R"({"auths": {)" + key + R"(: {"auth": "YWxpY2U6d29uZGVybGFuZA=="}}})"));
  ASSERT_OK_AND_ASSIGN(const std::string remote, good.ManifestDigest(reference));
  EXPECT_EQ(remote, digest);
  ASSERT_OK_AND_ASSIGN(const std::string again, good.ManifestDigest(reference));
  EXPECT_EQ(again, digest);

  RegistryClient wrong(
      WithCredentials(R"({"auths": {)" + key + R"(: {"auth": "YWxpY2U6d3Jvbmc="}}})"));
  const Expected<std::string> rejected = wrong.ManifestDigest(reference);
  ASSERT_FALSE(rejected.has_value());
  EXPECT_EQ(rejected.error().code(), ErrorCode::kUnauthorized);
  EXPECT_TRUE(Contains(rejected.error().message(), "were rejected")) << rejected.error().message();
  EXPECT_FALSE(Contains(rejected.error().message(), "wrong"));

  RegistryClient anonymous(FastOptions());
  const Expected<std::string> refused = anonymous.ManifestDigest(reference);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnauthorized);
  EXPECT_TRUE(Contains(refused.error().message(), "no credentials for " + registry->address()))
      << refused.error().message();

  RegistryClient helper(WithCredentials(R"({"credsStore": "desktop"})"));
  const Expected<std::string> kept = helper.ManifestDigest(reference);
  ASSERT_FALSE(kept.has_value());
  EXPECT_TRUE(Contains(kept.error().message(), "credential helper docker-credential-desktop"))
      << kept.error().message();
}

struct TokenRegistry {
  core::TempDir dir;
  std::unique_ptr<testing::TokenServer> tokens;
  std::unique_ptr<testing::ExtraRegistry> registry;
};

Expected<TokenRegistry> StartTokenRegistry(int lifetime_seconds) {
  TokenRegistry setup{TRY(core::TempDir::Create("gdr-token-")), nullptr, nullptr};
  setup.tokens = TRY(testing::TokenServer::Start(
      {"alice", "wonderland", "gdr-refresh-token", lifetime_seconds}, setup.dir));
  setup.registry = TRY(testing::ExtraRegistry::Start(
      "{token: {realm: \"" + setup.tokens->realm() +
          "\", service: gdr-registry, issuer: gdr-issuer, rootcertbundle: " +
          setup.tokens->cert_file() + "}}",
      setup.dir));
  return setup;
}

TEST(RegistryClientTest, BearerTokensFromTheRealmAreCachedUntilTheyExpire) {
  const std::string path = RunPrefix() + "/token";
  ASSERT_OK_AND_ASSIGN(const std::string digest,
                       PushImage(std::string(GALAOS_TEST_REGISTRY) + "/" + path + ":1", "token"));
  ASSERT_OK_AND_ASSIGN(const TokenRegistry setup, StartTokenRegistry(300));
  const ImageReference reference = Ref(setup.registry->address() + "/" + path + ":1");
  core::TestClock clock(std::chrono::system_clock::now());
  RegistryClient client(WithCredentials(R"({"auths": {")" + setup.registry->address() +
                                        R"(": {"username": "alice", "password": "wonderland"}}})"),
                        clock);
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(const std::string remote, client.ManifestDigest(reference));
    EXPECT_EQ(remote, digest);
  }
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> tags, client.Tags(reference));
  EXPECT_EQ(tags, std::vector<std::string>{"1"});
  EXPECT_EQ(setup.tokens->Issued().value_or(-1), 1);  // one scope, one token

  clock.Advance(std::chrono::seconds(301));
  ASSERT_OK_AND_ASSIGN(const std::string later, client.ManifestDigest(reference));
  EXPECT_EQ(later, digest);
  EXPECT_EQ(setup.tokens->Issued().value_or(-1), 2);
}

TEST(RegistryClientTest, IdentityTokenIsExchangedAsAnOAuth2RefreshToken) {
  const std::string path = RunPrefix() + "/oauth";
  ASSERT_OK_AND_ASSIGN(const std::string digest,
                       PushImage(std::string(GALAOS_TEST_REGISTRY) + "/" + path + ":1", "oauth"));
  ASSERT_OK_AND_ASSIGN(const TokenRegistry setup, StartTokenRegistry(300));
  const ImageReference reference = Ref(setup.registry->address() + "/" + path + ":1");
  RegistryClient client(WithCredentials(R"({"auths": {")" + setup.registry->address() +
                                        R"(": {"identitytoken": "gdr-refresh-token"}}})"));
  ASSERT_OK_AND_ASSIGN(const std::string remote, client.ManifestDigest(reference));
  EXPECT_EQ(remote, digest);

  RegistryClient stale(WithCredentials(R"({"auths": {")" + setup.registry->address() +
                                       R"(": {"identitytoken": "revoked"}}})"));
  const Expected<std::string> refused = stale.ManifestDigest(reference);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnauthorized);
  EXPECT_TRUE(Contains(refused.error().message(), "token server")) << refused.error().message();
}

TEST(RegistryClientTest, TokenServerRefusalIsUnauthorizedWithItsMessage) {
  ASSERT_OK_AND_ASSIGN(const TokenRegistry setup, StartTokenRegistry(300));
  RegistryClient client(FastOptions());
  const Expected<std::string> refused =
      client.ManifestDigest(Ref(setup.registry->address() + "/" + RunPrefix() + "/token:1"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnauthorized);
  EXPECT_TRUE(Contains(refused.error().message(), "UNAUTHORIZED: bad user or password"))
      << refused.error().message();
}

// The real registry never answers 429, so this one case uses a tiny server: 429 (and a
// Retry-After) first, then a manifest without Docker-Content-Digest, whose digest the client
// must compute from the body.
class ThrottlingRegistry {
 public:
  explicit ThrottlingRegistry(int refusals, int retry_after_seconds = 1) : refusals_(refusals) {
    const auto handler = [this, retry_after_seconds](const httplib::Request& request,
                                                     httplib::Response& response) {
      if (requests_++ < refusals_) {
        response.status = 429;
        response.set_header("Retry-After", std::to_string(retry_after_seconds));
        response.set_content(R"({"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]})",
                             "application/json");
        return;
      }
      response.status = 200;
      if (request.method == "GET") gets_++;
      response.set_content("gdr-manifest-body", "application/vnd.oci.image.manifest.v1+json");
    };
    server_.Get("/v2/app/manifests/1", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::jthread([this] { server_.listen_after_bind(); });
  }
  ~ThrottlingRegistry() { server_.stop(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }
  int gets() const { return gets_; }

 private:
  int refusals_;
  std::atomic<int> requests_{0};
  std::atomic<int> gets_{0};
  httplib::Server server_;
  int port_ = 0;
  std::jthread thread_;
};

TEST(RegistryClientTest, TooManyRequestsWaitsRetryAfterAndDigestsTheBodyWithoutAHeader) {
  ThrottlingRegistry registry(2);
  RegistryClient client(FastOptions());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK_AND_ASSIGN(const std::string digest,
                       client.ManifestDigest(Ref(registry.address() + "/app:1")));
  // printf gdr-manifest-body | sha256sum
  EXPECT_EQ(digest, "sha256:62ccdbfaf0ae0d1617817940d314cc3a1983d720c0a3ac02f3d46f429b1ca07c");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(registry.gets(), 1);
}

TEST(RegistryClientTest, TooManyRequestsGivesUpAfterMaxAttempts) {
  ThrottlingRegistry registry(1000);
  RegistryOptions options = FastOptions();
  options.max_attempts = 2;
  RegistryClient client(options);
  const Expected<std::string> digest = client.ManifestDigest(Ref(registry.address() + "/app:1"));
  ASSERT_FALSE(digest.has_value());
  EXPECT_EQ(digest.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(Contains(digest.error().message(),
                       "HEAD http://" + registry.address() + "/v2/app/manifests/1: HTTP 429"))
      << digest.error().message();
  EXPECT_EQ(registry.requests(), 2);  // no GET after a HEAD that was refused to the end

  options.max_backoff = std::chrono::milliseconds(100);  // shorter than Retry-After: 1
  RegistryClient impatient(options);
  const Expected<std::string> refused =
      impatient.ManifestDigest(Ref(registry.address() + "/app:1"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_TRUE(Contains(refused.error().message(), "asks to retry after 1 s"))
      << refused.error().message();
}

TEST(RegistryClientTest, CancellingEndsABackoffWaitAtOnce) {
  ThrottlingRegistry registry(1000, /*retry_after_seconds=*/20);
  std::stop_source stop;
  RegistryOptions options = FastOptions();
  options.cancel = stop.get_token();
  RegistryClient client(options);
  std::jthread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  const Expected<std::string> digest = client.ManifestDigest(Ref(registry.address() + "/app:1"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_FALSE(digest.has_value());
  EXPECT_EQ(digest.error().code(), ErrorCode::kCancelled) << digest.error().message();
  EXPECT_EQ(client.ManifestDigest(Ref(registry.address() + "/app:1")).error().code(),
            ErrorCode::kCancelled);
}

}  // namespace
}  // namespace galaos::docker
