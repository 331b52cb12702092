#include "docker/RegistryClient.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <thread>
#include <utility>

#include "core/Text.h"
#include "docker/detail/JsonField.h"
#include "net/Http.h"

namespace galaos::docker {
namespace {

using detail::StringField;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::size_t kMaxBodyBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxMessageBytes = 300;
constexpr std::string_view kManifestAccept =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
// Tokens without "expires_in" last 60 s (the distribution token spec's default).
constexpr std::chrono::seconds kDefaultTokenLifetime{60};

using Request = net::HttpRequest;
using Response = net::HttpResponse;

std::string Describe(const Request& request) {
  return request.method + " " + request.url;
}

// The registry's explanation of a failure: "CODE: message" of each entry of its JSON
// "errors" array (the distribution spec), else the start of the body, printable only.
std::string RegistryMessage(const Response& response) {
  const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  std::string message;
  if (body.is_object() && body.contains("errors") && body["errors"].is_array()) {
    for (const json& error : body["errors"]) {
      if (!error.is_object()) continue;
      const std::string code = StringField(error, "code");
      const std::string text = StringField(error, "message");
      if (!message.empty()) message += "; ";
      message += code.empty() ? text : text.empty() ? code : code + ": " + text;
    }
  }
  if (!message.empty()) return message;
  return net::Snippet(response.body, kMaxMessageBytes);
}

Error StatusError(const Response& response, const Request& request) {
  const std::string message = RegistryMessage(response);
  return Error(net::StatusErrorCode(response.status),
               fmt::format("{}: HTTP {}{}", Describe(request), response.status,
                           message.empty() ? "" : " (" + message + ")"));
}

// One WWW-Authenticate challenge: its scheme (lower case) and parameters (names lower case).
struct Challenge {
  std::string scheme;
  std::map<std::string, std::string, std::less<>> params;

  std::string Param(std::string_view name) const {
    const auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

// `Bearer realm="https://auth/token",service="registry",scope="repository:a:pull"` or
// `Basic realm="x"`: auth-params with quoted strings (backslash escapes) or tokens.
std::optional<Challenge> ParseChallenge(std::string_view header) {
  header = core::Trim(header);
  const std::size_t space = header.find(' ');
  Challenge challenge;
  challenge.scheme = core::AsciiLower(header.substr(0, space));
  if (challenge.scheme.empty()) return std::nullopt;
  std::string_view rest = space == std::string_view::npos ? "" : header.substr(space + 1);
  while (!(rest = core::Trim(rest)).empty()) {
    const std::size_t equals = rest.find('=');
    if (equals == std::string_view::npos) break;
    std::string name = core::AsciiLower(core::Trim(rest.substr(0, equals)));
    rest.remove_prefix(equals + 1);
    rest = core::Trim(rest);
    std::string value;
    if (rest.starts_with('"')) {
      std::size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value += rest[i];
      }
      rest.remove_prefix(std::min(i + 1, rest.size()));
    } else {
      const std::size_t end = rest.find(',');
      value = std::string(core::Trim(rest.substr(0, end)));
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    challenge.params[std::move(name)] = std::move(value);
    rest = core::Trim(rest);
    if (rest.starts_with(',')) rest.remove_prefix(1);
  }
  return challenge;
}

std::optional<long long> Number(std::string_view text) {
  long long number = 0;
  text = core::Trim(text);
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return number;
}

std::string Sha256Digest(std::string_view bytes) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> hash{};
  crypto_hash_sha256(hash.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  std::string hex = "sha256:";
  for (const unsigned char byte : hash) hex += fmt::format("{:02x}", byte);
  return hex;
}

// The rel="next" target of a Link header, or "".
std::string NextLink(std::string_view link) {
  const std::size_t open = link.find('<');
  const std::size_t close = link.find('>', open);
  if (open == std::string_view::npos || close == std::string_view::npos) return {};
  if (link.substr(close).find("rel=\"next\"") == std::string_view::npos &&
      link.substr(close).find("rel=next") == std::string_view::npos) {
    return {};
  }
  return std::string(link.substr(open + 1, close - open - 1));
}

struct Token {
  std::string value;
  std::chrono::steady_clock::time_point expires;
};

}  // namespace

struct RegistryClient::Impl {
  Impl(RegistryOptions options_in, core::Clock& clock_in)
      : options(std::move(options_in)),
        clock(clock_in),
        // Each ManifestDigests thread may hold a registry and a token server connection.
        pool(std::max<std::size_t>(2 * options.max_parallel,
                                   net::ConnectionPool::kDefaultMaxConnections)) {}

