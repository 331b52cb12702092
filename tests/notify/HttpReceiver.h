// A real HTTP receiver for the webhook and Slack sinks (cpp-httplib on 127.0.0.1): records
// every POST and answers with the statuses it is told to, in order.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace galaos::notify::testing {

struct ReceivedRequest {
  std::string path{};
  std::map<std::string, std::string> headers{};  // names lower-cased
  std::string body{};
};

class HttpReceiver {
 public:
  HttpReceiver();
  ~HttpReceiver();
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  std::string Url(std::string_view path) const;

  // The statuses of the next answers, in order; the last one repeats. Default: 200.
  void AnswerWith(std::vector<int> statuses);
  // While held, a request is recorded and then waits (unanswered) until Release().
  void Hold();
  void Release();
  // Waits up to 30 s until `count` requests have arrived; false on timeout.
  bool WaitForRequests(std::size_t count);

  std::vector<ReceivedRequest> Requests() const;

 private:
  std::unique_ptr<httplib::Server> server_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<ReceivedRequest> requests_;
  std::vector<int> statuses_{200};
  std::size_t answered_ = 0;
  bool held_ = false;
  int port_ = 0;
  std::jthread thread_;
};

}  // namespace galaos::notify::testing
