#include "docker/ComposeFile.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/AtomicFile.h"
#include "docker/detail/StableTopologicalOrder.h"

namespace galaos::docker {
namespace {

// Errors of one file, "<source>:<line>: <message>".
class Reporter {
 public:
  explicit Reporter(std::string_view source) : source_(source) {}

  std::unexpected<Error> At(int line, const std::string& message) const {
    return MakeError(ErrorCode::kInvalidArgument,
                     source_ + ":" + std::to_string(line) + ": " + message);
  }
  std::unexpected<Error> At(const YAML::Node& node, const std::string& message) const {
    return At(Line(node), message);
  }
  static int Line(const YAML::Node& node) { return node.Mark().line + 1; }

 private:
  std::string source_;
};

Expected<std::string> Scalar(const Reporter& report, const YAML::Node& node,
                             const std::string& what) {
  if (!node.IsScalar()) return report.At(node, what + " must be a string");
  return node.Scalar();
}

// The service names of a depends_on value: a list of names, or a map keyed by them.
Expected<std::vector<std::string>> DependsOn(const Reporter& report, const YAML::Node& node,
                                             const std::string& service) {
  const std::string what = "depends_on of service " + service;
  std::vector<std::string> names;
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) names.push_back(TRY(Scalar(report, item, what + " item")));
  } else if (node.IsMap()) {
    for (const auto& item : node) names.push_back(TRY(Scalar(report, item.first, what + " key")));
  } else {
    return report.At(node, what + " must be a list or a mapping");
  }
  return names;
}

// The linked services: "db" or "db:alias".
Expected<std::vector<std::string>> Links(const Reporter& report, const YAML::Node& node,
                                         const std::string& service) {
  const std::string what = "links of service " + service;
  if (!node.IsSequence()) return report.At(node, what + " must be a list");
  std::vector<std::string> names;
  for (const YAML::Node& item : node) {
    const std::string link = TRY(Scalar(report, item, what + " item"));
    names.push_back(link.substr(0, link.find(':')));
  }
  return names;
}

// A service as written, with the services it names (dependencies checked later).
Expected<ComposeService> ParseService(const Reporter& report, const std::string& name,
                                      const YAML::Node& node, int line) {
  if (!node.IsMap()) return report.At(line, "service " + name + " must be a mapping");
  ComposeService service;
  service.name = name;
  service.line = line;
  const YAML::Node image = node["image"];
  if (!image) {
    return report.At(
        line, "service " + name + " has no image (services built from source are not supported)");
  }
  service.image = TRY(Scalar(report, image, "image of service " + name));
  if (service.image.empty()) return report.At(image, "service " + name + " has an empty image");
  if (const YAML::Node value = node["container_name"]) {
    service.container_name = TRY(Scalar(report, value, "container_name of service " + name));
  }
  if (const YAML::Node value = node["network_mode"]) {
    service.network_mode = TRY(Scalar(report, value, "network_mode of service " + name));
  }
  if (const YAML::Node value = node["depends_on"]) {
    service.dependencies = TRY(DependsOn(report, value, name));
  }
  if (const YAML::Node value = node["links"]) {
    for (std::string& link : TRY(Links(report, value, name))) {
      service.dependencies.push_back(std::move(link));
    }
  }
  if (service.network_mode.starts_with("service:")) {
    service.dependencies.push_back(service.network_mode.substr(8));
  }
  return service;
}

// The node holding the services: `services:`, or the top level of a version-1 file.
Expected<YAML::Node> ServicesNode(const Reporter& report, const YAML::Node& root) {
  if (const YAML::Node version = root["version"]) {
    const std::string text = TRY(Scalar(report, version, "version"));
    if (!text.starts_with('2') && !text.starts_with('3')) {
      return report.At(version, "unsupported compose file version \"" + text +
                                    "\" (supported: 2.x, 3.x, or none)");
    }
  }
  if (const YAML::Node services = root["services"]) {
    if (!services.IsMap()) return report.At(services, "services must be a mapping");
    return services;
  }
  if (root["version"]) return report.At(root, "the file defines no services");
  return root;
}

}  // namespace