  RegistryOptions options;
  core::Clock& clock;
  net::ConnectionPool pool;

  std::mutex mutex;                                             // guards the two maps below
  std::map<std::string, Challenge, std::less<>> challenges;     // by registry: how it wants auth
  std::map<std::pair<std::string, std::string>, Token> tokens;  // by registry and scope

  // One thread's requests, their connections kept in the client's pool.
  class Session {
   public:
    explicit Session(Impl& impl) : impl_(impl), http_(&impl.pool) {}

    Expected<Response> Perform(Request request) {
      request.connect_timeout = impl_.options.connect_timeout;
      request.timeout = impl_.options.timeout;
      request.max_body = kMaxBodyBytes;
      request.stop = impl_.options.cancel;
      return http_.Perform(request);
    }

   private:
    Impl& impl_;
    net::HttpSession http_;
  };

  // "http://host:port" for loopback and insecure registries, "https://host" otherwise.
  std::string BaseUrl(const std::string& registry) const {
    const std::string host = registry.starts_with('[') ? registry.substr(0, registry.find(']') + 1)
                                                       : registry.substr(0, registry.find(':'));
    const bool plain =
        host == "localhost" || host.starts_with("127.") || host == "[::1]" ||
        std::ranges::find(options.insecure_registries, registry) !=
            options.insecure_registries.end() ||
        std::ranges::find(options.insecure_registries, host) != options.insecure_registries.end();
    return (plain ? "http://" : "https://") + registry;
  }

  // Why a registry refused us, for a 401 that our answer to its challenge did not cure.
  static std::string LoginHint(const RegistryCredential& credential, const std::string& domain) {
    if (credential.HasSecret()) return "the credentials from the Docker config file were rejected";
    if (!credential.helper.empty()) {
      return fmt::format(
          "its login is kept by the credential helper {}, which galaos-updater does not run; add "
          "an \"auths\" entry for {} to the file docker.registry_auth names",
          credential.helper, domain);
    }
    return fmt::format("no credentials for {} in the Docker config file (docker.registry_auth)",
                       domain);
  }

  Expected<Token> FetchToken(Session& session, const Challenge& challenge, const std::string& scope,
                             const RegistryCredential& credential) {
    const std::string realm = challenge.Param("realm");
    if (!realm.starts_with("https://") && !realm.starts_with("http://")) {
      return MakeError(
          ErrorCode::kFailed,
          fmt::format("the Bearer challenge's realm \"{}\" is not an http(s) URL", realm));
    }
    Request request;
    const std::string service = net::UrlEscape(challenge.Param("service"));
    const std::string escaped_scope = net::UrlEscape(scope);
    if (!credential.identity_token.empty()) {  // OAuth2 refresh token
      request.method = "POST";
      request.url = realm;
      request.headers.push_back("Content-Type: application/x-www-form-urlencoded");
      request.body = fmt::format(
          "grant_type=refresh_token&client_id=galaos-updater&service={}&scope={}&refresh_token={}",
          service, escaped_scope, net::UrlEscape(credential.identity_token));
    } else {
      request.url =
          fmt::format("{}{}service={}&scope={}", realm,
                      realm.find('?') == std::string::npos ? "?" : "&", service, escaped_scope);
      request.username = credential.username;
      request.password = credential.password;
    }
    const Response response = TRY(session.Perform(request));
    if (response.status != 200) {
      return std::unexpected(StatusError(response, request).WithContext("token server"));
    }
    const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    Token token{StringField(body, "token"), {}};
    if (token.value.empty()) token.value = StringField(body, "access_token");
    if (token.value.empty()) {
      return MakeError(
          ErrorCode::kFailed,
          fmt::format("token server: {}: the answer holds no token", Describe(request)));
    }
    std::chrono::seconds lifetime = kDefaultTokenLifetime;
    if (const auto it = body.find("expires_in"); it != body.end() && it->is_number_integer()) {
      lifetime = std::chrono::seconds(std::max<long long>(it->get<long long>(), 0));
    }
    token.expires = clock.SteadyNow() + lifetime;
    return token;
  }

