#include "backup/DatabaseUrl.h"

#include <cctype>
#include <optional>

namespace galaos::backup {
namespace {

std::unexpected<Error> Bad(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, "database URL: " + std::move(message));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = HexValue(text[i + 1]);
    const int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Expected<DatabaseTarget> ParsePostgres(std::string_view scheme, std::string_view rest) {
  if (!rest.starts_with("//")) return Bad("a " + std::string(scheme) + " URL must start with //");
  rest.remove_prefix(2);
  const std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = authority_end == std::string_view::npos ? "" : rest.substr(authority_end);

  DatabaseTarget target;
  target.kind = DatabaseKind::kPostgres;
  std::string url = std::string(scheme) + "://";
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view user_info = authority.substr(0, at);
    const std::size_t colon = user_info.find(':');
    if (colon != std::string_view::npos) {
      auto password = PercentDecode(user_info.substr(colon + 1));
      if (!password) return Bad("the password has an invalid percent-encoding");
      target.password = std::move(*password);
    }
    url += std::string(user_info.substr(0, colon)) + "@";
    authority.remove_prefix(at + 1);
  }
  url += authority;

  const std::size_t fragment = tail.find('#');
  if (fragment != std::string_view::npos) tail = tail.substr(0, fragment);
  const std::size_t query_start = tail.find('?');
  url += tail.substr(0, query_start);
  if (query_start != std::string_view::npos) {
    std::string_view query = tail.substr(query_start + 1);
    std::string kept;
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view parameter = query.substr(0, amp);
      query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
      if (parameter.empty()) continue;
      const std::size_t equals = parameter.find('=');
      if (Lower(parameter.substr(0, equals)) == "password") {
        auto password =
            PercentDecode(equals == std::string_view::npos ? "" : parameter.substr(equals + 1));
        if (!password) return Bad("the password has an invalid percent-encoding");
        target.password = std::move(*password);
        continue;
      }
      if (!kept.empty()) kept += '&';
      kept += parameter;
    }
    if (!kept.empty()) url += "?" + kept;
  }
  target.postgres_url = std::move(url);
  return target;
}

Expected<DatabaseTarget> ParseSqlitePath(std::string_view text,
                                         const std::filesystem::path& base_dir) {
  auto decoded = PercentDecode(text);
  if (!decoded) return Bad("the SQLite path has an invalid percent-encoding");
  if (decoded->empty()) return Bad("the SQLite path is empty");
  if (decoded->find('\0') != std::string::npos) return Bad("the SQLite path contains a NUL byte");
  if (*decoded == ":memory:") return Bad("an in-memory SQLite database cannot be backed up");
  std::filesystem::path path(*decoded);
  if (path.is_relative()) path = base_dir / path;
  DatabaseTarget target;
  target.kind = DatabaseKind::kSqlite;
  target.sqlite_path = path.lexically_normal();
  return target;
}

}  // namespace

Expected<DatabaseTarget> ParseDatabaseUrl(std::string_view url,
                                          const std::filesystem::path& base_dir) {
  if (url.empty()) return Bad("is empty");
  const std::size_t colon = url.find(':');
  const std::size_t slash = url.find('/');
  const bool has_scheme = colon != std::string_view::npos && colon > 0 &&
                          (slash == std::string_view::npos || colon < slash);
  if (!has_scheme) return ParseSqlitePath(url, base_dir);

  const std::string scheme = Lower(url.substr(0, colon));
  std::string_view rest = url.substr(colon + 1);
  if (scheme == "postgres" || scheme == "postgresql") return ParsePostgres(scheme, rest);
  if (scheme != "sqlite" && scheme != "file") {
    return Bad("unsupported scheme '" + scheme + "' (postgres, postgresql, sqlite, file)");
  }
  rest = rest.substr(0, rest.find_first_of("?#"));
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    const std::size_t path_start = rest.find('/');
    const std::string_view host = rest.substr(0, path_start);
    if (!host.empty() && Lower(host) != "localhost") {
      return Bad("a SQLite URL cannot name a remote host");
    }
    if (path_start == std::string_view::npos) return Bad("the SQLite path is empty");
    rest.remove_prefix(path_start);
  }
  return ParseSqlitePath(rest, base_dir);
}

}  // namespace galaos::backup
