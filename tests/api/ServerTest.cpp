// ApiServer over real HTTP on loopback: tokens, roles, limits, TLS.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include "TestJwt.h"
#include "api/Server.h"
#include "api/Tokens.h"
#include "core/AtomicFile.h"
#include "core/Process.h"
#include "core/TempDir.h"
#include "core/UniqueFd.h"
#include "store/SqliteStore.h"
#include "support/Assertions.h"

namespace galaos::api {
namespace {

using nlohmann::json;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(core::TempDir dir, core::TempDir::Create("api-server"));
    dir_ = std::make_unique<core::TempDir>(std::move(dir));
    ASSERT_OK_AND_ASSIGN(store_, store::OpenSqliteStore(dir_->path() / "state.db", clock_));
    router_.Add("systemUpdates.getCurrentVersion", ProcedureKind::kQuery, Access::kPublic,
                [](const Caller&, const json&) -> Expected<json> {
                  return json{{"version", "1.0.0"}};
                });
    router_.Add("systemUpdates.whoAmI", ProcedureKind::kQuery, Access::kViewer,
                [](const Caller& caller, const json&) -> Expected<json> {
                  return json{{"actor", caller.actor},
                              {"role", RoleName(*caller.role)},
                              {"address", caller.address},
                              {"requestId", caller.request_id}};
                });
    router_.Add("systemUpdates.cleanBackups", ProcedureKind::kMutation, Access::kAdmin,
                [](const Caller&, const json& input) -> Expected<json> { return input; });
    router_.Observe([this](std::string_view path, std::string_view code,
                           std::chrono::duration<double> duration) {
      metrics_.RecordCall(path, code, duration);
    });
    config_.listen = {"127.0.0.1", 0};
    config_.max_body_bytes = 4096;
    config_.auth_failures_per_minute = 3;
  }

  void Start() {
    server_ = std::make_unique<ApiServer>(config_, *store_, router_, clock_, &events_, &metrics_);
    ASSERT_OK_AND_ASSIGN(port_, server_->Bind());
    thread_ = std::jthread([this] { EXPECT_TRUE(server_->Serve().has_value()); });
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  httplib::Client Client() {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(std::chrono::seconds(10));
    return client;
  }

  std::string Token(Role role) {
    auto issued = IssueToken(*store_, role == Role::kAdmin ? "ops" : "dash", role);
    EXPECT_TRUE(issued.has_value());
    return issued ? issued->token : "";
  }

  core::TestClock clock_{std::chrono::system_clock::now()};
  std::unique_ptr<core::TempDir> dir_;
  std::unique_ptr<store::Store> store_;
  TrpcRouter router_;
  EventHub events_;
  Metrics metrics_{{"systemUpdates.getCurrentVersion"}, {}, clock_.Now()};
  config::ApiConfig config_;
  std::unique_ptr<ApiServer> server_;
  int port_ = 0;
  std::jthread thread_;
};

TEST_F(ServerTest, PublicQueryNeedsNoTokenAndEveryResponseHasARequestId) {
  Start();
  auto response = Client().Get("/trpc/systemUpdates.getCurrentVersion");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(json::parse(response->body), json::parse(R"({"result":{"data":{"version":"1.0.0"}}})"));
  EXPECT_EQ(response->get_header_value("X-Request-Id").size(), 16u);
  EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
}

TEST_F(ServerTest, HealthzAnswersWithoutAuth) {
  Start();
  auto response = Client().Get("/healthz");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "ok\n");
}

