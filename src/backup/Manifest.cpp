#include "backup/Manifest.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace galaos::backup {
namespace {

using nlohmann::json;

std::string OctalMode(std::uint32_t mode) {
  char buffer[8] = {};
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, mode, 8);
  std::string digits(buffer, end);
  return std::string(digits.size() < 4 ? 4 - digits.size() : 0, '0') + digits;
}

bool IsSha256Hex(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::unexpected<Error> Corrupt(const std::string& why) {
  return MakeError(ErrorCode::kCorrupt, "manifest: " + why);
}

Expected<std::uint32_t> ParseMode(const std::string& text) {
  std::uint32_t mode = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || mode > 07777) {
    return Corrupt("mode '" + text + "' is not an octal permission");
  }
  return mode;
}

Status CheckPath(const std::string& path) {
  if (!IsSafeRelativePath(path))
    return Corrupt("file path '" + path + "' is not a safe relative path");
  return {};
}

Status CheckHash(const std::string& hash, const std::string& of) {
  if (!IsSha256Hex(hash)) return Corrupt("sha256 of " + of + " is malformed");
  return {};
}

}  // namespace

std::string_view Name(DatabaseKind kind) {
  return kind == DatabaseKind::kPostgres ? "postgres" : "sqlite";
}

bool IsSafeRelativePath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos) {
    return false;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

std::string ToJson(const Manifest& manifest) {
  json files = json::array();
  for (const ManifestFile& file : manifest.files) {
    files.push_back({{"path", file.path},
                     {"size", file.size},
                     {"mode", OctalMode(file.mode)},
                     {"uid", file.uid},
                     {"gid", file.gid},
                     {"sha256", file.sha256}});
  }
  json skipped = json::array();
  for (const SkippedPath& path : manifest.skipped) {
    skipped.push_back({{"path", path.path}, {"reason", path.reason}});
  }
  json database = nullptr;
  if (manifest.database) {
    database = {{"kind", Name(manifest.database->kind)},
                {"file", manifest.database->file},
                {"size", manifest.database->size},
                {"sha256", manifest.database->sha256},
                {"source", manifest.database->source}};
  }
  const json document = {{"format_version", manifest.format_version},
                         {"id", manifest.id},
                         {"created_at", manifest.created_at},
                         {"version", manifest.version},
                         {"commit", manifest.commit},
                         {"branch", manifest.branch},
                         {"tools", manifest.tools},
                         {"globs", manifest.globs},
                         {"files", std::move(files)},
                         {"skipped", std::move(skipped)},
                         {"database", std::move(database)}};
  // The walk skips names that are not UTF-8; `replace` keeps dump() from ever throwing.
  return document.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Expected<Manifest> ParseManifest(std::string_view text) {
  try {
    const json document = json::parse(text);
    Manifest manifest;
    manifest.format_version = document.at("format_version").get<int>();
    if (manifest.format_version != kManifestFormatVersion) {
      return Corrupt("format_version " + std::to_string(manifest.format_version) +
                     " is not supported (this build reads " +
                     std::to_string(kManifestFormatVersion) + ")");
    }
    manifest.id = document.at("id").get<std::string>();
    manifest.created_at = document.at("created_at").get<std::string>();
    manifest.version = document.at("version").get<std::string>();
    manifest.commit = document.at("commit").get<std::string>();
    manifest.branch = document.at("branch").get<std::string>();
    manifest.tools = document.at("tools").get<std::map<std::string, std::string>>();
    manifest.globs = document.at("globs").get<std::vector<std::string>>();
    for (const json& entry : document.at("files")) {
      ManifestFile file;
      file.path = entry.at("path").get<std::string>();
      TRY(CheckPath(file.path));
      file.size = entry.at("size").get<std::uint64_t>();
      file.mode = TRY(ParseMode(entry.at("mode").get<std::string>()));
      file.uid = entry.at("uid").get<std::uint32_t>();
      file.gid = entry.at("gid").get<std::uint32_t>();
      file.sha256 = entry.at("sha256").get<std::string>();
      TRY(CheckHash(file.sha256, file.path));
      manifest.files.push_back(std::move(file));
    }
    for (const json& entry : document.at("skipped")) {
      manifest.skipped.push_back(
          {entry.at("path").get<std::string>(), entry.at("reason").get<std::string>()});
    }
    const json& database = document.at("database");
    if (!database.is_null()) {
      ManifestDatabase dump;
      const std::string kind = database.at("kind").get<std::string>();
      if (kind != "postgres" && kind != "sqlite") return Corrupt("unknown database kind " + kind);
      dump.kind = kind == "postgres" ? DatabaseKind::kPostgres : DatabaseKind::kSqlite;
      dump.file = database.at("file").get<std::string>();
      if (dump.file !=
          (dump.kind == DatabaseKind::kPostgres ? "database.dump" : "database.sqlite")) {
        return Corrupt("unexpected database file '" + dump.file + "'");
      }
      dump.size = database.at("size").get<std::uint64_t>();
      dump.sha256 = database.at("sha256").get<std::string>();
      TRY(CheckHash(dump.sha256, dump.file));
      dump.source = database.at("source").get<std::string>();
      manifest.database = std::move(dump);
    }
    return manifest;
  } catch (const json::exception& error) {
    return Corrupt(error.what());
  }
}

}  // namespace galaos::backup