std::string NormalizeComposeProjectName(std::string_view name) {
  std::string normalized;
  for (const char c : name) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') || lower == '_' ||
        lower == '-') {
      normalized += lower;
    }
  }
  return normalized;
}

Expected<ComposeFile> ComposeFile::Load(const std::filesystem::path& file,
                                        std::string_view project_name) {
  const std::string text = TRY(core::ReadFile(file));
  const std::filesystem::path directory = std::filesystem::absolute(file).parent_path();
  return Parse(text, file.string(), directory.filename().string(), project_name);
}

Expected<ComposeFile> ComposeFile::Parse(std::string_view text, std::string_view source,
                                         std::string_view directory_name,
                                         std::string_view project_name) {
  const Reporter report(source);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    return report.At(error.mark.line + 1, "invalid YAML: " + error.msg);
  }
  if (!root.IsMap()) return report.At(1, "a compose file must be a mapping");

  // In a version-1 file, a top-level `name:` would be a service.
  const bool version_1 = !root["services"];
  ComposeFile compose;
  std::string project(project_name);
  if (project.empty() && !version_1) {
    if (const YAML::Node value = root["name"]) project = TRY(Scalar(report, value, "name"));
  }
  if (project.empty()) project = directory_name;
  compose.project_ = NormalizeComposeProjectName(project);
  if (compose.project_.empty()) {
    return report.At(1, "project name \"" + project + "\" has no character of [a-z0-9_-]");
  }

  const YAML::Node services = TRY(ServicesNode(report, root));
  std::vector<ComposeService> parsed;
  for (const auto& entry : services) {
    const std::string name = TRY(Scalar(report, entry.first, "a service name"));
    if (name.starts_with("x-")) continue;
    parsed.push_back(TRY(ParseService(report, name, entry.second, Reporter::Line(entry.first))));
  }
  if (parsed.empty()) return report.At(version_1 ? 1 : Reporter::Line(services), "no services");

  // Resolve every named dependency to an index; container: network modes count when they
  // name another service's container.
  const auto find = [&](std::string_view service) {
    return std::ranges::find(parsed, service, &ComposeService::name) - parsed.begin();
  };
  std::vector<std::set<std::size_t>> depends_on(parsed.size());
  std::vector<std::string> names;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    ComposeService& service = parsed[i];
    names.push_back(service.name);
    if (service.network_mode.starts_with("container:")) {
      const std::string_view container = std::string_view(service.network_mode).substr(10);
      for (std::size_t j = 0; j < parsed.size(); ++j) {
        if (j != i && compose.ContainerName(parsed[j]) == container) {
          service.dependencies.push_back(parsed[j].name);
        }
      }
    }
    std::vector<std::string> unique;
    for (const std::string& dependency : service.dependencies) {
      if (std::ranges::find(unique, dependency) != unique.end()) continue;
      const std::size_t j = static_cast<std::size_t>(find(dependency));
      if (j == parsed.size()) {
        return report.At(service.line, "service " + service.name + " depends on " + dependency +
                                           ", which the file does not define");
      }
      if (j == i) return report.At(service.line, "service " + service.name + " depends on itself");
      depends_on[i].insert(j);
      unique.push_back(dependency);
    }
    service.dependencies = std::move(unique);
  }
  const std::vector<std::size_t> order =
      TRY(WithContext(detail::StableTopologicalOrder(depends_on, names, "services"), source));
  for (const std::size_t i : order) compose.services_.push_back(std::move(parsed[i]));
  return compose;
}

std::string ComposeFile::ContainerName(const ComposeService& service) const {
  if (!service.container_name.empty()) return service.container_name;
  const std::size_t start = project_.find_first_not_of("-_");
  return (start == std::string::npos ? std::string() : project_.substr(start)) + "_" +
         service.name + "_1";
}

std::vector<std::string> ComposeFile::ContainerNames() const {
  std::vector<std::string> names;
  for (const ComposeService& service : services_) names.push_back(ContainerName(service));
  return names;
}

}  // namespace galaos::docker
