#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stop_token>
#include <thread>
#include <vector>

#include "net/Http.h"

namespace galaos::net {
namespace {

using namespace std::chrono_literals;

// More sessions at once than libcurl's default connection cache size (5).
constexpr int kConcurrentSessions = 8;

// A real HTTP server on 127.0.0.1 with the routes the tests need.
class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/hello", [](const httplib::Request&, httplib::Response& response) {
      response.set_header("X-Answer", "42");
      response.set_content("hello", "text/plain");
    });
    server_.Get("/status/418", [](const httplib::Request&, httplib::Response& response) {
      response.status = 418;
      response.set_content("\n  I'm a teapot\n", "text/plain");
    });
    server_.Get("/redirect", [](const httplib::Request&, httplib::Response& response) {
      response.set_redirect("/hello");
    });
    server_.Get("/big", [](const httplib::Request&, httplib::Response& response) {
      response.set_content(std::string(10000, 'x'), "text/plain");
    });
    server_.Get("/slow", [this](const httplib::Request&, httplib::Response& response) {
      for (int i = 0; i < 100 && !release_.load(); ++i) std::this_thread::sleep_for(50ms);
      response.set_content("late", "text/plain");
    });
    server_.Get("/port", [](const httplib::Request& request, httplib::Response& response) {
      response.set_content(std::to_string(request.remote_port), "text/plain");
    });
    server_.Post("/echo", [](const httplib::Request& request, httplib::Response& response) {
      response.set_content(request.get_header_value("Content-Type") + "|" + request.body,
                           "text/plain");
    });
    // Connections stay open as long as clients keep them, one server thread each, for the
    // pooling tests to count them.
    server_.set_keep_alive_max_count(100000);
    server_.set_keep_alive_timeout(300);
    server_.new_task_queue = [] { return new httplib::ThreadPool(2 * kConcurrentSessions); };
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the loop runs would be lost.
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }

  void TearDown() override {
    release_ = true;
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> release_{false};
};

TEST_F(HttpTest, GetReturnsStatusBodyAndLowerCaseHeaders) {
  const Expected<HttpResponse> response = Perform({.url = Url("/hello")});
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
  EXPECT_EQ(response->Header("x-answer"), "42");
  EXPECT_EQ(response->Header("x-missing"), "");
}

TEST_F(HttpTest, AnErrorStatusIsAnAnswerNotATransferFailure) {
  const Expected<HttpResponse> response = Perform({.url = Url("/status/418")});
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_EQ(response->status, 418);
  EXPECT_EQ(Snippet(response->body), "I'm a teapot");
}

TEST_F(HttpTest, RedirectsAreReturnedUnlessFollowingIsAsked) {
  const Expected<HttpResponse> plain = Perform({.url = Url("/redirect")});
  ASSERT_TRUE(plain) << plain.error().message();
  EXPECT_EQ(plain->status, 302);
  const Expected<HttpResponse> followed = Perform({.url = Url("/redirect"), .max_redirects = 2});
  ASSERT_TRUE(followed) << followed.error().message();
  EXPECT_EQ(followed->status, 200);
  EXPECT_EQ(followed->Header("x-answer"), "42") << "the headers are the last response's";
}

TEST_F(HttpTest, PostSendsTheBodyAndHeaders) {
  const Expected<HttpResponse> response = Perform({.method = "POST",
                                                   .url = Url("/echo"),
                                                   .headers = {"Content-Type: application/json"},
                                                   .body = R"({"a":1})"});
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_EQ(response->body, R"(application/json|{"a":1})");
}

TEST_F(HttpTest, ABodyOverTheLimitFailsTheRequestOrIsCutWhenAsked) {
  const Expected<HttpResponse> refused = Perform({.url = Url("/big"), .max_body = 1000});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailed);
  EXPECT_NE(refused.error().message().find("GET " + Url("/big")), std::string::npos)
      << refused.error().message();
  const Expected<HttpResponse> cut =
      Perform({.url = Url("/big"), .max_body = 1000, .cut_long_body = true});
  ASSERT_TRUE(cut) << cut.error().message();
  EXPECT_EQ(cut->body, std::string(1000, 'x'));
}

TEST_F(HttpTest, StreamingDeliversChunksAndStopsWithoutAnError) {
  std::string streamed;
  const Expected<HttpResponse> all = Perform({.url = Url("/big"), .on_body = [&](auto chunk) {
                                                streamed.append(chunk);
                                                return true;
                                              }});
  ASSERT_TRUE(all) << all.error().message();
  EXPECT_EQ(streamed.size(), 10000u);
  EXPECT_TRUE(all->body.empty());
  EXPECT_FALSE(all->stopped);

  const Expected<HttpResponse> stopped =
      Perform({.url = Url("/big"), .on_body = [](auto) { return false; }});
  ASSERT_TRUE(stopped) << stopped.error().message();
  EXPECT_TRUE(stopped->stopped);
}

TEST_F(HttpTest, AnErrorStatusBodyIsBufferedEvenWhenStreaming) {
  bool called = false;
  const Expected<HttpResponse> response =
      Perform({.url = Url("/status/418"), .on_body = [&](auto) { return called = true; }});
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_FALSE(called);
  EXPECT_EQ(response->status, 418);
  EXPECT_NE(response->body.find("teapot"), std::string::npos);
}

TEST_F(HttpTest, AnExceptionFromTheStreamCallbackReachesTheCaller) {
  EXPECT_THROW((void)Perform({.url = Url("/big"),
                              .on_body = [](auto) -> bool { throw std::runtime_error("boom"); }}),
               std::runtime_error);
}

