#include "GithubFixtureServer.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <stdexcept>

#include "core/Process.h"

namespace galaos::release::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr char kListPath[] = "/repos/octokit-fixture-org/release-assets/releases";
constexpr char kPagePath[] = "/repositories/515435940/releases";  // as in the recorded links

template <class T>
T Unwrap(Expected<T> result, const std::string& what) {
  if (!result) throw std::runtime_error(what + ": " + result.error().message());
  return std::move(*result);
}

std::string Lower(std::string text) {
  std::ranges::transform(text, text.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

json LoadJson(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("@octokit/fixtures has no " + path.string());
  return json::parse(in);
}

// nock's rawHeaders: [name, value, name, value, ...].
Headers Pairs(const json& raw) {
  Headers headers;
  for (std::size_t i = 0; i + 1 < raw.size(); i += 2) {
    headers.emplace_back(raw[i].get<std::string>(), raw[i + 1].get<std::string>());
  }
  return headers;
}

std::string Find(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (Lower(key) == name) return value;
  }
  throw std::runtime_error("recorded headers lack " + std::string(name));
}

Headers Set(Headers headers, const std::string& name, const std::string& value) {
  std::erase_if(headers, [&](const auto& header) { return Lower(header.first) == Lower(name); });
  headers.emplace_back(name, value);
  return headers;
}

Headers Without(Headers headers, std::initializer_list<std::string_view> names) {
  std::erase_if(headers, [&](const auto& header) {
    return std::ranges::find(names, Lower(header.first)) != names.end();
  });
  return headers;
}

const json& Entry(const json& exchanges, const std::function<bool(const json&)>& matches,
                  const std::string& what) {
  for (const json& exchange : exchanges) {
    if (matches(exchange)) return exchange;
  }
  throw std::runtime_error("@octokit/fixtures has no recording of " + what);
}

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

GithubFixtureServer::GithubFixtureServer()
    : npm_dir_(Unwrap(core::TempDir::Create("galaos-octokit-"), "temp dir")) {
  core::ProcessOptions npm;
  npm.argv = {"npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "@octokit/fixtures"};
  npm.cwd = npm_dir_.path();
  npm.environment = {{"npm_config_update_notifier", "false"}};
  npm.timeout = std::chrono::minutes(5);
  Unwrap(core::RunChecked(std::move(npm)), "npm install @octokit/fixtures");

  const fs::path scenarios =
      npm_dir_.path() / "node_modules/@octokit/fixtures/scenarios/api.github.com";
  const json assets = LoadJson(scenarios / "release-assets/raw-fixture.json");
  const json& release = Entry(
      assets,
      [](const json& e) {
        return e["method"] == "get" && e["status"] == 200 &&
               e["path"].get<std::string>().ends_with("/releases/tags/v1.0.0");
      },
      "GET a release");
  release_template_ = release["response"];
  release_headers_ = Pairs(release["rawHeaders"]);
  rate_limit_reset_ = std::stoll(Find(release_headers_, "x-ratelimit-reset"));

  const json protection = LoadJson(scenarios / "branch-protection/raw-fixture.json");
  const json& not_found = Entry(
      protection, [](const json& e) { return e["status"] == 404; }, "a 404");
  not_found_headers_ = Pairs(not_found["rawHeaders"]);
  not_found_body_ = not_found["response"].dump();
  not_found_message_ = not_found["response"]["message"].get<std::string>();

  const json issues = LoadJson(scenarios / "paginate-issues/raw-fixture.json");
  const json& first = Entry(
      issues,
      [](const json& e) { return e["path"].get<std::string>().ends_with("/issues?per_page=3"); },
      "the first page of a listing");
  const json& last = Entry(
      issues, [](const json& e) { return e["path"].get<std::string>().ends_with("&page=5"); },
      "the last page of a listing");
  first_page_link_ = Find(Pairs(first["rawHeaders"]), "link");
  last_page_link_ = Find(Pairs(last["rawHeaders"]), "link");
  recorded_etags_ = {Find(release_headers_, "etag"), Find(Pairs(last["rawHeaders"]), "etag")};

  server_ = std::make_unique<httplib::Server>();
  const auto handler = [this](std::size_t fixed_page) {
    return [this, fixed_page](const httplib::Request& request, httplib::Response& response) {
      std::size_t page = fixed_page;
      if (request.has_param("page")) page = std::stoul(request.get_param_value("page")) - 1;
      std::map<std::string, std::string> headers;
      for (const auto& [name, value] : request.headers) headers[Lower(name)] = value;
      int status = 0;
      Headers answer;
      std::string body;
      {
        std::lock_guard lock(mutex_);
        std::string path = request.path;
        if (!request.params.empty()) {
          path += '?';
          path += httplib::detail::params_to_query_str(request.params);
        }
        requests_.push_back({path, headers});
      }
      Serve(page, headers, status, answer, body);
      response.status = status;
      for (const auto& [name, value] : answer) response.set_header(name, value);
      if (status != 304) {
        response.set_content(
            body, body.starts_with('<') ? "text/html" : "application/json; charset=utf-8");
      }
    };
  };
  server_->Get(kListPath, handler(0));
  server_->Get(kPagePath, handler(0));
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("cannot bind the fixture server");
  thread_ = std::jthread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs; one answered request proves it runs.
  httplib::Client probe("127.0.0.1", port_);
  if (!probe.Get("/ready")) throw std::runtime_error("the fixture server does not answer");
}

GithubFixtureServer::~GithubFixtureServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stopping_changed_.notify_all();
  server_->stop();
}

std::string GithubFixtureServer::ApiUrl() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

json GithubFixtureServer::Release(const std::string& tag, const std::string& notes, bool prerelease,
                                  bool draft, const std::string& published_at) const {
  json release = release_template_;
  const std::string recorded_tag = release["tag_name"];
  std::string html_url = release["html_url"];
  ReplaceAll(html_url, recorded_tag, tag);
  release["id"] = std::hash<std::string>{}(tag) % 1000000;
  release["tag_name"] = tag;
  release["name"] = "Version " + tag;
  release["body"] = notes;
  release["prerelease"] = prerelease;
  release["draft"] = draft;
  release["html_url"] = html_url;
  release["created_at"] = published_at;
  release["published_at"] = draft ? json(nullptr) : json(published_at);
  return release;
}

void GithubFixtureServer::SetPages(std::vector<json> pages) {
  if (pages.size() > 2) throw std::invalid_argument("the recorded links describe two pages");
  std::lock_guard lock(mutex_);
  pages_ = std::move(pages);
  ++generation_;
}

void GithubFixtureServer::SetMode(Mode mode) {
  std::lock_guard lock(mutex_);
  mode_ = mode;
}

std::vector<RecordedRequest> GithubFixtureServer::Requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

int GithubFixtureServer::FullAnswers() const {
  std::lock_guard lock(mutex_);
  return full_answers_;
}

int GithubFixtureServer::NotModifiedAnswers() const {
  std::lock_guard lock(mutex_);
  return not_modified_answers_;
}

// The recorded Link headers, moved to this server and to the releases listing.
std::string GithubFixtureServer::LinkFor(std::size_t page_index) const {
  if (pages_.size() < 2) return {};
  std::string link = page_index == 0 ? first_page_link_ : last_page_link_;
  ReplaceAll(link, "https://api.github.com", ApiUrl());
  ReplaceAll(link, "issues?per_page=3", "releases?per_page=100");
  ReplaceAll(link, "page=5", "page=2");  // the recorded "last"
  ReplaceAll(link, "page=4", "page=1");  // the recorded "prev" of the last page
  return link;
}

void GithubFixtureServer::Serve(std::size_t page_index,
                                const std::map<std::string, std::string>& request_headers,
                                int& status, Headers& headers, std::string& body) {
  std::unique_lock lock(mutex_);
  const Headers base = Without(release_headers_, {"content-length", "content-type", "connection"});
  switch (mode_) {
    case Mode::kRateLimited:
      status = 403;
      headers = Set(Set(Without(base, {"etag"}), "X-RateLimit-Remaining", "0"), "X-RateLimit-Used",
                    Find(base, "x-ratelimit-limit"));
      body = json{{"message",
                   "API rate limit exceeded for 127.0.0.1. (But here's the good news: "
                   "Authenticated requests get a higher rate limit. Check out the documentation "
                   "for more details.)"},
                  {"documentation_url",
                   "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}}
                 .dump();
      return;
    case Mode::kRetryAfter:
      status = 403;
      headers = Set(Without(base, {"etag"}), "Retry-After", "60");
      body = json{{"message",
                   "You have exceeded a secondary rate limit. Please wait a few minutes before "
                   "you try again."},
                  {"documentation_url",
                   "https://docs.github.com/rest/overview/resources-in-the-rest-api"
                   "#secondary-rate-limits"}}
                 .dump();
      return;
    case Mode::kServerError:
      status = 500;
      headers = Without(base, {"etag"});
      body = json{{"message", "Server Error"}}.dump();
      return;
    case Mode::kNotFound:
      status = 404;
      headers = Without(not_found_headers_, {"content-length", "content-type", "connection"});
      body = not_found_body_;
      return;
    case Mode::kHtml:
      status = 200;
      headers = base;
      body = "<html><body>Sign in to continue</body></html>";
      return;
    case Mode::kSlow:
      stopping_changed_.wait_for(lock, std::chrono::seconds(5), [this] { return stopping_; });
      break;
    case Mode::kNormal:
      break;
  }
  if (page_index >= pages_.size()) {
    status = 404;
    headers = Without(not_found_headers_, {"content-length", "content-type", "connection"});
    body = not_found_body_;
    return;
  }
  body = pages_[page_index].dump();
  const std::string etag =
      generation_ == 1 ? recorded_etags_.at(page_index)
                       : fmt::format("\"{:016x}\"",
                                     std::hash<std::string>{}(body + std::to_string(generation_)));
  headers = Set(base, "ETag", etag);
  if (const std::string link = LinkFor(page_index); !link.empty()) {
    headers = Set(headers, "Link", link);
  }
  const auto match = request_headers.find("if-none-match");
  if (match != request_headers.end() && match->second == etag) {
    status = 304;
    body.clear();
    ++not_modified_answers_;
    return;
  }
  status = 200;
  ++full_answers_;
}

}  // namespace galaos::release::testing
