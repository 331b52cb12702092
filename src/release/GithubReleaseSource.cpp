#include "release/GithubReleaseSource.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>
#include <utility>

#include "core/Redact.h"
#include "git/RefName.h"
#include "net/Http.h"
#include "release/Text.h"

namespace galaos::release {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxBodyBytes = 32 * 1024 * 1024;
constexpr std::size_t kMaxMessageBytes = 300;

using HttpResponse = net::HttpResponse;

Expected<HttpResponse> HttpGet(const GithubSourceOptions& options, const std::string& url,
                               const std::optional<std::string>& if_none_match) {
  net::HttpRequest request{.url = url, .what = "GET " + core::RedactUrlCredentials(url)};
  request.headers = {"Accept: application/vnd.github+json", "X-GitHub-Api-Version: 2022-11-28"};
  if (!options.token.empty()) request.headers.push_back("Authorization: Bearer " + options.token);
  if (if_none_match) request.headers.push_back("If-None-Match: " + *if_none_match);
  // GitHub answers a renamed repository with a redirect. libcurl sends our Authorization
  // header to the original host only.
  request.max_redirects = 5;
  request.accept_encoding = true;
  request.connect_timeout = options.connect_timeout;
  request.timeout = options.timeout;
  request.max_body = kMaxBodyBytes;
  return net::Perform(request);
}

// GitHub's explanation of a failure: the "message" of its JSON error body, else the start of
// the body (printable characters only).
std::string GithubMessage(const HttpResponse& response) {
  const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    if (const auto it = body.find("message"); it != body.end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  return net::Snippet(response.body, kMaxMessageBytes);
}

std::optional<long long> HeaderNumber(const HttpResponse& response, std::string_view name) {
  const std::string value = response.Header(name);
  long long number = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
    return std::nullopt;
  }
  return number;
}

Error StatusError(const HttpResponse& response, const std::string& what, bool has_token,
                  const core::Clock& clock) {
  const std::string message = GithubMessage(response);
  const std::string status =
      fmt::format("HTTP {}{}", response.status, message.empty() ? "" : ": " + message);
  const bool refused = response.status == 403 || response.status == 429;
  if (refused && response.Header("x-ratelimit-remaining") == "0") {
    std::string when = "at an unknown time";
    if (const auto reset = HeaderNumber(response, "x-ratelimit-reset")) {
      const std::chrono::sys_seconds at{std::chrono::seconds(*reset)};
      const auto wait = std::chrono::duration_cast<std::chrono::seconds>(at - clock.Now());
      when = fmt::format("at {} (in {})", detail::FormatUtc(at), detail::FormatDuration(wait));
    }
    return Error(
        ErrorCode::kUnavailable,
        fmt::format("{}: GitHub API rate limit exhausted ({}); it resets {}{}", what, status, when,
                    has_token ? "" : "; an API token (github.token) raises the limit"));
  }
  if (refused && !response.Header("retry-after").empty()) {
    const auto seconds = HeaderNumber(response, "retry-after");
    return Error(ErrorCode::kUnavailable,
                 fmt::format("{}: GitHub asks to retry after {} ({})", what,
                             seconds ? detail::FormatDuration(std::chrono::seconds(*seconds))
                                     : response.Header("retry-after"),
                             status));
  }
  switch (response.status) {
    case 401:
      return Error(ErrorCode::kUnauthorized,
                   fmt::format("{}: GitHub rejected the token ({})", what, status));
    case 403:
      return Error(ErrorCode::kForbidden, fmt::format("{}: {}", what, status));
    case 404:
      return Error(ErrorCode::kNotFound,
                   fmt::format("{}: {} (no such repository, or it is private and {})", what, status,
                               has_token ? "the token cannot see it" : "no token is set"));
    default:
      break;
  }
  const ErrorCode code = response.status >= 500 || response.status == 429 ? ErrorCode::kUnavailable
                                                                          : ErrorCode::kFailed;
  return Error(code, fmt::format("{}: {}", what, status));
}

// The rel="next" target of a Link header, or "".
std::string NextLink(std::string_view link) {
  while (!link.empty()) {
    const std::size_t open = link.find('<');
    const std::size_t close = link.find('>', open);
    if (open == std::string_view::npos || close == std::string_view::npos) break;
    const std::string_view target = link.substr(open + 1, close - open - 1);
    const std::size_t end = link.find(',', close);
    const std::string_view params = link.substr(close + 1, end - close - 1);
    if (params.find("rel=\"next\"") != std::string_view::npos ||
        params.find("rel=next") != std::string_view::npos) {
      return std::string(target);
    }
    if (end == std::string_view::npos) break;
    link.remove_prefix(end + 1);
  }
  return {};
}

// "scheme://host[:port]" of a URL.
std::string_view Origin(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  return url.substr(0, url.find('/', scheme_end + 3));
}

std::string StringField(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool BoolField(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

Status AppendReleases(const std::string& body, const std::string& what,
                      std::vector<Release>& releases) {
  const json list = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!list.is_array()) {
    return MakeError(ErrorCode::kFailed, what + ": the answer is not a JSON array of releases");
  }
  for (const json& item : list) {
    if (!item.is_object()) {
      return MakeError(ErrorCode::kFailed, what + ": a release in the answer is not an object");
    }
    if (BoolField(item, "draft")) continue;
    Release release;
    release.tag = StringField(item, "tag_name");
    if (Status valid = git::ValidateRefName(release.tag); !valid) {
      spdlog::warn("{}: ignoring a release: {}", what, valid.error().message());
      continue;
    }
    Expected<semver::Version> version =
        semver::Version::Parse(release.tag, semver::ParseMode::kLoose);
    if (!version) continue;  // not a version tag
    release.version = std::move(*version);
    release.name = StringField(item, "name");
    if (release.name.empty()) release.name = release.tag;
    release.notes = StringField(item, "body");
    release.published_at = detail::ParseUtc(StringField(item, "published_at"));
    release.prerelease = BoolField(item, "prerelease") || release.version.IsPrerelease();
    release.html_url = StringField(item, "html_url");
    releases.push_back(std::move(release));
  }
  return {};
}

struct Page {
  std::string body;
  std::string next;  // the next page's URL; empty on the last page
};

// A cached answer: {"etag", "next", "body"}; nullopt when absent or unreadable.
std::optional<std::pair<std::string, Page>> ParseCacheEntry(const std::string& text) {
  const json entry = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!entry.is_object()) return std::nullopt;
  std::string etag = StringField(entry, "etag");
  if (etag.empty() || !entry.contains("body")) return std::nullopt;
  return std::pair{std::move(etag), Page{StringField(entry, "body"), StringField(entry, "next")}};
}

}  // namespace