TEST_F(ServerTest, BearerTokenIdentifiesTheCaller) {
  Start();
  std::string token = Token(Role::kViewer);
  auto response = Client().Get("/trpc/systemUpdates.whoAmI",
                               httplib::Headers{{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  json data = json::parse(response->body)["result"]["data"];
  EXPECT_EQ(data["actor"], "dash");
  EXPECT_EQ(data["role"], "viewer");
  EXPECT_EQ(data["address"], "127.0.0.1");
  EXPECT_EQ(data["requestId"], response->get_header_value("X-Request-Id"));
}

TEST_F(ServerTest, QueryInputTravelsUrlEncodedAndMutationsAsJsonBodies) {
  Start();
  httplib::Headers admin{{"Authorization", "Bearer " + Token(Role::kAdmin)}};
  auto posted = Client().Post("/trpc/systemUpdates.cleanBackups", admin, R"({"keepCount":3})",
                              "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 200);
  EXPECT_EQ(json::parse(posted->body)["result"]["data"]["keepCount"], 3);
  auto batch = Client().Get(
      "/trpc/systemUpdates.getCurrentVersion,systemUpdates.whoAmI?batch=1&input=%7B%7D", admin);
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->status, 200) << batch->body;
  EXPECT_EQ(json::parse(batch->body).size(), 2u);
}

TEST_F(ServerTest, WrongTokenIsUnauthorizedAndViewerMutationIsForbidden) {
  Start();
  auto wrong = Client().Get("/trpc/systemUpdates.whoAmI",
                            httplib::Headers{{"Authorization", "Bearer 0123456789ab.nope"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(json::parse(wrong->body)["error"]["data"]["code"], "UNAUTHORIZED");
  auto basic = Client().Get("/trpc/systemUpdates.whoAmI",
                            httplib::Headers{{"Authorization", "Basic dXNlcjpwdw=="}});
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->status, 401);
  auto forbidden =
      Client().Post("/trpc/systemUpdates.cleanBackups",
                    httplib::Headers{{"Authorization", "Bearer " + Token(Role::kViewer)}}, "{}",
                    "application/json");
  ASSERT_TRUE(forbidden);
  EXPECT_EQ(forbidden->status, 403);
}

TEST_F(ServerTest, RepeatedAuthFailuresAreRateLimitedPerAddressUntilTheMinutePasses) {
  Start();
  httplib::Headers bad{{"Authorization", "Bearer 0123456789ab.nope"}};
  for (int i = 0; i < 3; ++i) {
    auto response = Client().Get("/trpc/systemUpdates.whoAmI", bad);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 401);
  }
  // Now even a good token from this address waits; anonymous public calls still work.
  httplib::Headers good{{"Authorization", "Bearer " + Token(Role::kViewer)}};
  auto limited = Client().Get("/trpc/systemUpdates.whoAmI", good);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(json::parse(limited->body)["error"]["data"]["code"], "TOO_MANY_REQUESTS");
  EXPECT_EQ(limited->get_header_value("Retry-After"), "60");
  auto anonymous = Client().Get("/trpc/systemUpdates.getCurrentVersion");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 200);

  clock_.Advance(std::chrono::seconds(61));
  auto later = Client().Get("/trpc/systemUpdates.whoAmI", good);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200) << later->body;
}

TEST_F(ServerTest, AGalaosJwtIsABearerTokenWhenEnabledAndATamperedOneIsUnauthorized) {
  constexpr std::string_view kSecret = "4e9d2c7b1a0f8e6d5c4b3a29180f7e6d5c4b3a29";
  config_.jwt_enabled = true;
  config_.jwt_secret = kSecret;
  Start();
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  const std::string jwt =
      testing::MakeJwt({{"alg", "HS256"}, {"typ", "JWT"}},
                       {{"sub", "maria"}, {"role", "viewer"}, {"exp", now + 300}}, kSecret);
  auto accepted = Client().Get("/trpc/systemUpdates.whoAmI",
                               httplib::Headers{{"Authorization", "Bearer " + jwt}});
  ASSERT_TRUE(accepted);
  ASSERT_EQ(accepted->status, 200) << accepted->body;
  EXPECT_EQ(json::parse(accepted->body)["result"]["data"]["actor"], "jwt:maria");
  EXPECT_EQ(json::parse(accepted->body)["result"]["data"]["role"], "viewer");

  std::string tampered = jwt;
  tampered[tampered.find('.') + 2] ^= 1;
  auto refused = Client().Get("/trpc/systemUpdates.whoAmI",
                              httplib::Headers{{"Authorization", "Bearer " + tampered}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(json::parse(refused->body)["error"]["data"]["code"], "UNAUTHORIZED");
  ASSERT_OK_AND_ASSIGN(auto audit, store_->ListAudit(store::AuditQuery{.limit = 10}));
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].entry.action, "systemUpdates.whoAmI");
  EXPECT_EQ(audit[0].entry.outcome, "unauthorized");
  EXPECT_EQ(audit[0].entry.client_address, "127.0.0.1");
  EXPECT_EQ(audit[0].entry.request_id, refused->get_header_value("X-Request-Id"));
}

TEST_F(ServerTest, MetricsNeedATokenUnlessOpenedToLoopback) {
  Start();
  EXPECT_TRUE(Client().Get("/trpc/systemUpdates.getCurrentVersion"));
  auto anonymous = Client().Get("/metrics");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  auto viewer = Client().Get("/metrics",
                             httplib::Headers{{"Authorization", "Bearer " + Token(Role::kViewer)}});
  ASSERT_TRUE(viewer);
  ASSERT_EQ(viewer->status, 200);
  EXPECT_EQ(viewer->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(viewer->body.find("galaos_updater_api_requests_total{procedure=\"systemUpdates."
                              "getCurrentVersion\",code=\"OK\"} 1\n"),
            std::string::npos)
      << viewer->body;
  TearDown();

  config_.metrics_open_on_loopback = true;
  Start();
  auto loopback = Client().Get("/metrics");
  ASSERT_TRUE(loopback);
  EXPECT_EQ(loopback->status, 200);
}

// A client that sends half a request and then nothing is cut off after request_timeout,
// while others are served meanwhile.
TEST_F(ServerTest, ASlowClientIsDisconnectedWithoutHoldingUpOthers) {
  config_.request_timeout = std::chrono::seconds(1);
  Start();
  core::UniqueFd slow(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port_));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(slow.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string half = "GET /trpc/systemUpdates.getCurrentVersion HTTP/1.1\r\nHost: x\r\n";
  ASSERT_EQ(send(slow.get(), half.data(), half.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(half.size()));

  auto other = Client().Get("/trpc/systemUpdates.getCurrentVersion");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);

  // The server closes the slow connection: recv reaches end of stream (after any error reply).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    pollfd fd{slow.get(), POLLIN, 0};
    if (poll(&fd, 1, 1000) <= 0) continue;
    std::array<char, 512> buffer{};
    closed = recv(slow.get(), buffer.data(), buffer.size(), 0) <= 0;
  }
  EXPECT_TRUE(closed);
}

TEST_F(ServerTest, BodiesOverTheLimitArePayloadTooLarge) {
  Start();
  std::string big = R"({"pad":")" + std::string(8000, 'x') + R"("})";
  auto response =
      Client().Post("/trpc/systemUpdates.cleanBackups",
                    httplib::Headers{{"Authorization", "Bearer " + Token(Role::kAdmin)}}, big,
                    "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(json::parse(response->body)["error"]["data"]["code"], "PAYLOAD_TOO_LARGE");
}

TEST_F(ServerTest, UnknownRoutesGetATrpcNotFound) {
  Start();
  auto response = Client().Get("/nope");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(json::parse(response->body)["error"]["data"]["code"], "NOT_FOUND");
}

TEST_F(ServerTest, AnAddressInUseIsAClearError) {
  Start();
  config::ApiConfig second = config_;
  second.listen.port = static_cast<std::uint16_t>(port_);
  ApiServer other(second, *store_, router_, clock_);
  Expected<int> bound = other.Bind();
  EXPECT_ERROR_CODE(bound, ErrorCode::kUnavailable);
}

TEST_F(ServerTest, ServesTlsWhenACertificateIsConfigured) {
  std::filesystem::path cert = dir_->path() / "cert.pem";
  std::filesystem::path key = dir_->path() / "key.pem";
  core::ProcessOptions openssl;
  openssl.argv = {"openssl",
                  "req",
                  "-x509",
                  "-newkey",
                  "ec",
                  "-pkeyopt",
                  "ec_paramgen_curve:prime256v1",
                  "-nodes",
                  "-days",
                  "1",
                  "-subj",
                  "/CN=127.0.0.1",
                  "-keyout",
                  key.string(),
                  "-out",
                  cert.string()};
  ASSERT_OK(core::RunChecked(openssl));
  config_.tls_cert = cert;
  config_.tls_key = key;
  Start();
  httplib::SSLClient client("127.0.0.1", port_);
  client.set_ca_cert_path(cert.c_str());
  client.enable_server_certificate_verification(false);
  auto response = client.Get("/trpc/systemUpdates.getCurrentVersion");
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
  // Plain HTTP to the TLS port gets no answer.
  auto plain = Client().Get("/healthz");
  EXPECT_FALSE(plain && plain->status == 200);
}

// Reads /events until `count` events arrived; returns the raw stream.
std::string ReadEvents(httplib::Client& client, const httplib::Headers& headers, int count,
                       int* status) {
  std::string stream;
  auto response = client.Get("/events", headers, [&](const char* data, size_t size) {
    stream.append(data, size);
    int seen = 0;
    for (size_t at = stream.find("\n\n"); at != std::string::npos;
         at = stream.find("\n\n", at + 2)) {
      ++seen;
    }
    return seen < count;
  });
  *status = response ? response->status : -1;
  return stream;
}

TEST_F(ServerTest, EventsStreamPublishedProgressToAnAuthenticatedClient) {
  Start();
  httplib::Headers viewer{{"Authorization", "Bearer " + Token(Role::kViewer)}};
  std::jthread publisher([this] {
    while (events_.subscriber_count() == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    events_.Publish("step", {{"step", "install"}, {"state", "started"}});
    events_.Publish("output", {{"line", "added 1 package"}});
  });
  httplib::Client client = Client();
  int status = 0;
  std::string stream = ReadEvents(client, viewer, 2, &status);
  EXPECT_EQ(stream,
            "id: 1\nevent: step\ndata: {\"state\":\"started\",\"step\":\"install\"}\n\n"
            "id: 2\nevent: output\ndata: {\"line\":\"added 1 package\"}\n\n");

  // Reconnecting with Last-Event-ID replays what came after it.
  events_.Publish("output", {{"line", "built"}});
  viewer.emplace("Last-Event-ID", "2");
  EXPECT_EQ(ReadEvents(client, viewer, 1, &status),
            "id: 3\nevent: output\ndata: {\"line\":\"built\"}\n\n");
}

TEST_F(ServerTest, EventsNeedAToken) {
  Start();
  auto response = Client().Get("/events");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
}

TEST_F(ServerTest, StopEndsOpenEventStreams) {
  Start();
  httplib::Headers viewer{{"Authorization", "Bearer " + Token(Role::kViewer)}};
  std::atomic<bool> receiving = false;
  std::jthread stopper([this, &receiving] {
    while (events_.subscriber_count() == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    events_.Publish("output", {{"line", "still running"}});
    // Stopped only once the client reads the stream, so it is a stream that Stop must end.
    while (!receiving) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    server_->Stop();
  });
  httplib::Client client = Client();
  auto response = client.Get("/events", viewer, [&](const char*, size_t) {
    receiving = true;
    return true;
  });  // returns when the server ends the stream
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
}

TEST_F(ServerTest, AnUnreadableCertificateIsAClearError) {
  config_.tls_cert = dir_->path() / "missing.pem";
  config_.tls_key = dir_->path() / "missing-key.pem";
  ApiServer server(config_, *store_, router_, clock_);
  EXPECT_ERROR_CODE(server.Bind(), ErrorCode::kInvalidArgument);
}

// The dashboard's side of the server: sign-in sessions, CSRF, static files, headers.
class DashboardServerTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    std::filesystem::path web = dir_->path() / "web";
    std::filesystem::create_directories(web);
    ASSERT_TRUE(core::WriteFileAtomic(web / "index.html", "<!doctype html>").has_value());
    ASSERT_TRUE(core::WriteFileAtomic(dir_->path() / "secret.txt", "outside").has_value());
    config_.web_root = web;
    config_.session_ttl = std::chrono::hours(1);
  }

  struct SignedIn {
    std::string cookie;  // "galaos_session=<id>"
    std::string csrf;
  };
  SignedIn SignIn(Role role) {
    auto response =
        Client().Post("/auth/session", json{{"token", Token(role)}}.dump(), "application/json");
    EXPECT_TRUE(response);
    if (!response) return {};
    EXPECT_EQ(response->status, 200) << response->body;
    const std::string set_cookie = response->get_header_value("Set-Cookie");
    return {set_cookie.substr(0, set_cookie.find(';')),
            json::parse(response->body).value("csrfToken", "")};
  }

  httplib::Result Mutate(const SignedIn& session, std::optional<std::string> csrf) {
    httplib::Headers headers{{"Cookie", "theme=dark; " + session.cookie}};
    if (csrf) headers.emplace("X-CSRF-Token", *csrf);
    return Client().Post("/trpc/systemUpdates.cleanBackups", headers, R"({"keepCount":2})",
                         "application/json");
  }

  static std::string ErrorCodeOf(const httplib::Result& response) {
    return json::parse(response->body)["error"]["data"]["code"];
  }
};

TEST_F(DashboardServerTest, SignInSetsAStrictHttpOnlyCookieThatIdentifiesTheCaller) {
  Start();
  auto response = Client().Post("/auth/session", json{{"token", Token(Role::kViewer)}}.dump(),
                                "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  const std::string cookie = response->get_header_value("Set-Cookie");
  EXPECT_TRUE(cookie.starts_with("galaos_session=")) << cookie;
  EXPECT_NE(cookie.find("; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600"), std::string::npos)
      << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "no TLS here: " << cookie;
  json body = json::parse(response->body);
  EXPECT_EQ(body["role"], "viewer");
  EXPECT_EQ(body["actor"], "dash");
  EXPECT_EQ(body["csrfToken"].get<std::string>().size(), 64u);
  EXPECT_EQ(response->get_header_value("Cache-Control"), "no-store");

  httplib::Headers with_cookie{{"Cookie", cookie.substr(0, cookie.find(';'))}};
  auto who = Client().Get("/trpc/systemUpdates.whoAmI", with_cookie);
  ASSERT_TRUE(who);
  ASSERT_EQ(who->status, 200) << who->body;
  EXPECT_EQ(json::parse(who->body)["result"]["data"]["actor"], "dash");
  auto session = Client().Get("/auth/session", with_cookie);
  ASSERT_TRUE(session);
  EXPECT_EQ(json::parse(session->body)["csrfToken"], body["csrfToken"]);
}

TEST_F(DashboardServerTest, SignInRefusesBadTokensAndNonJsonBodiesAndSetsNoCookie) {
  Start();
  auto wrong =
      Client().Post("/auth/session", R"({"token":"0123456789ab.nope"})", "application/json");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(ErrorCodeOf(wrong), "UNAUTHORIZED");
  EXPECT_FALSE(wrong->has_header("Set-Cookie"));
  auto malformed = Client().Post("/auth/session", R"({"secret":1})", "application/json");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  // What a cross-site HTML form can send is refused, even with a valid token inside.
  for (std::string type : {"application/x-www-form-urlencoded", "text/plain"}) {
    auto form = Client().Post("/auth/session", json{{"token", Token(Role::kAdmin)}}.dump(), type);
    ASSERT_TRUE(form);
    EXPECT_EQ(form->status, 415) << type;
    EXPECT_FALSE(form->has_header("Set-Cookie")) << type;
  }
}

TEST_F(DashboardServerTest, AMutationWithASessionCookieNeedsTheSessionsCsrfToken) {
  Start();
  SignedIn admin = SignIn(Role::kAdmin);
  auto without = Mutate(admin, std::nullopt);
  ASSERT_TRUE(without);
  EXPECT_EQ(without->status, 403);
  EXPECT_EQ(ErrorCodeOf(without), "FORBIDDEN");
  EXPECT_NE(without->body.find("CSRF"), std::string::npos);
  auto wrong = Mutate(admin, std::string(64, 'a'));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403);
  SignedIn other = SignIn(Role::kAdmin);
  auto foreign = Mutate(admin, other.csrf);
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403) << "another session's token";
  auto right = Mutate(admin, admin.csrf);
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200) << right->body;
}

TEST_F(DashboardServerTest, AViewerSessionCannotMutateEvenWithItsCsrfToken) {
  Start();
  SignedIn viewer = SignIn(Role::kViewer);
  auto response = Mutate(viewer, viewer.csrf);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 403);
  EXPECT_EQ(ErrorCodeOf(response), "FORBIDDEN");
}