  // How to authenticate a request to `registry` about `scope`, from what the registry asked
  // for before: nothing until it has asked.
  struct Auth {
    std::string bearer;  // a token
    bool basic = false;  // send the username and password
  };
  Expected<Auth> Authorization(Session& session, const std::string& registry,
                               const std::string& scope, const RegistryCredential& credential) {
    std::optional<Challenge> challenge;
    {
      const std::lock_guard lock(mutex);
      if (const auto it = tokens.find({registry, scope});
          it != tokens.end() && clock.SteadyNow() < it->second.expires) {
        return Auth{it->second.value};
      }
      if (const auto it = challenges.find(registry); it != challenges.end()) {
        challenge = it->second;
      }
    }
    if (!challenge) return Auth{};
    if (challenge->scheme == "bearer") {
      Token token = TRY(FetchToken(session, *challenge, scope, credential));
      Auth auth{token.value};
      const std::lock_guard lock(mutex);
      tokens[{registry, scope}] = std::move(token);
      return auth;
    }
    if (challenge->scheme == "basic") {
      if (credential.username.empty()) {
        return MakeError(ErrorCode::kUnauthorized,
                         "the registry requires a login; " + LoginHint(credential, registry));
      }
      return Auth{.bearer = {}, .basic = true};
    }
    return MakeError(ErrorCode::kUnauthorized,
                     fmt::format("the registry asks for \"{}\" authentication, which is not "
                                 "supported (Bearer and Basic are)",
                                 challenge->scheme));
  }

  // Sends a request to the registry API of `reference`'s repository: answers its auth
  // challenge once, and retries 429 and 503 with backoff. Other statuses are the caller's.
  Expected<Response> Call(Session& session, const ImageReference& reference, Request request) {
    const std::string registry = reference.Registry();
    const std::string scope = "repository:" + reference.path + ":pull";
    const RegistryCredential credential = options.credentials.Lookup(reference.domain);
    const std::size_t fixed_headers = request.headers.size();
    bool challenged = false;
    for (int attempt = 1;; ++attempt) {
      request.headers.resize(fixed_headers);
      request.username.clear();
      request.password.clear();
      const Auth auth = TRY(Authorization(session, registry, scope, credential));
      if (!auth.bearer.empty()) request.headers.push_back("Authorization: Bearer " + auth.bearer);
      if (auth.basic) {
        request.username = credential.username;
        request.password = credential.password;
      }
      const Response response = TRY(session.Perform(request));
      if (response.status == 401) {
        const std::optional<Challenge> challenge =
            ParseChallenge(response.Header("www-authenticate"));
        if (challenged || !challenge) {
          return MakeError(
              ErrorCode::kUnauthorized,
              fmt::format(
                  "{}: HTTP 401{}; {}", Describe(request),
                  RegistryMessage(response).empty() ? "" : " (" + RegistryMessage(response) + ")",
                  LoginHint(credential, reference.domain)));
        }
        challenged = true;
        const std::lock_guard lock(mutex);
        challenges[registry] = *challenge;
        tokens.erase({registry, scope});
        --attempt;  // answering a challenge is not a retry
        continue;
      }
      if ((response.status == 429 || response.status == 503) && attempt < options.max_attempts) {
        milliseconds wait = options.first_backoff * (1LL << std::min(attempt - 1, 20));
        if (const auto seconds = Number(response.Header("retry-after"))) {
          wait = std::chrono::seconds(std::max(*seconds, 0LL));
          if (wait > options.max_backoff) {
            return std::unexpected(
                StatusError(response, request)
                    .WithContext(fmt::format(
                        "the registry asks to retry after {} s, longer than the {} ms allowed",
                        *seconds, options.max_backoff.count())));
          }
        }
        std::mutex waiting;
        std::unique_lock lock(waiting);
        std::condition_variable_any().wait_for(
            lock, options.cancel, std::min(wait, options.max_backoff), [] { return false; });
        if (options.cancel.stop_requested()) {
          return MakeError(ErrorCode::kCancelled, Describe(request) + ": cancelled");
        }
        continue;
      }
      return response;
    }
  }

