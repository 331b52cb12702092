// Smart-HTTP git on 127.0.0.1 for the credential tests: cpp-httplib in front of the real
// `git http-backend` (run as a CGI program per request), serving the repositories under a
// root directory, every request behind HTTP Basic authentication with one user and password.
// A request without them, or with others, gets 401 and a `WWW-Authenticate: Basic` challenge.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace httplib {
class Server;
}

namespace galaos::testing {

class GitHttpServer {
 public:
  GitHttpServer(std::filesystem::path root, std::string user, std::string password);
  ~GitHttpServer();
  GitHttpServer(const GitHttpServer&) = delete;
  GitHttpServer& operator=(const GitHttpServer&) = delete;

  // http://<userinfo>127.0.0.1:<port>/<relative path>; userinfo such as "user:pw@" or "".
  std::string Url(std::string_view relative, std::string_view userinfo = {}) const;
  // Requests answered 401 so far.
  int refused() const { return refused_; }

 private:
  std::filesystem::path root_;
  std::string authorization_;  // the expected Authorization header
  std::unique_ptr<httplib::Server> server_;
  std::atomic<int> refused_ = 0;
  int port_ = 0;
  std::jthread thread_;
};

}  // namespace galaos::testing
