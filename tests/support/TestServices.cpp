#include "support/TestServices.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

namespace galaos::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kReadyTimeout = 60s;
constexpr int kPortAttempts = 3;
constexpr const char* kPostgresBin = "/usr/lib/postgresql/15/bin/";

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

int BoundPort(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

// Runs `argv` as the postgres user when we are root: PostgreSQL refuses to run as root.
std::vector<std::string> AsPostgres(std::vector<std::string> argv) {
  if (::geteuid() != 0) return argv;
  std::vector<std::string> wrapped = {"runuser", "-u", "postgres", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

Status GiveToPostgres(const std::filesystem::path& path) {
  if (::geteuid() != 0) return {};
  const passwd* user = ::getpwnam("postgres");
  if (user == nullptr) return MakeError(ErrorCode::kNotFound, "there is no postgres user");
  if (::chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) {
    return MakeError(ErrorCode::kIo, "chown " + path.string() + ": " + std::strerror(errno));
  }
  return {};
}

struct SharedServers {
  std::mutex mutex;
  std::unique_ptr<RedisServer> redis;
  std::unique_ptr<PostgresServer> postgres;
  std::string redis_error;
  std::string postgres_error;
};

SharedServers& Shared() {
  static SharedServers servers;
  return servers;
}

class SharedServersEnvironment final : public ::testing::Environment {
 public:
  void TearDown() override {
    std::lock_guard lock(Shared().mutex);
    Shared().redis.reset();
    Shared().postgres.reset();
  }
};

[[maybe_unused]] ::testing::Environment* const kSharedServersEnvironment =
    ::testing::AddGlobalTestEnvironment(new SharedServersEnvironment);

template <class Server>
Server* StartShared(std::unique_ptr<Server>& slot, std::string& error,
                    Expected<std::unique_ptr<Server>> (*start)()) {
  if (!slot && error.empty()) {
    auto started = start();
    if (started) {
      slot = std::move(*started);
    } else {
      error = started.error().message();
    }
  }
  if (!slot) ADD_FAILURE() << error;
  return slot.get();
}

}  // namespace

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = Loopback(0);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  const int port = BoundPort(fd);
  ::close(fd);
  return port;
}

Expected<std::unique_ptr<ServerProcess>> ServerProcess::Start(core::ProcessOptions options,
                                                              std::string ready_line) {
  std::unique_ptr<ServerProcess> server(new ServerProcess());
  ServerProcess* self = server.get();
  options.on_line = [self, ready_line](core::OutputStream, std::string_view line) {
    std::lock_guard lock(self->mutex_);
    self->lines_.emplace_back(line);
    if (line.find(ready_line) != std::string_view::npos) {
      self->ready_ = true;
      self->ready_changed_.notify_all();
    }
  };
  const std::string program = options.argv.empty() ? "" : options.argv.front();
  self->thread_ = std::jthread([self, options = std::move(options)](std::stop_token stop) mutable {
    options.cancel = stop;
    auto result = core::RunProcess(std::move(options));
    std::lock_guard lock(self->mutex_);
    self->exited_ = true;
    self->exit_ = result ? result->Describe() : result.error().message();
    self->ready_changed_.notify_all();
  });
  std::unique_lock lock(self->mutex_);
  self->ready_changed_.wait_for(lock, kReadyTimeout,
                                [self] { return self->ready_ || self->exited_; });
  if (!self->ready_) {
    lock.unlock();
    return MakeError(ErrorCode::kUnavailable, program + " did not become ready (" +
                                                  (self->exited_ ? self->exit_ : "timed out") +
                                                  "):\n" + self->Output());
  }
  return server;
}

ServerProcess::~ServerProcess() = default;

std::string ServerProcess::Output() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& line : lines_) out += line + "\n";
  return out;
}

std::string RedisServer::Url(std::string_view credentials, int db) const {
  return "redis://" + std::string(credentials) + "127.0.0.1:" + std::to_string(port) +
         (db != 0 ? "/" + std::to_string(db) : "");
}

Expected<std::unique_ptr<RedisServer>> StartRedis(int port, std::string password) {
  std::string failures;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    auto server = std::make_unique<RedisServer>(TRY(core::TempDir::Create("galaos-health-redis-")));
    server->port = port != 0 ? port : FreePort();
    core::ProcessOptions options;
    options.argv = {"redis-server",
                    "--port",
                    std::to_string(server->port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    server->dir.path().string(),
                    "--daemonize",
                    "no"};
    if (!password.empty()) {
      options.argv.insert(options.argv.end(), {"--requirepass", password});
    }
    auto process = ServerProcess::Start(std::move(options), "Ready to accept connections");
    if (process) {
      server->process = std::move(*process);
      return server;
    }
    failures += process.error().message() + "\n";
    if (port != 0) break;  // a fixed port: another attempt would meet the same problem
  }
  return MakeError(ErrorCode::kUnavailable, "cannot start redis-server:\n" + failures);
}

std::string PostgresServer::Url(std::string_view password) const {
  return "postgresql://postgres:" + std::string(password) + "@127.0.0.1:" + std::to_string(port) +
         "/postgres";
}

