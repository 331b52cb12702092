// Throw-away servers for the health tests: real Redis and PostgreSQL started by the test
// program itself, a cpp-httplib HTTP server, a fake Docker Engine on a unix socket, and a
// listener that accepts connections but never answers.
#pragma once

#include <hiredis/hiredis.h>

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/Error.h"
#include "core/Process.h"
#include "core/TempDir.h"

namespace httplib {
class Server;
}

namespace galaos::testing {

// A port on 127.0.0.1 that was free a moment ago (another process may take it: callers retry).
int FreePort();

// A child server run by a thread of its own: Start returns once a line of its output contains
// `ready_line`. Destruction stops it (SIGTERM to its process group, then SIGKILL).
class ServerProcess {
 public:
  static Expected<std::unique_ptr<ServerProcess>> Start(core::ProcessOptions options,
                                                        std::string ready_line);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

 private:
  ServerProcess() = default;
  std::string Output() const;

  mutable std::mutex mutex_;
  std::condition_variable ready_changed_;
  bool ready_ = false;
  bool exited_ = false;
  std::string exit_;
  std::vector<std::string> lines_;
  std::jthread thread_;  // last: joined before the members it uses go away
};

struct RedisServer {
  core::TempDir dir;
  int port = 0;
  std::unique_ptr<ServerProcess> process;  // after dir: stopped before dir is removed

  std::string Url(std::string_view credentials = {}, int db = 0) const;  // credentials: "user:pw@"
};

// redis-server on 127.0.0.1:`port` (0: a free one), nothing saved; `password` sets requirepass.
Expected<std::unique_ptr<RedisServer>> StartRedis(int port = 0, std::string password = {});

inline constexpr std::string_view kPostgresPassword = "pg-s3cret";

struct PostgresServer {
  core::TempDir dir;
  int port = 0;
  std::unique_ptr<ServerProcess> process;

  // postgresql://postgres:<password>@127.0.0.1:<port>/postgres
  std::string Url(std::string_view password = kPostgresPassword) const;
};

// A fresh PostgreSQL 15 cluster (initdb as the postgres user when running as root) whose
// superuser "postgres" logs in over TCP with kPostgresPassword (scram-sha-256).
Expected<std::unique_ptr<PostgresServer>> StartPostgres();

// Started on first use and shared by the tests of this process; stopped when the test program
// ends. Return nullptr after recording a test failure when the server cannot start.
RedisServer* SharedRedis();
PostgresServer* SharedPostgres();

// cpp-httplib on 127.0.0.1: /ok 200 "all good", /fail 500 "database down", /redirect 302,
// /slow answers 200 after 30 s (released at once when the server is destroyed), /_ping 200
// "OK" with an Api-Version header.
class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  int port() const { return port_; }
  std::string Url(std::string_view path) const;
  // Returns once `count` requests to /slow have arrived.
  void WaitForSlowRequests(int count);

 private:
  std::unique_ptr<httplib::Server> server_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool released_ = false;
  int slow_requests_ = 0;
  int port_ = 0;
  std::jthread thread_;
};

// Answers every request on a unix socket with one fixed HTTP response, like the Docker Engine's
// /_ping does.
class UnixHttpResponder {
 public:
  UnixHttpResponder(std::filesystem::path path, std::string response);
  ~UnixHttpResponder();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::string response_;
  int listen_fd_ = -1;
  std::jthread thread_;
};

// Listens on 127.0.0.1 and never accepts: the kernel completes the handshake, nobody answers.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A hiredis connection for setting up test data.
class RedisConnection {
 public:
  explicit RedisConnection(int port);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Runs one command; returns its string/status/integer answer as text, "" for others.
  std::string Run(std::vector<std::string> args);

 private:
  redisContext* context_;
};

}  // namespace galaos::testing
