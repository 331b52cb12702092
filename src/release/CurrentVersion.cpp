#include "release/CurrentVersion.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/AtomicFile.h"
#include "git/Repository.h"

namespace galaos::release {
namespace {

Expected<semver::Version> FromPackageJsonFile(const std::filesystem::path& app_root) {
  const std::filesystem::path path = app_root / "package.json";
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return MakeError(ErrorCode::kNotFound,
                     path.string() + ": no package.json to read the current version from");
  }
  const std::string text = TRY(WithContext(core::ReadFile(path), "reading the current version"));
  return VersionFromPackageJson(text, path.string());
}

Expected<semver::Version> FromGitDescribe(const std::filesystem::path& app_root) {
  const std::string context = "git describe --tags in " + app_root.string();
  const git::Repository repository = TRY(WithContext(git::Repository::Open(app_root), context));
  const git::Description description = TRY(WithContext(repository.DescribeTags("HEAD"), context));
  Expected<semver::Version> version =
      semver::Version::Parse(description.tag, semver::ParseMode::kLoose);
  if (!version) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}: the nearest tag \"{}\" is not a version: {}", context,
                                 description.tag, version.error().message()));
  }
  if (description.distance == 0 || !version->build().empty()) return std::move(*version);
  return WithContext(
      semver::Version::Parse(fmt::format("{}+{}.g{}", version->ToString(), description.distance,
                                         description.abbreviated_id)),
      context);
}

}  // namespace

Expected<semver::Version> VersionFromPackageJson(std::string_view text, std::string_view origin) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ...".
    std::string_view message = e.what();
    if (const std::size_t end = message.find("] ");
        message.starts_with("[json.") && end != std::string_view::npos) {
      message.remove_prefix(end + 2);
    }
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}: malformed JSON: {}", origin, message));
  }
  if (!document.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}: expected a JSON object", origin));
  }
  const auto field = document.find("version");
  if (field == document.end() || !field->is_string()) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("{}: no \"version\" string", origin));
  }
  return WithContext(semver::Version::Parse(field->get<std::string>(), semver::ParseMode::kLoose),
                     fmt::format("{}: \"version\"", origin));
}

Expected<semver::Version> CurrentVersion(const std::filesystem::path& app_root,
                                         config::VersionSource source) {
  switch (source) {
    case config::VersionSource::kPackageJson:
      return FromPackageJsonFile(app_root);
    case config::VersionSource::kGitDescribe:
      return FromGitDescribe(app_root);
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown version source");
}

}  // namespace galaos::release
