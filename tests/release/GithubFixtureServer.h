// The one fake of the release tests: a local HTTP server (cpp-httplib) that answers the GitHub
// Releases API with real recorded GitHub data. The npm package @octokit/fixtures is installed
// into a temporary directory (a failing npm install fails the test) and its recordings give:
//   - the release object (scenario release-assets: GET /repos/.../releases/tags/v1.0.0) that
//     every served release is a copy of, and its response headers (ETag, X-RateLimit-*, ...)
//   - the Link header format of a paginated listing (scenario paginate-issues)
//   - a 404 answer with GitHub's error body (scenario branch-protection)
// The package records no list-releases call, no 304, no exhausted rate limit, no 5xx: those
// answers are built from the recorded headers with the documented changes (status, the
// X-RateLimit-Remaining value, a Retry-After header, a JSON message).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/TempDir.h"

namespace httplib {
class Server;
}

namespace galaos::release::testing {

struct RecordedRequest {
  std::string path;                            // with the query string
  std::map<std::string, std::string> headers;  // lower-case names
};

class GithubFixtureServer {
 public:
  enum class Mode {
    kNormal,
    kRateLimited,  // 403, X-RateLimit-Remaining: 0, the recorded X-RateLimit-Reset
    kRetryAfter,   // 403 with Retry-After: 60 (a secondary rate limit)
    kServerError,  // 500
    kNotFound,     // the recorded 404
    kSlow,         // answers after 5 s
    kHtml,         // 200 with an ETag and an HTML page (what a captive portal sends)
  };

  // The repository the recordings belong to; its releases are served.
  static constexpr char kRepo[] = "octokit-fixture-org/release-assets";

  GithubFixtureServer();  // throws (failing the test) when npm or the recordings fail
  ~GithubFixtureServer();

  std::string ApiUrl() const;  // "http://127.0.0.1:<port>"

  // A copy of the recorded release object with these fields changed.
  nlohmann::json Release(const std::string& tag, const std::string& notes, bool prerelease = false,
                         bool draft = false,
                         const std::string& published_at = "2022-07-19T04:40:21Z") const;

  // The list pages served, each a JSON array. Page 1 links to page 2 and so on. Setting new
  // pages changes their ETags.
  void SetPages(std::vector<nlohmann::json> pages);
  void SetMode(Mode mode);

  std::vector<RecordedRequest> Requests() const;
  // Requests answered 200 / 304.
  int FullAnswers() const;
  int NotModifiedAnswers() const;

  // Values from the recordings, for assertions.
  long long RecordedRateLimitReset() const { return rate_limit_reset_; }
  const std::string& Recorded404Message() const { return not_found_message_; }
  // The ETag page `page_index` (0-based) is served with until SetPages is called again.
  const std::string& RecordedEtag(std::size_t page_index) const {
    return recorded_etags_.at(page_index);
  }

 private:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  void Serve(std::size_t page_index, const std::map<std::string, std::string>& request_headers,
             int& status, Headers& headers, std::string& body);
  std::string LinkFor(std::size_t page_index) const;

  core::TempDir npm_dir_;
  nlohmann::json release_template_;
  Headers release_headers_;    // of the recorded GET release
  Headers not_found_headers_;  // of the recorded 404
  std::string not_found_body_;
  std::string not_found_message_;
  std::string first_page_link_;  // recorded Link headers, first and last page of a listing
  std::string last_page_link_;
  std::vector<std::string> recorded_etags_;
  long long rate_limit_reset_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable stopping_changed_;
  bool stopping_ = false;
  std::vector<nlohmann::json> pages_;
  int generation_ = 0;  // bumped by SetPages
  Mode mode_ = Mode::kNormal;
  std::vector<RecordedRequest> requests_;
  int full_answers_ = 0;
  int not_modified_answers_ = 0;

  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::jthread thread_;
};

}  // namespace galaos::release::testing