Expected<std::unique_ptr<PostgresServer>> StartPostgres() {
  auto server = std::make_unique<PostgresServer>(TRY(core::TempDir::Create("galaos-health-pg-")));
  const auto& dir = server->dir.path();
  TRY(GiveToPostgres(dir));
  const auto password_file = dir / "pwfile";
  std::ofstream(password_file) << kPostgresPassword << "\n";
  TRY(GiveToPostgres(password_file));
  core::ProcessOptions initdb;
  initdb.argv =
      AsPostgres({std::string(kPostgresBin) + "initdb", "-D", (dir / "data").string(), "-U",
                  "postgres", "--pwfile", password_file.string(), "--auth-local=trust",
                  "--auth-host=scram-sha-256", "-N", "-E", "UTF8", "--locale=C"});
  initdb.timeout = 120s;
  TRY(core::RunChecked(std::move(initdb)));

  std::string failures;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    server->port = FreePort();
    core::ProcessOptions options;
    options.argv =
        AsPostgres({std::string(kPostgresBin) + "postgres", "-D", (dir / "data").string(), "-p",
                    std::to_string(server->port), "-k", dir.string(), "-c",
                    "listen_addresses=127.0.0.1", "-c", "fsync=off"});
    auto process =
        ServerProcess::Start(std::move(options), "database system is ready to accept connections");
    if (process) {
      server->process = std::move(*process);
      return server;
    }
    failures += process.error().message() + "\n";
  }
  return MakeError(ErrorCode::kUnavailable, "cannot start postgres:\n" + failures);
}

RedisServer* SharedRedis() {
  std::lock_guard lock(Shared().mutex);
  return StartShared<RedisServer>(Shared().redis, Shared().redis_error,
                                  [] { return StartRedis(); });
}

PostgresServer* SharedPostgres() {
  std::lock_guard lock(Shared().mutex);
  return StartShared<PostgresServer>(Shared().postgres, Shared().postgres_error, &StartPostgres);
}

HttpServer::HttpServer() : server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(16); };
  server_->Get("/ok", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("all good", "text/plain");
  });
  server_->Get("/fail", [](const httplib::Request&, httplib::Response& response) {
    response.status = 500;
    response.set_content("database down", "text/plain");
  });
  server_->Get("/redirect", [](const httplib::Request&, httplib::Response& response) {
    response.set_redirect("/ok");
  });
  server_->Get("/slow", [this](const httplib::Request&, httplib::Response& response) {
    std::unique_lock lock(mutex_);
    ++slow_requests_;
    changed_.notify_all();
    changed_.wait_for(lock, 30s, [this] { return released_; });
    response.set_content("finally", "text/plain");
  });
  server_->Get("/_ping", [](const httplib::Request&, httplib::Response& response) {
    response.set_header("Api-Version", "1.41");
    response.set_content("OK", "text/plain");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::jthread([this] { server_->listen_after_bind(); });
  // Server::stop() is a no-op until the accept loop runs; one answered request proves it runs.
  if (!httplib::Client("127.0.0.1", port_).Get("/ok")) ADD_FAILURE() << "HTTP server is not up";
}

HttpServer::~HttpServer() {
  {
    std::lock_guard lock(mutex_);
    released_ = true;
  }
  changed_.notify_all();
  server_->stop();
  thread_.join();
}

void HttpServer::WaitForSlowRequests(int count) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return slow_requests_ >= count; });
}

std::string HttpServer::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

UnixHttpResponder::UnixHttpResponder(std::filesystem::path path, std::string response)
    : path_(std::move(path)), response_(std::move(response)) {
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    ADD_FAILURE() << "cannot listen on " << path_ << ": " << std::strerror(errno);
  }
  thread_ = std::jthread([this] {
    for (;;) {
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;  // the listening socket was shut down
      std::string request;
      char buffer[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t got = ::read(client, buffer, sizeof buffer);
        if (got <= 0) break;
        request.append(buffer, static_cast<std::size_t>(got));
      }
      [[maybe_unused]] const ssize_t sent = ::write(client, response_.data(), response_.size());
      ::close(client);
    }
  });
}

UnixHttpResponder::~UnixHttpResponder() {
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  thread_.join();
  ::close(listen_fd_);
  std::filesystem::remove(path_);
}

SilentListener::SilentListener() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = Loopback(0);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd_, 16) != 0) {
    ADD_FAILURE() << "cannot listen: " << std::strerror(errno);
  }
  port_ = BoundPort(fd_);
}

SilentListener::~SilentListener() {
  ::close(fd_);
}

RedisConnection::RedisConnection(int port) : context_(redisConnect("127.0.0.1", port)) {
  if (context_ == nullptr || context_->err != 0) {
    ADD_FAILURE() << "cannot connect to Redis on port " << port;
  }
}

RedisConnection::~RedisConnection() {
  redisFree(context_);
}

std::string RedisConnection::Run(std::vector<std::string> args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (reply == nullptr) {
    ADD_FAILURE() << args.front() << ": " << context_->errstr;
    return {};
  }
  std::string answer;
  if (reply->type == REDIS_REPLY_ERROR) ADD_FAILURE() << args.front() << ": " << reply->str;
  if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) {
    answer.assign(reply->str, reply->len);
  } else if (reply->type == REDIS_REPLY_INTEGER) {
    answer = std::to_string(reply->integer);
  }
  freeReplyObject(reply);
  return answer;
}

}  // namespace galaos::testing