TEST_F(HttpTest, ASlowAnswerTimesOut) {
  const Expected<HttpResponse> response = Perform({.url = Url("/slow"), .timeout = 300ms});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kTimeout) << response.error().message();
  EXPECT_NE(response.error().message().find("300 ms"), std::string::npos);
}

TEST_F(HttpTest, TheStopTokenCancelsAWaitingRequest) {
  std::stop_source stop;
  std::jthread canceller([&] {
    std::this_thread::sleep_for(200ms);
    stop.request_stop();
  });
  const Expected<HttpResponse> response = Perform({.url = Url("/slow"), .stop = stop.get_token()});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kCancelled) << response.error().message();
}

TEST_F(HttpTest, ARefusedConnectionIsUnavailableAndNamesTheRequest) {
  const std::string url = Url("/hello");
  server_.stop();
  thread_.join();
  const Expected<HttpResponse> response = Perform({.url = url, .what = "the test server"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(response.error().message().starts_with("the test server: "))
      << response.error().message();
}

TEST_F(HttpTest, ASessionKeepsItsConnectionAlive) {
  HttpSession session;
  std::set<std::string> ports;
  for (int i = 0; i < 3; ++i) {
    const Expected<HttpResponse> response = session.Perform({.url = Url("/port")});
    ASSERT_TRUE(response) << response.error().message();
    ports.insert(response->body);
  }
  EXPECT_EQ(ports.size(), 1u) << "every request came from the same client port";
}

TEST_F(HttpTest, SessionsOfOnePoolShareConnectionsAcrossThreads) {
  ConnectionPool pool;
  std::string first;
  {
    HttpSession session(&pool);
    const Expected<HttpResponse> response = session.Perform({.url = Url("/port")});
    ASSERT_TRUE(response) << response.error().message();
    first = response->body;
  }
  std::string second;
  std::thread([&] {
    HttpSession session(&pool);
    const Expected<HttpResponse> response = session.Perform({.url = Url("/port")});
    if (response) second = response->body;
  }).join();
  EXPECT_EQ(first, second) << "the second session reused the pooled connection";
}

TEST_F(HttpTest, ConcurrentPooledSessionsReuseAtMostOneConnectionEach) {
  ConnectionPool pool;
  constexpr int kRequestsPerSession = 25;
  std::mutex mutex;
  std::multiset<std::string> ports;  // the client port of every request
  std::vector<std::string> errors;
  {
    std::vector<std::jthread> sessions;
    for (int i = 0; i < kConcurrentSessions; ++i) {
      sessions.emplace_back([&] {
        HttpSession session(&pool);
        for (int n = 0; n < kRequestsPerSession; ++n) {
          const Expected<HttpResponse> response = session.Perform({.url = Url("/port")});
          const std::scoped_lock lock(mutex);
          if (!response) {
            errors.push_back(response.error().message());
            return;
          }
          ports.insert(response->body);
        }
      });
    }
  }
  ASSERT_TRUE(errors.empty()) << errors.front();
  ASSERT_EQ(ports.size(), std::size_t{kConcurrentSessions * kRequestsPerSession});
  const std::set<std::string> connections(ports.begin(), ports.end());
  EXPECT_LE(connections.size(), std::size_t{kConcurrentSessions})
      << "requests on a pooled connection never need more connections than sessions";
}

TEST_F(HttpTest, ConnectOpensATcpConnectionOrSaysWhyNot) {
  EXPECT_TRUE(Connect("127.0.0.1", port_, 5s));
  server_.stop();
  thread_.join();
  const Status refused = Connect("127.0.0.1", port_, 5s);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(refused.error().message().find("connect to 127.0.0.1:" + std::to_string(port_)),
            std::string::npos)
      << refused.error().message();
}

TEST(HttpStatus, StatusesMapToTheCodesCallersRetryOrNot) {
  EXPECT_EQ(StatusErrorCode(400), ErrorCode::kInvalidArgument);
  EXPECT_EQ(StatusErrorCode(401), ErrorCode::kUnauthorized);
  EXPECT_EQ(StatusErrorCode(403), ErrorCode::kForbidden);
  EXPECT_EQ(StatusErrorCode(404), ErrorCode::kNotFound);
  EXPECT_EQ(StatusErrorCode(410), ErrorCode::kNotFound);
  EXPECT_EQ(StatusErrorCode(409), ErrorCode::kConflict);
  EXPECT_EQ(StatusErrorCode(408), ErrorCode::kUnavailable);
  EXPECT_EQ(StatusErrorCode(429), ErrorCode::kUnavailable);
  EXPECT_EQ(StatusErrorCode(503), ErrorCode::kUnavailable);
  EXPECT_EQ(StatusErrorCode(422), ErrorCode::kInvalidArgument);
  EXPECT_EQ(StatusErrorCode(302), ErrorCode::kFailed);
}

TEST(HttpText, SnippetIsOneTrimmedLineCutWithEllipsis) {
  EXPECT_EQ(Snippet("  a\nb\tc  "), "a b c");
  EXPECT_EQ(Snippet("abcdef", 3), "abc...");
}

TEST(HttpText, UrlOriginDropsCredentialsPathAndQuery) {
  EXPECT_EQ(UrlOrigin("https://user:secret@hooks.example.com:8443/T000/B000/XXXX?x=1"),
            "https://hooks.example.com:8443");
  EXPECT_EQ(UrlOrigin("not a url"), "<unparsable URL>");
}

TEST(HttpText, UrlEscapeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(UrlEscape("a-b_c.d~e/f g&h"), "a-b_c.d~e%2Ff%20g%26h");
}

}  // namespace
}  // namespace galaos::net