Expected<std::unique_ptr<GithubReleaseSource>> GithubReleaseSource::Create(
    GithubSourceOptions options, ResponseCache* cache, core::Clock& clock) {
  const std::string_view repo = options.repo;
  const std::size_t slash = repo.find('/');
  const auto valid_part = [](std::string_view part) {
    return !part.empty() && part != "." && part != ".." &&
           std::ranges::all_of(part, [](unsigned char c) {
             return std::isalnum(c) || c == '-' || c == '_' || c == '.';
           });
  };
  if (slash == std::string_view::npos || !valid_part(repo.substr(0, slash)) ||
      !valid_part(repo.substr(slash + 1))) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("GitHub repository \"{}\" is not of the form owner/name", repo));
  }
  while (options.api_url.ends_with('/')) options.api_url.pop_back();
  if (!options.api_url.starts_with("https://") && !options.api_url.starts_with("http://")) {
    return MakeError(ErrorCode::kInvalidArgument, "GitHub API URL \"" +
                                                      core::RedactUrlCredentials(options.api_url) +
                                                      "\" is not an http(s) URL");
  }
  return std::unique_ptr<GithubReleaseSource>(
      new GithubReleaseSource(std::move(options), cache, clock));
}

GithubReleaseSource::GithubReleaseSource(GithubSourceOptions options, ResponseCache* cache,
                                         core::Clock& clock)
    : options_(std::move(options)), cache_(cache), clock_(clock) {}

std::string GithubReleaseSource::Describe() const {
  return "GitHub releases of " + options_.repo;
}

Expected<std::vector<Release>> GithubReleaseSource::List() {
  const std::string context = "listing " + Describe();
  std::vector<Release> releases;
  std::string url = options_.api_url + "/repos/" + options_.repo + "/releases?per_page=100";
  for (std::size_t page = 0; !url.empty(); ++page) {
    if (page == options_.max_pages) {
      spdlog::warn("{}: stopped after {} pages; older releases are not considered", context,
                   options_.max_pages);
      break;
    }
    const std::string what = "GET " + core::RedactUrlCredentials(url);
    std::optional<std::pair<std::string, Page>> cached;
    if (cache_ != nullptr) {
      const std::optional<std::string> entry = TRY(WithContext(cache_->Get(url), context));
      if (entry) cached = ParseCacheEntry(*entry);
    }
    const HttpResponse response = TRY(WithContext(
        HttpGet(options_, url, cached ? std::optional(cached->first) : std::nullopt), context));
    Page current;
    const bool fresh = response.status == 200;
    if (response.status == 304 && cached) {
      current = std::move(cached->second);
    } else if (fresh) {
      current = Page{response.body, NextLink(response.Header("link"))};
    } else {
      return std::unexpected(
          StatusError(response, what, !options_.token.empty(), clock_).WithContext(context));
    }
    TRY(WithContext(AppendReleases(current.body, what, releases), context));
    // Cached only once readable, so a broken answer is not replayed by later 304s.
    if (const std::string etag = response.Header("etag"); fresh && cache_ && !etag.empty()) {
      const json entry = {{"etag", etag}, {"next", current.next}, {"body", current.body}};
      TRY(WithContext(cache_->Put(url, entry.dump()), context));
    }
    if (!current.next.empty() && Origin(current.next) != Origin(options_.api_url)) {
      return MakeError(ErrorCode::kFailed, context + ": " + what +
                                               ": the next-page link leads to another server (" +
                                               core::RedactUrlCredentials(current.next) + ")");
    }
    url = std::move(current.next);
  }

  if (options_.repository != nullptr) {
    const std::vector<git::RemoteTag> tags = TRY(WithContext(
        options_.repository->ListRemoteTags(options_.remote), context + ": resolving tags"));
    std::unordered_map<std::string, std::string> commits;
    for (const git::RemoteTag& tag : tags) commits.emplace(tag.name, tag.commit);
    for (Release& release : releases) {
      if (const auto it = commits.find(release.tag); it != commits.end()) {
        release.commit = it->second;
      }
    }
  }
  SortAndDeduplicate(releases);
  return releases;
}

}  // namespace galaos::release
