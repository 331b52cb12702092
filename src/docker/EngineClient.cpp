#include "docker/EngineClient.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <optional>
#include <vector>

#include "net/Http.h"

namespace galaos::docker {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxBody = 64 << 20;       // a buffered response (inspect, info, lists)
constexpr std::size_t kMaxLine = 1 << 20;        // one line of a streaming response
constexpr std::size_t kMaxErrorBody = 64 << 10;  // an error body kept for its message

// The engine's {"message": "..."} error body, else the raw body.
Error EngineError(long status, std::string_view body) {
  std::string message;
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()) {
    message = parsed["message"].get<std::string>();
  } else {
    message = std::string(body.substr(0, 200));
    while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back())))
      message.pop_back();
  }
  if (message.empty()) message = "no message";
  return Error(net::StatusErrorCode(status),
               "docker engine: " + message + " (HTTP " + std::to_string(status) + ")");
}

std::string UnixSeconds(std::chrono::system_clock::time_point time) {
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  const auto seconds = nanos / 1'000'000'000;
  std::string fraction = std::to_string(nanos % 1'000'000'000);
  fraction.insert(0, 9 - fraction.size(), '0');
  return std::to_string(seconds) + "." + fraction;
}

std::string StringOr(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "name", "name:tag", "host:port/name:tag" or "name@sha256:..." -> fromImage and tag values.
// An untagged name means :latest (the engine would otherwise pull every tag).
std::pair<std::string, std::string> SplitPullReference(std::string_view image) {
  if (image.find('@') != std::string_view::npos) return {std::string(image), ""};
  const auto slash = image.rfind('/');
  const auto colon = image.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    return {std::string(image.substr(0, colon)), std::string(image.substr(colon + 1))};
  }
  return {std::string(image), "latest"};
}

}  // namespace

struct EngineClient::Request {
  std::string method = "GET";
  std::string path{};  // with its query, without the version prefix
  std::optional<json> body{};
  std::string registry_auth{};           // X-Registry-Auth
  std::vector<long> also_ok{};           // statuses >= 300 that are not errors (304)
  std::chrono::milliseconds timeout{0};  // 0: options_.request_timeout
  // Set for streaming endpoints: called per line, false stops reading (not an error).
  std::function<bool(std::string_view line)> on_line{};
};

struct EngineClient::Response {
  long status = 0;
  std::string body{};  // empty for streamed responses
};

namespace {

// Splits a streamed body into lines for Request::on_line.
struct LineSplitter {
  std::function<bool(std::string_view)> on_line{};
  std::string line{};     // partial line
  bool overflow = false;  // a line exceeded its cap

  bool Deliver(std::string_view text) {
    while (!text.empty()) {
      const auto newline = text.find('\n');
      line.append(text.substr(0, newline));
      if (newline == std::string_view::npos) {
        if (line.size() > kMaxLine) {
          overflow = true;
          return false;
        }
        return true;
      }
      text.remove_prefix(newline + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty() && !on_line(line)) return false;
      line.clear();
    }
    return true;
  }
};

}  // namespace