TEST_F(DashboardServerTest, AnExpiredSessionIsUnauthorized) {
  Start();
  SignedIn admin = SignIn(Role::kAdmin);
  clock_.Advance(config_.session_ttl);
  auto response = Client().Get("/trpc/systemUpdates.whoAmI", {{"Cookie", admin.cookie}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(ErrorCodeOf(response), "UNAUTHORIZED");
  auto mutation = Mutate(admin, admin.csrf);
  ASSERT_TRUE(mutation);
  EXPECT_EQ(mutation->status, 401);
}

TEST_F(DashboardServerTest, SignOutNeedsTheCsrfTokenThenEndsTheSessionAndClearsTheCookie) {
  Start();
  SignedIn admin = SignIn(Role::kAdmin);
  auto refused = Client().Delete("/auth/session", {{"Cookie", admin.cookie}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  auto out =
      Client().Delete("/auth/session", {{"Cookie", admin.cookie}, {"X-CSRF-Token", admin.csrf}});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 200);
  EXPECT_NE(out->get_header_value("Set-Cookie").find("galaos_session=; Path=/; HttpOnly"),
            std::string::npos);
  EXPECT_NE(out->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  auto after = Client().Get("/trpc/systemUpdates.whoAmI", {{"Cookie", admin.cookie}});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401);
}

TEST_F(DashboardServerTest, SignInAndSignOutAreAuditedWithTheTokenNameAndAddress) {
  Start();
  SignedIn admin = SignIn(Role::kAdmin);
  auto out =
      Client().Delete("/auth/session", {{"Cookie", admin.cookie}, {"X-CSRF-Token", admin.csrf}});
  ASSERT_TRUE(out);
  ASSERT_EQ(out->status, 200);
  // A sign-out without a session ends nothing, so records nothing.
  ASSERT_TRUE(Client().Delete("/auth/session"));
  ASSERT_OK_AND_ASSIGN(auto audit, store_->ListAudit(store::AuditQuery{.limit = 10}));
  ASSERT_EQ(audit.size(), 2u);  // newest first
  EXPECT_EQ(audit[1].entry.action, "auth.session.create");
  EXPECT_EQ(audit[0].entry.action, "auth.session.delete");
  for (const store::AuditRecord& row : audit) {
    EXPECT_EQ(row.entry.actor, "ops");
    EXPECT_EQ(row.entry.client_address, "127.0.0.1");
    EXPECT_EQ(row.entry.outcome, "ok");
    EXPECT_EQ(row.entry.input_json, "{}");  // never the token
    EXPECT_FALSE(row.entry.request_id.empty());
  }
}

TEST_F(DashboardServerTest, RevokingTheTokenEndsItsSessions) {
  Start();
  auto issued = IssueToken(*store_, "kiosk", Role::kViewer);
  ASSERT_TRUE(issued.has_value());
  auto response =
      Client().Post("/auth/session", json{{"token", issued->token}}.dump(), "application/json");
  ASSERT_TRUE(response);
  const std::string set_cookie = response->get_header_value("Set-Cookie");
  httplib::Headers cookie{{"Cookie", set_cookie.substr(0, set_cookie.find(';'))}};
  EXPECT_EQ(Client().Get("/trpc/systemUpdates.whoAmI", cookie)->status, 200);
  ASSERT_TRUE(store_->RevokeApiToken(issued->record.id).has_value());
  EXPECT_EQ(Client().Get("/trpc/systemUpdates.whoAmI", cookie)->status, 401);
}

TEST_F(DashboardServerTest, DashboardRepliesCarryTheContentSecurityPolicyAndNosniff) {
  Start();
  for (std::string path : {"/", "/index.html", "/auth/session", "/missing.js"}) {
    auto response = Client().Get(path);
    ASSERT_TRUE(response) << path;
    const std::string csp = response->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << path << ": " << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << path;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << path;
    EXPECT_EQ(response->get_header_value("X-Content-Type-Options"), "nosniff") << path;
  }
  auto index = Client().Get("/");
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->body, "<!doctype html>");
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  auto revalidated = Client().Get("/", {{"If-None-Match", index->get_header_value("ETag")}});
  EXPECT_EQ(revalidated->status, 304);
}

// httplib itself refuses some of these with 400; the rest reach StaticFiles and get 404.
TEST_F(DashboardServerTest, PathsOutOfTheWebRootAreRefused) {
  Start();
  for (std::string path : {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
                           "/..%2fsecret.txt", "/.%2e/secret.txt"}) {
    auto response = Client().Get(path);
    ASSERT_TRUE(response) << path;
    EXPECT_TRUE(response->status == 404 || response->status == 400)
        << path << ": " << response->status;
    EXPECT_EQ(response->body.find("outside"), std::string::npos) << path;
  }
  EXPECT_EQ(Client().Get("/trpc/systemUpdates.getCurrentVersion")->status, 200)
      << "the API still routes first";
}

}  // namespace
}  // namespace galaos::api
