#include "HttpReceiver.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace galaos::notify::testing {

using namespace std::chrono_literals;

HttpReceiver::HttpReceiver() : server_(std::make_unique<httplib::Server>()) {
  server_->Post(".*", [this](const httplib::Request& request, httplib::Response& response) {
    std::unique_lock lock(mutex_);
    ReceivedRequest received{.path = request.path, .body = request.body};
    for (const auto& [name, value] : request.headers) {
      std::string lower = name;
      std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
      received.headers[lower] = value;
    }
    requests_.push_back(std::move(received));
    changed_.notify_all();
    changed_.wait_for(lock, 30s, [this] { return !held_; });
    response.status = statuses_[std::min(answered_++, statuses_.size() - 1)];
    response.set_content(response.status < 300 ? "ok" : "no_service", "text/plain");
  });
  server_->Get("/ready", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ready", "text/plain");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::jthread([this] { server_->listen_after_bind(); });
  // Server::stop() is a no-op until the accept loop runs; one answered request proves it runs.
  if (!httplib::Client("127.0.0.1", port_).Get("/ready")) ADD_FAILURE() << "receiver is not up";
}

HttpReceiver::~HttpReceiver() {
  Release();
  server_->stop();
  thread_.join();
}

std::string HttpReceiver::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void HttpReceiver::AnswerWith(std::vector<int> statuses) {
  std::lock_guard lock(mutex_);
  statuses_ = std::move(statuses);
  answered_ = 0;
}

void HttpReceiver::Hold() {
  std::lock_guard lock(mutex_);
  held_ = true;
}

void HttpReceiver::Release() {
  {
    std::lock_guard lock(mutex_);
    held_ = false;
  }
  changed_.notify_all();
}

bool HttpReceiver::WaitForRequests(std::size_t count) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, 30s, [&] { return requests_.size() >= count; });
}

std::vector<ReceivedRequest> HttpReceiver::Requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

}  // namespace galaos::notify::testing