  Expected<std::string> Digest(Session& session, const ImageReference& reference) {
    const std::string manifest = reference.tag.empty() ? reference.digest : reference.tag;
    Request request;
    request.method = "HEAD";
    request.url = fmt::format("{}/v2/{}/manifests/{}", BaseUrl(reference.Registry()),
                              reference.path, manifest);
    request.headers.emplace_back(kManifestAccept);
    const Response head = TRY(Call(session, reference, request));
    if (head.status == 200) {
      if (std::string digest = head.Header("docker-content-digest"); !digest.empty()) {
        return digest;
      }
    }
    // Still refusing after the retries: asking again with a GET would only wait as long again.
    if (head.status == 429 || head.status == 503)
      return std::unexpected(StatusError(head, request));
    // No digest, or a failure whose explanation only a body carries: the same as a GET.
    request.method = "GET";
    const Response get = TRY(Call(session, reference, request));
    if (get.status != 200) return std::unexpected(StatusError(get, request));
    if (std::string digest = get.Header("docker-content-digest"); !digest.empty()) return digest;
    return Sha256Digest(get.body);
  }

  Expected<std::vector<std::string>> ListTags(Session& session, const ImageReference& reference) {
    const std::string base = BaseUrl(reference.Registry());
    std::string url = fmt::format("{}/v2/{}/tags/list?n=1000", base, reference.path);
    std::vector<std::string> tags;
    for (std::size_t page = 0; !url.empty(); ++page) {
      if (page == options.max_tag_pages) {
        return MakeError(ErrorCode::kFailed,
                         fmt::format("more than {} pages of tags", options.max_tag_pages));
      }
      Request request;
      request.url = url;
      const Response response = TRY(Call(session, reference, request));
      if (response.status != 200) return std::unexpected(StatusError(response, request));
      const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
      const auto list = body.is_object() ? body.find("tags") : body.end();
      if (list == body.end() || !(list->is_array() || list->is_null())) {
        return MakeError(ErrorCode::kFailed,
                         fmt::format("{}: the answer is not a tag list", Describe(request)));
      }
      for (const json& tag : *list) {
        if (tag.is_string()) tags.push_back(tag.get<std::string>());
      }
      url = NextLink(response.Header("link"));
      if (url.starts_with('/')) {
        url = base + url;
      } else if (!url.empty() && !url.starts_with(base + "/")) {
        return MakeError(
            ErrorCode::kFailed,
            fmt::format("{}: the next page is on another server ({})", Describe(request), url));
      }
    }
    return tags;
  }
};

Expected<RegistryOptions> RegistryOptionsFrom(const config::DockerConfig& docker,
                                              const config::Environment& environment) {
  RegistryOptions options;
  options.credentials = TRY(RegistryCredentials::Load(
      RegistryCredentials::DefaultPath(docker.registry_auth, environment)));
  return options;
}

RegistryClient::RegistryClient(RegistryOptions options, core::Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {}

RegistryClient::~RegistryClient() = default;

Expected<std::string> RegistryClient::ManifestDigest(const ImageReference& reference) {
  return ManifestDigests({reference}).front();
}

std::vector<Expected<std::string>> RegistryClient::ManifestDigests(
    const std::vector<ImageReference>& references) {
  std::vector<Expected<std::string>> results(references.size());
  if (references.empty()) return results;
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    Impl::Session session(*impl_);
    for (std::size_t i = next++; i < references.size(); i = next++) {
      const ImageReference& reference = references[i];
      results[i] = WithContext(
          impl_->Digest(session, reference),
          fmt::format("registry {}: manifest of {}", reference.Registry(), reference.ToString()));
    }
  };
  {
    std::vector<std::jthread> workers;
    const std::size_t count =
        std::min(std::max<std::size_t>(impl_->options.max_parallel, 1), references.size());
    for (std::size_t i = 1; i < count; ++i) workers.emplace_back(work);
    work();
  }
  return results;
}

Expected<std::vector<std::string>> RegistryClient::Tags(const ImageReference& repository) {
  const std::string context =
      fmt::format("registry {}: tags of {}", repository.Registry(), repository.Name());
  Impl::Session session(*impl_);
  return WithContext(impl_->ListTags(session, repository), context);
}

}  // namespace galaos::docker
