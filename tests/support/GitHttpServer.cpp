#include "support/GitHttpServer.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sodium.h>

#include <sstream>

#include "core/Process.h"

namespace galaos::testing {
namespace {

std::string Base64(std::string_view text) {
  std::string out(sodium_base64_encoded_len(text.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()),
                    text.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.find('\0'));
  return out;
}

std::string QueryString(const httplib::Request& request) {
  std::string query;
  for (const auto& [key, value] : request.params) {
    query += (query.empty() ? "" : "&") + key + "=" + value;
  }
  return query;
}

// Runs git http-backend for `request` and turns its CGI answer into `response`.
void ServeWithBackend(const std::filesystem::path& root, const httplib::Request& request,
                      httplib::Response& response) {
  core::ProcessOptions options;
  options.argv = {"git", "http-backend"};
  options.environment = {{"GIT_PROJECT_ROOT", root.string()},
                         {"GIT_HTTP_EXPORT_ALL", "1"},
                         {"REQUEST_METHOD", request.method},
                         {"PATH_INFO", request.path},
                         {"QUERY_STRING", QueryString(request)},
                         {"CONTENT_TYPE", request.get_header_value("Content-Type")},
                         {"CONTENT_LENGTH", std::to_string(request.body.size())},
                         {"REMOTE_USER", "git"},
                         {"REMOTE_ADDR", "127.0.0.1"}};
  options.stdin_data = request.body;
  options.tail_bytes = 256 * 1024 * 1024;  // the whole pack
  options.timeout = std::chrono::seconds(120);
  auto result = core::RunProcess(std::move(options));
  if (!result || !result->Succeeded()) {
    response.status = 500;
    response.set_content(result ? result->stderr_tail : result.error().message(), "text/plain");
    return;
  }
  const std::string& out = result->stdout_tail;
  const std::size_t end = out.find("\r\n\r\n");
  const std::size_t body_start = end == std::string::npos ? out.size() : end + 4;
  std::string content_type = "application/octet-stream";
  std::istringstream headers(out.substr(0, end));
  for (std::string line; std::getline(headers, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = line.substr(0, colon);
    const std::string value = line.substr(line.find_first_not_of(' ', colon + 1));
    if (name == "Status") {
      response.status = std::stoi(value);
    } else if (name == "Content-Type") {
      content_type = value;
    } else {
      response.set_header(name, value);
    }
  }
  response.set_content(out.substr(body_start), content_type);
}

}  // namespace

GitHttpServer::GitHttpServer(std::filesystem::path root, std::string user, std::string password)
    : root_(std::move(root)),
      authorization_("Basic " + Base64(user + ":" + password)),
      server_(std::make_unique<httplib::Server>()) {
  const auto handle = [this](const httplib::Request& request, httplib::Response& response) {
    if (request.get_header_value("Authorization") != authorization_) {
      ++refused_;
      response.status = 401;
      response.set_header("WWW-Authenticate", "Basic realm=\"git\"");
      return;
    }
    ServeWithBackend(root_, request, response);
  };
  server_->Get(".*", handle);
  server_->Post(".*", handle);
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::jthread([this] { server_->listen_after_bind(); });
  // Server::stop() is a no-op until the accept loop runs; one answered request proves it runs.
  if (!httplib::Client("127.0.0.1", port_).Get("/")) ADD_FAILURE() << "git HTTP server is not up";
  refused_ = 0;
}

GitHttpServer::~GitHttpServer() {
  server_->stop();
  thread_.join();
}

std::string GitHttpServer::Url(std::string_view relative, std::string_view userinfo) const {
  return "http://" + std::string(userinfo) + "127.0.0.1:" + std::to_string(port_) + "/" +
         std::string(relative);
}

}  // namespace galaos::testing