int CompareApiVersions(std::string_view a, std::string_view b) {
  const auto next = [](std::string_view& text) {
    const auto dot = text.find('.');
    const std::string_view part = text.substr(0, dot);
    text = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
    int value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    return ec == std::errc() && end == part.data() + part.size() ? value : 0;
  };
  while (!a.empty() || !b.empty()) {
    const int x = next(a);
    const int y = next(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

Expected<std::unique_ptr<EngineClient>> EngineClient::Connect(std::string_view host,
                                                              EngineClientOptions options) {
  DockerHost parsed = TRY(ParseDockerHost(host));
  std::unique_ptr<EngineClient> client(new EngineClient(std::move(parsed), options));
  const EngineVersion version = TRY(client->Version());
  if (version.api_version.empty() ||
      CompareApiVersions(version.api_version, kOldestApiVersion) < 0) {
    return MakeError(ErrorCode::kUnavailable, "Docker Engine at " + client->host_.text +
                                                  " speaks API " + version.api_version +
                                                  ", older than the oldest supported, " +
                                                  std::string(kOldestApiVersion));
  }
  client->api_version_ = CompareApiVersions(version.api_version, kNewestApiVersion) < 0
                             ? version.api_version
                             : std::string(kNewestApiVersion);
  return client;
}

Expected<EngineClient::Response> EngineClient::Send(const Request& request) const {
  const std::string prefix = api_version_.empty() ? "" : "/v" + api_version_;
  const auto timeout = request.timeout.count() > 0 ? request.timeout : options_.request_timeout;
  net::HttpRequest http{
      .method = request.method,
      .url = host_.base_url + prefix + request.path,
      .headers = {"Expect:"},
      .what = "Docker Engine at " + host_.text + ": " + request.method + " " + request.path,
      .protocols = "http",
      .unix_socket = host_.unix_socket,
      .use_proxy = false,  // the engine is never reached through a proxy
      .connect_timeout = options_.connect_timeout,
      .timeout = timeout,
      .max_body = request.on_line ? kMaxErrorBody : kMaxBody};
  if (request.body) {
    http.body = request.body->dump();
    http.headers.emplace_back("Content-Type: application/json");
  } else if (request.method == "POST") {
    http.body = "";
  }
  if (!request.registry_auth.empty()) {
    http.headers.push_back("X-Registry-Auth: " + request.registry_auth);
  }
  LineSplitter lines{.on_line = request.on_line};
  if (request.on_line) {
    http.on_body = [&lines](std::string_view chunk) { return lines.Deliver(chunk); };
  }

  net::HttpResponse answer = TRY(net::Perform(http));
  if (lines.overflow) {
    return MakeError(ErrorCode::kFailed, http.what + ": a line of the answer is too long");
  }
  Response response{.status = answer.status, .body = std::move(answer.body)};
  if (response.status >= 300 &&
      std::ranges::find(request.also_ok, response.status) == request.also_ok.end()) {
    return std::unexpected(EngineError(response.status, response.body));
  }
  if (request.on_line && !answer.stopped && !lines.line.empty()) {
    request.on_line(lines.line);  // a last line without '\n'
  }
  return response;
}

Expected<json> EngineClient::SendJson(const Request& request) const {
  const Response response = TRY(Send(request));
  json parsed = json::parse(response.body, nullptr, false);
  if (parsed.is_discarded()) {
    return MakeError(ErrorCode::kFailed, "Docker Engine at " + host_.text + ": " + request.path +
                                             " answered with invalid JSON");
  }
  return parsed;
}

Expected<EngineVersion> EngineClient::Version() {
  const json body = TRY(SendJson({.path = "/version"}));
  return EngineVersion{.version = StringOr(body, "Version"),
                       .api_version = StringOr(body, "ApiVersion"),
                       .min_api_version = StringOr(body, "MinAPIVersion"),
                       .os = StringOr(body, "Os"),
                       .arch = StringOr(body, "Arch")};
}

Expected<json> EngineClient::Info() {
  return SendJson({.path = "/info"});
}

Expected<std::vector<ContainerSummary>> EngineClient::ListContainers() {
  const json body = TRY(SendJson({.path = "/containers/json?all=1"}));
  if (!body.is_array()) {
    return MakeError(ErrorCode::kFailed,
                     "Docker Engine at " + host_.text + ": /containers/json is not an array");
  }
  std::vector<ContainerSummary> containers;
  for (const json& item : body) {
    ContainerSummary summary{
        .id = StringOr(item, "Id"),
        .image = StringOr(item, "Image"),
        .image_id = StringOr(item, "ImageID"),
        .state = StringOr(item, "State"),
        .status = StringOr(item, "Status"),
    };
    if (const auto created = item.find("Created");
        created != item.end() && created->is_number_integer()) {
      summary.created = created->get<std::int64_t>();
    }
    if (const auto names = item.find("Names");
        names != item.end() && names->is_array() && !names->empty() && names->front().is_string()) {
      summary.name = names->front().get<std::string>();
      if (summary.name.starts_with('/')) summary.name.erase(0, 1);
    }
    if (const auto labels = item.find("Labels"); labels != item.end() && labels->is_object()) {
      for (const auto& [key, value] : labels->items()) {
        if (value.is_string()) summary.labels[key] = value.get<std::string>();
      }
    }
    if (const auto host_config = item.find("HostConfig"); host_config != item.end()) {
      summary.network_mode = StringOr(*host_config, "NetworkMode");
    }
    containers.push_back(std::move(summary));
  }
  return containers;
}

Expected<json> EngineClient::InspectContainer(std::string_view container) {
  return SendJson({.path = "/containers/" + net::UrlEscape(container) + "/json"});
}

Expected<json> EngineClient::InspectImage(std::string_view image) {
  return SendJson({.path = "/images/" + net::UrlEscape(image) + "/json"});
}

Expected<std::string> EngineClient::CreateContainer(std::string_view name, const json& body) {
  const json created = TRY(SendJson(
      {.method = "POST", .path = "/containers/create?name=" + net::UrlEscape(name), .body = body}));
  std::string id = StringOr(created, "Id");
  if (id.empty()) {
    return MakeError(ErrorCode::kFailed,
                     "Docker Engine at " + host_.text + ": create answered without an Id");
  }
  return id;
}

Status EngineClient::StartContainer(std::string_view container) {
  TRY(Send({.method = "POST",
            .path = "/containers/" + net::UrlEscape(container) + "/start",
            .also_ok = {304}}));
  return {};
}

Status EngineClient::StopContainer(std::string_view container, std::chrono::seconds grace) {
  TRY(Send({.method = "POST",
            .path = "/containers/" + net::UrlEscape(container) +
                    "/stop?t=" + std::to_string(grace.count()),
            .also_ok = {304},
            .timeout = options_.request_timeout + grace}));
  return {};
}

Status EngineClient::RestartContainer(std::string_view container, std::chrono::seconds grace) {
  TRY(Send({.method = "POST",
            .path = "/containers/" + net::UrlEscape(container) +
                    "/restart?t=" + std::to_string(grace.count()),
            .timeout = options_.request_timeout + grace}));
  return {};
}

Status EngineClient::RenameContainer(std::string_view container, std::string_view new_name) {
  TRY(Send({.method = "POST",
            .path = "/containers/" + net::UrlEscape(container) +
                    "/rename?name=" + net::UrlEscape(new_name)}));
  return {};
}

Status EngineClient::RemoveContainer(std::string_view container, bool force) {
  TRY(Send(
      {.method = "DELETE",
       .path = "/containers/" + net::UrlEscape(container) + "?v=0&force=" + (force ? "1" : "0")}));
  return {};
}

Status EngineClient::UpdateRestartPolicy(std::string_view container, const json& policy) {
  TRY(Send({.method = "POST",
            .path = "/containers/" + net::UrlEscape(container) + "/update",
            .body = json{{"RestartPolicy", policy}}}));
  return {};
}

Status EngineClient::ConnectNetwork(std::string_view network, std::string_view container,
                                    const json& endpoint) {
  TRY(Send({.method = "POST",
            .path = "/networks/" + net::UrlEscape(network) + "/connect",
            .body = json{{"Container", container}, {"EndpointConfig", endpoint}}}));
  return {};
}

Status EngineClient::DisconnectNetwork(std::string_view network, std::string_view container) {
  TRY(Send({.method = "POST",
            .path = "/networks/" + net::UrlEscape(network) + "/disconnect",
            .body = json{{"Container", container}}}));
  return {};
}

Expected<std::vector<ImageSummary>> EngineClient::ListImages(std::string_view reference) {
  std::string path = "/images/json";
  if (!reference.empty()) {
    path += "?filters=" + net::UrlEscape(json{{"reference", {reference}}}.dump());
  }
  const json body = TRY(SendJson({.path = path}));
  if (!body.is_array()) {
    return MakeError(ErrorCode::kFailed,
                     "Docker Engine at " + host_.text + ": /images/json is not an array");
  }
  const auto strings = [](const json& item, const char* key) {
    std::vector<std::string> out;
    if (const auto it = item.find(key); it != item.end() && it->is_array()) {
      for (const json& value : *it) {
        if (value.is_string()) out.push_back(value.get<std::string>());
      }
    }
    return out;
  };
  std::vector<ImageSummary> images;
  for (const json& item : body) {
    ImageSummary image{.id = StringOr(item, "Id"),
                       .repo_tags = strings(item, "RepoTags"),
                       .repo_digests = strings(item, "RepoDigests")};
    if (const auto size = item.find("Size"); size != item.end() && size->is_number_integer()) {
      image.size = size->get<std::int64_t>();
    }
    images.push_back(std::move(image));
  }
  return images;
}

Status EngineClient::RemoveImage(std::string_view image) {
  TRY(Send(
      {.method = "DELETE", .path = "/images/" + net::UrlEscape(image) + "?force=0&noprune=0"}));
  return {};
}

Status EngineClient::TagImage(std::string_view image, std::string_view repository,
                              std::string_view tag) {
  TRY(Send({.method = "POST",
            .path = "/images/" + net::UrlEscape(image) + "/tag?repo=" + net::UrlEscape(repository) +
                    "&tag=" + net::UrlEscape(tag)}));
  return {};
}

Status EngineClient::PullImage(std::string_view image, std::string_view registry_auth,
                               const ProgressCallback& on_progress) {
  const auto [from_image, tag] = SplitPullReference(image);
  std::string path = "/images/create?fromImage=" + net::UrlEscape(from_image);
  if (!tag.empty()) path += "&tag=" + net::UrlEscape(tag);
  std::optional<Error> failure;
  const auto on_line = [&](std::string_view line) {
    const json progress = json::parse(line, nullptr, false);
    if (progress.is_discarded()) return true;  // not JSON: not ours to judge
    if (progress.contains("error")) {
      const json& detail = progress.value("errorDetail", json::object());
      std::string message = StringOr(detail, "message");
      if (message.empty()) message = progress["error"].dump();
      failure =
          Error(ErrorCode::kFailed, "docker engine: pull " + std::string(image) + ": " + message);
      return false;
    }
    return !on_progress || on_progress(progress);
  };
  TRY(Send({.method = "POST",
            .path = path,
            .registry_auth = std::string(registry_auth),
            .timeout = options_.pull_timeout,
            .on_line = on_line}));
  if (failure) return std::unexpected(*failure);
  return {};
}

Status EngineClient::WatchContainerEvents(std::string_view container,
                                          std::chrono::system_clock::time_point since,
                                          std::chrono::system_clock::time_point until,
                                          const EventCallback& on_event) {
  const json filters = {{"type", {"container"}}, {"container", {container}}};
  const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::system_clock::now());
  const auto on_line = [&](std::string_view line) {
    const json event = json::parse(line, nullptr, false);
    if (!event.is_object()) return true;
    ContainerEvent parsed{.action = StringOr(event, "Action")};
    if (const auto actor = event.find("Actor"); actor != event.end() && actor->is_object()) {
      parsed.id = StringOr(*actor, "ID");
      if (const auto attributes = actor->find("Attributes");
          attributes != actor->end() && attributes->is_object()) {
        for (const auto& [key, value] : attributes->items()) {
          if (value.is_string()) parsed.attributes[key] = value.get<std::string>();
        }
      }
    }
    return on_event(parsed);
  };
  TRY(Send({.path = "/events?since=" + UnixSeconds(since) + "&until=" + UnixSeconds(until) +
                    "&filters=" + net::UrlEscape(filters.dump()),
            .timeout = std::max(remaining, std::chrono::milliseconds(0)) + options_.request_timeout,
            .on_line = on_line}));
  return {};
}

}  // namespace galaos::docker
