#include "config/Schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <ranges>
#include <set>
#include <type_traits>
#include <utility>

#include "config/Duration.h"
#include "core/Redact.h"
#include "git/RefName.h"

namespace galaos::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------
// Small helpers

std::unexpected<Error> Bad(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

std::string Quote(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

bool HasControl(std::string_view text) {
  return std::ranges::any_of(text, [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

bool HasSpaceOrControl(std::string_view text) {
  return HasControl(text) || text.find(' ') != std::string_view::npos;
}

bool AllOf(std::string_view text, std::string_view allowed_punctuation) {
  return std::ranges::all_of(text, [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           allowed_punctuation.find(c) != std::string_view::npos;
  });
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The candidate closest to `word`, if it is close enough to be what the user meant.
std::optional<std::string> Closest(std::string_view word,
                                   const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const std::string& candidate : candidates) {
    std::size_t distance = EditDistance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  if (best && (best_distance <= 2 || best_distance * 3 <= word.size())) return best;
  return std::nullopt;
}

Value MakeString(std::string text) {
  Value value;
  value.type = Value::Type::kString;
  value.string = std::move(text);
  return value;
}

Value MakeInteger(std::int64_t number) {
  Value value;
  value.type = Value::Type::kInteger;
  value.integer = number;
  return value;
}

Value MakeBoolean(bool flag) {
  Value value;
  value.type = Value::Type::kBoolean;
  value.boolean = flag;
  return value;
}

Value MakeArray(std::vector<Value> items) {
  Value value;
  value.type = Value::Type::kArray;
  value.items = std::move(items);
  return value;
}

bool ExpectType(const Value& value, Value::Type type, const Reader& reader,
                const std::string& key) {
  if (value.type == type) return true;
  reader.Fail(
      key, value.position,
      "expected " + std::string(TypeName(type)) + ", got " + std::string(TypeName(value.type)));
  return false;
}

void Redact(Value& value, Sensitivity sensitivity) {
  if (sensitivity == Sensitivity::kNone) return;
  if (value.type == Value::Type::kArray) {
    for (Value& item : value.items) Redact(item, sensitivity);
  } else if (value.type == Value::Type::kString) {
    if (sensitivity == Sensitivity::kUrl) {
      value.string = core::RedactUrlCredentials(value.string);
    } else if (!value.string.empty()) {
      value.string = std::string(core::kRedacted);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Validators of strings: an error message for the user, or success.

using Validator = std::function<Status(std::string_view)>;

Status AnyString(std::string_view) {
  return {};
}

Status SingleLine(std::string_view text) {
  if (HasControl(text)) return Bad("must not contain control characters or line breaks");
  return {};
}

Status NonEmptyLine(std::string_view text) {
  if (text.empty()) return Bad("must not be empty");
  return SingleLine(text);
}

// Branch names follow the git module's rules: git check-ref-format, never an option, no
// shell metacharacters.
Status GitBranch(std::string_view name) {
  return git::ValidateRefName(name);
}

std::string SchemeOf(std::string_view url) {
  std::size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  std::string scheme(url.substr(0, colon));
  if (!AllOf(scheme, "+.-") || !std::isalpha(static_cast<unsigned char>(scheme[0]))) return {};
  std::ranges::transform(scheme, scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  return scheme;
}

// An absolute URL with one of `schemes`. file:, sqlite: and unix:// carry a path, the others
// a host. Messages show the URL with its password redacted.
Status ValidUrl(std::string_view url, const std::vector<std::string>& schemes) {
  std::string shown = Quote(core::RedactUrlCredentials(url));
  if (HasSpaceOrControl(url)) {
    return Bad("invalid URL " + shown + ": contains spaces or control characters");
  }
  std::string scheme = SchemeOf(url);
  if (scheme.empty()) {
    return Bad("invalid URL " + shown + ": expected " + schemes.front() + "://...");
  }
  if (std::ranges::find(schemes, scheme) == schemes.end()) {
    return Bad("unsupported URL scheme " + Quote(scheme) + " in " + shown +
               "; expected one of: " + Join(schemes, ", "));
  }
  std::string_view rest = url.substr(scheme.size() + 1);
  if (scheme == "file" || scheme == "sqlite") {
    if (rest.empty() || rest == "//") return Bad("invalid URL " + shown + ": missing a path");
    return {};
  }
  if (!rest.starts_with("//")) return Bad("invalid URL " + shown + ": expected " + scheme + "://");
  rest.remove_prefix(2);
  if (scheme == "unix") {
    if (rest.size() < 2 || rest.front() != '/') {
      return Bad("invalid URL " + shown + ": expected unix:///path/to/socket");
    }
    return {};
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  std::size_t at = authority.rfind('@');
  std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (host.empty() || host.front() == ':') return Bad("invalid URL " + shown + ": missing a host");
  return {};
}

Validator UrlOf(std::vector<std::string> schemes) {
  return [schemes = std::move(schemes)](std::string_view url) -> Status {
    if (url.empty()) return {};
    return ValidUrl(url, schemes);
  };
}

Validator RequiredUrlOf(std::vector<std::string> schemes) {
  return [schemes = std::move(schemes)](std::string_view url) -> Status {
    if (url.empty()) return Bad("must not be empty");
    return ValidUrl(url, schemes);
  };
}

// A remote name, a local path, an scp-like address or a URL with a git transport; checked by
// the git module's rules (never an option, no shell metacharacters, no remote helpers).
Status GitRemote(std::string_view remote) {
  TRY(git::ValidateRemote(remote));
  if (remote.contains("://")) return ValidUrl(remote, {"file", "http", "https", "ssh", "git"});
  return {};
}

Status GithubRepo(std::string_view repo) {
  if (repo.empty()) return {};
  std::size_t slash = repo.find('/');
  std::string_view owner = repo.substr(0, slash);
  std::string_view name = slash == std::string_view::npos ? "" : repo.substr(slash + 1);
  if (owner.empty() || name.empty() || !AllOf(owner, "-") || !AllOf(name, "._-") || name == "." ||
      name == "..") {
    return Bad("invalid repository " + Quote(repo) + ": expected \"owner/name\"");
  }
  return {};
}

// Relative to app.root; the backup module expands them and must never leave the app.
Status CriticalFileGlob(std::string_view glob) {
  if (glob.empty()) return Bad("a glob must not be empty");
  if (HasControl(glob)) return Bad("a glob must not contain control characters");
  if (glob.front() == '/') return Bad(Quote(glob) + " must be relative to app.root");
  for (auto part : std::views::split(glob, '/')) {
    if (std::string_view(part.begin(), part.end()) == "..") {
      return Bad(Quote(glob) + " must not contain '..'");
    }
  }
  return {};
}

Status DockerLabel(std::string_view label) {
  std::string_view key = label.substr(0, label.find('='));
  if (key.empty() || !AllOf(key, "._/-") || HasSpaceOrControl(label)) {
    return Bad("invalid label " + Quote(label) + ": expected \"key\" or \"key=value\"");
  }
  return {};
}

Status ContainerName(std::string_view name) {
  if (name.empty() || !AllOf(name, "_.-") || !AllOf(name.substr(0, 1), "")) {
    return Bad("invalid container name " + Quote(name) + ": expected [a-zA-Z0-9][a-zA-Z0-9_.-]*");
  }
  return {};
}

Status TimeZone(std::string_view zone) {
  if (zone.empty() || !AllOf(zone, "_+-/") || zone.front() == '/' || zone.contains("..")) {
    return Bad("invalid time zone " + Quote(zone) +
               ": expected an IANA name such as \"Europe/Berlin\", or \"local\"");
  }
  return {};
}

Status EmailAddress(std::string_view address) {
  std::size_t at = address.find('@');
  if (address.empty()) return {};
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string_view::npos || HasSpaceOrControl(address) ||
      address.find_first_of("<>,;") != std::string_view::npos) {
    return Bad("invalid email address " + Quote(address) + ": expected e.g. ops@example.com");
  }
  return {};
}

Status RequiredEmailAddress(std::string_view address) {
  if (address.empty()) return Bad("must not be empty");
  return EmailAddress(address);
}

// A secret people write by hand or copy from an example is guessable, and whoever guesses
// it mints admin tokens: too short, too few distinct characters, or a known placeholder
// phrase is refused.
Status JwtSecret(std::string_view secret) {
  if (secret.empty()) return {};
  if (secret.size() < 32) return Bad("must be at least 32 characters long");
  std::string lower(secret);
  std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::size_t distinct = std::set<char>(lower.begin(), lower.end()).size();
  constexpr std::array<std::string_view, 18> kPlaceholders{
      "changeme",    "change-me",  "change_me",   "change-this",  "change_this",  "your-secret",
      "your_secret", "yoursecret", "placeholder", "jwt-secret",   "jwt_secret",   "jwtsecret",
      "secret-key",  "secret_key", "supersecret", "super-secret", "super_secret", "example"};
  if (distinct < 8 ||
      std::ranges::any_of(kPlaceholders, [&](std::string_view p) { return lower.contains(p); })) {
    return Bad("looks like a placeholder; generate a random secret (e.g. openssl rand -hex 32)");
  }
  return {};
}

// Names a custom check in health results, next to the built-in ones.
Status CheckName(std::string_view name) {
  if (name.empty() || !AllOf(name, "_.-")) {
    return Bad("invalid check name " + Quote(name) + ": expected [A-Za-z0-9_.-]+");
  }
  constexpr std::array<std::string_view, 4> kBuiltIn{"api", "database", "redis", "docker"};
  if (std::ranges::find(kBuiltIn, name) != kBuiltIn.end()) {
    return Bad(Quote(name) + " is the name of a built-in check; choose another");
  }
  return {};
}

Status QueueName(std::string_view name) {
  if (name.empty() || HasSpaceOrControl(name) || name.contains(':')) {
    return Bad("invalid queue name " + Quote(name) + ": must be non-empty, without ':' or spaces");
  }
  return {};
}

Expected<HostPort> ParseHostPort(std::string_view text) {
  auto invalid = [&] {
    return Bad("invalid address " + Quote(text) +
               ": expected host:port, e.g. 127.0.0.1:7780 or [::1]:7780");
  };
  std::string_view host;
  std::string_view port_text;
  if (text.starts_with('[')) {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return invalid();
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    if (host.empty() || !AllOf(host, ":.%")) return invalid();
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return invalid();
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.empty() || !AllOf(host, ".-_")) return invalid();
  }
  int port = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
      port > 65535) {
    return Bad("invalid address " + Quote(text) + ": the port must be 1..65535");
  }
  return HostPort{std::string(host), static_cast<std::uint16_t>(port)};
}

std::string FormatHostPort(const HostPort& address) {
  std::string host = address.host.contains(':') ? "[" + address.host + "]" : address.host;
  return host + ":" + std::to_string(address.port);
}

// ---------------------------------------------------------------------------------------------
// Codecs

template <class T>
Codec<T> FromString(std::string type,
                    std::function<Expected<T>(std::string_view, const Reader&)> parse,
                    std::function<std::string(const T&)> format) {
  Codec<T> codec;
  codec.type = std::move(type);
  codec.parse = [parse = std::move(parse)](const Value& value, const Reader& reader,
                                           const std::string& key) -> std::optional<T> {
    if (!ExpectType(value, Value::Type::kString, reader, key)) return std::nullopt;
    Expected<T> parsed = parse(value.string, reader);
    if (!parsed) {
      reader.Fail(key, value.position, parsed.error().message());
      return std::nullopt;
    }
    return std::move(*parsed);
  };
  codec.show = [format = std::move(format)](const T& value) -> std::optional<Value> {
    return MakeString(format(value));
  };
  return codec;
}

Codec<std::string> String(Validator validate, std::string type = "string") {
  return FromString<std::string>(
      std::move(type),
      [validate = std::move(validate)](std::string_view text,
                                       const Reader&) -> Expected<std::string> {
        TRY(validate(text));
        return std::string(text);
      },
      [](const std::string& text) { return text; });
}

Codec<std::string> Url(std::vector<std::string> schemes, bool required = false) {
  std::string type = "URL (" + Join(schemes, ", ") + ")";
  return String(required ? RequiredUrlOf(std::move(schemes)) : UrlOf(std::move(schemes)),
                std::move(type));
}

enum class PathBase {
  kReader,   // relative to the config file's directory, or the working directory
  kAppRoot,  // relative to app.root (resolved once app.root is known)
};

Codec<std::filesystem::path> Path(PathBase base, bool allow_empty) {
  return FromString<std::filesystem::path>(
      base == PathBase::kReader ? "path" : "path (relative to app.root)",
      [base, allow_empty](std::string_view text,
                          const Reader& reader) -> Expected<std::filesystem::path> {
        if (text.empty()) {
          if (allow_empty) return std::filesystem::path();
          return Bad("must not be empty");
        }
        if (HasControl(text)) return Bad("must not contain control characters");
        std::filesystem::path path(text);
        if (base == PathBase::kReader && path.is_relative()) path = reader.base_dir() / path;
        return NormalPath(path);
      },
      [](const std::filesystem::path& path) { return path.string(); });
}

template <class D>
std::string DurationType(D min, D max) {
  return "duration (" + FormatDuration(min) + " .. " + FormatDuration(max) + ")";
}

template <class D>
Codec<D> Duration(D min, D max) {
  return FromString<D>(
      DurationType(min, max),
      [min, max](std::string_view text, const Reader&) -> Expected<D> {
        milliseconds parsed = TRY(ParseDuration(text));
        D converted = std::chrono::duration_cast<D>(parsed);
        if (milliseconds(converted) != parsed) {
          return Bad("invalid duration " + Quote(text) + ": must be a multiple of " +
                     FormatDuration(D(1)));
        }
        if (converted < min || converted > max) {
          return Bad("duration " + Quote(text) + " out of range: must be between " +
                     FormatDuration(min) + " and " + FormatDuration(max));
        }
        return converted;
      },
      [](const D& duration) { return FormatDuration(duration); });
}

// The optional per-check timeout: omitted from `config show` when unset.
Codec<std::optional<milliseconds>> OptionalDuration(milliseconds min, milliseconds max) {
  Codec<milliseconds> inner = Duration(min, max);
  Codec<std::optional<milliseconds>> codec;
  codec.type = inner.type;
  codec.parse = [parse = inner.parse](
                    const Value& value, const Reader& reader,
                    const std::string& key) -> std::optional<std::optional<milliseconds>> {
    std::optional<milliseconds> parsed = parse(value, reader, key);
    if (!parsed) return std::nullopt;
    return parsed;
  };
  codec.show = [show = inner.show](const std::optional<milliseconds>& value) {
    return value ? show(*value) : std::nullopt;
  };
  return codec;
}

template <class E>
using Names = std::vector<std::pair<std::string, E>>;

template <class E>
Codec<E> Enum(Names<E> names) {
  std::vector<std::string> allowed;
  for (const auto& entry : names) allowed.push_back(entry.first);
  std::string type = "one of " + Join(allowed, ", ");
  return FromString<E>(
      std::move(type),
      [names, allowed](std::string_view text, const Reader&) -> Expected<E> {
        for (const auto& [name, value] : names) {
          if (name == text) return value;
        }
        std::string message =
            "invalid value " + Quote(text) + "; expected one of: " + Join(allowed, ", ");
        if (auto close = Closest(text, allowed)) message += " (did you mean '" + *close + "'?)";
        return Bad(std::move(message));
      },
      [names](const E& value) {
        for (const auto& [name, candidate] : names) {
          if (candidate == value) return name;
        }
        return std::string();
      });
}

Codec<bool> Bool() {
  Codec<bool> codec;
  codec.type = "boolean";
  codec.parse = [](const Value& value, const Reader& reader,
                   const std::string& key) -> std::optional<bool> {
    if (value.type == Value::Type::kString && reader.text()) {
      std::string lower = value.string;
      std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower == "true" || lower == "1" || lower == "yes") return true;
      if (lower == "false" || lower == "0" || lower == "no") return false;
      reader.Fail(
          key, value.position,
          "invalid boolean " + Quote(value.string) + "; expected true/false, 1/0 or yes/no");
      return std::nullopt;
    }
    if (!ExpectType(value, Value::Type::kBoolean, reader, key)) return std::nullopt;
    return value.boolean;
  };
  codec.show = [](const bool& flag) -> std::optional<Value> { return MakeBoolean(flag); };
  return codec;
}

Codec<int> Int(int min, int max) {
  Codec<int> codec;
  codec.type = "integer (" + std::to_string(min) + " .. " + std::to_string(max) + ")";
  codec.parse = [min, max](const Value& value, const Reader& reader,
                           const std::string& key) -> std::optional<int> {
    std::int64_t number = 0;
    if (value.type == Value::Type::kString && reader.text()) {
      const std::string& text = value.string;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (error != std::errc() || end != text.data() + text.size()) {
        reader.Fail(key, value.position, "invalid integer " + Quote(text));
        return std::nullopt;
      }
    } else if (ExpectType(value, Value::Type::kInteger, reader, key)) {
      number = value.integer;
    } else {
      return std::nullopt;
    }
    if (number < min || number > max) {
      reader.Fail(key, value.position,
                  "out of range: must be between " + std::to_string(min) + " and " +
                      std::to_string(max) + ", got " + std::to_string(number));
      return std::nullopt;
    }
    return static_cast<int>(number);
  };
  codec.show = [](const int& number) -> std::optional<Value> { return MakeInteger(number); };
  return codec;
}

template <class T>
Codec<std::vector<T>> List(Codec<T> element) {
  Codec<std::vector<T>> codec;
  codec.type = "array of " + element.type;
  codec.structured = true;
  codec.parse = [parse = element.parse](const Value& value, const Reader& reader,
                                        const std::string& key) -> std::optional<std::vector<T>> {
    if (!ExpectType(value, Value::Type::kArray, reader, key)) return std::nullopt;
    std::vector<T> items;
    bool ok = true;
    for (std::size_t i = 0; i < value.items.size(); ++i) {
      std::optional<T> item = parse(value.items[i], reader, key + "[" + std::to_string(i) + "]");
      if (item) {
        items.push_back(std::move(*item));
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return items;
  };
  codec.show = [show = element.show](const std::vector<T>& items) -> std::optional<Value> {
    std::vector<Value> shown;
    for (const T& item : items) shown.push_back(*show(item));
    return MakeArray(std::move(shown));
  };
  return codec;
}

// A command as an argv array (never a shell line); empty means "detect".
Codec<Argv> Command(bool required) {
  Codec<Argv> codec = List(String(SingleLine));
  codec.type = "argv array";
  codec.parse = [parse = codec.parse, required](const Value& value, const Reader& reader,
                                                const std::string& key) -> std::optional<Argv> {
    std::optional<Argv> argv = parse(value, reader, key);
    if (!argv) return std::nullopt;
    if (required && argv->empty()) {
      reader.Fail(key, value.position,
                  "must name a program, e.g. [\"/usr/bin/test\", \"-f\", \"x\"]");
      return std::nullopt;
    }
    if (!argv->empty() && argv->front().empty()) {
      reader.Fail(key, value.position, "the program (first element) must not be empty");
      return std::nullopt;
    }
    return argv;
  };
  return codec;
}

Codec<HostPort> Address() {
  return FromString<HostPort>(
      "host:port", [](std::string_view text, const Reader&) { return ParseHostPort(text); },
      FormatHostPort);
}

// ---------------------------------------------------------------------------------------------
// Binding codecs to struct members

struct Doc {
  std::string_view description;
  std::string_view environment = {};
  Sensitivity sensitivity = Sensitivity::kNone;
  std::string_view default_text = {};
  bool required = false;
};

template <class Root, class T, class Access>
Field<Root> Bind(std::string key, Access access, Codec<T> codec, Doc doc) {
  Field<Root> field;
  field.key = std::move(key);
  field.type = codec.type;
  field.environment = doc.environment;
  field.description = doc.description;
  field.default_text = doc.default_text;
  field.structured = codec.structured;
  field.required = doc.required;
  field.set = [access, parse = codec.parse](Root& root, const Value& value, const Reader& reader,
                                            const std::string& key) {
    std::optional<T> parsed = parse(value, reader, key);
    if (!parsed) return false;
    access(root) = std::move(*parsed);
    return true;
  };
  field.show = [access, show = codec.show,
                sensitivity = doc.sensitivity](const Root& root) -> std::optional<Value> {
    std::optional<Value> value = show(access(root));
    if (value) Redact(*value, sensitivity);
    return value;
  };
  return field;
}

// GALAOS_KEY(git.branch) -> "git.branch", an accessor of config.git.branch: the TOML key is
// the member's path, so the two cannot drift apart.
// clang-format off
#define GALAOS_KEY(path) #path, [](auto& root) -> auto& { return root.path; }
#define GALAOS_CHECK_KEY(Type, member) \
  #member, [](auto& check) -> auto& { return std::get<Type>(check.spec).member; }
// clang-format on

template <class Root>
bool IsSection(const std::vector<Field<Root>>& fields, std::string_view path) {
  return std::ranges::any_of(fields, [&](const Field<Root>& field) {
    return field.key.size() > path.size() && field.key.starts_with(path) &&
           field.key[path.size()] == '.';
  });
}

template <class Root>
std::string UnknownKey(const std::vector<Field<Root>>& fields, std::string_view path,
                       std::string_view member, std::string_view display_prefix) {
  std::vector<std::string> siblings;  // the names known at this level, keys and sections
  for (const Field<Root>& field : fields) {
    std::string_view key = field.key;
    if (!path.empty()) {
      if (!key.starts_with(path) || key.size() <= path.size() || key[path.size()] != '.') continue;
      key.remove_prefix(path.size() + 1);
    }
    siblings.emplace_back(key.substr(0, key.find('.')));
  }
  std::string prefix = path.empty() ? "" : std::string(path) + ".";
  if (auto close = Closest(member, siblings)) {
    return "unknown key, did you mean '" + std::string(display_prefix) + prefix + *close + "'?";
  }
  // The right name in the wrong section: [git] retention = 3 -> backup.retention.
  for (const Field<Root>& field : fields) {
    std::string_view key = field.key;
    if (key.substr(key.rfind('.') + 1) == member) {
      return "unknown key, did you mean '" + std::string(display_prefix) + field.key + "'?";
    }
  }
  return "unknown key";
}

template <class Root>
bool ApplyTable(const std::vector<Field<Root>>& fields, Root& root, const Value& table,
                const Reader& reader, const std::string& path, const std::string& display_prefix) {
  bool ok = true;
  for (const Value& member : table.items) {
    std::string key = path.empty() ? member.key : path + "." + member.key;
    std::string shown = display_prefix + key;
    auto field = std::ranges::find(fields, key, &Field<Root>::key);
    if (field != fields.end()) {
      if (field->set(root, member, reader, shown)) {
        reader.Record(shown, member.position);
      } else {
        ok = false;
      }
    } else if (IsSection(fields, key)) {
      if (ExpectType(member, Value::Type::kTable, reader, shown)) {
        ok = ApplyTable(fields, root, member, reader, key, display_prefix) && ok;
      } else {
        ok = false;
      }
    } else {
      reader.Fail(shown, member.key_position, UnknownKey(fields, path, member.key, display_prefix));
      ok = false;
    }
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------
// Health checks

// In the order of HealthCheckSpec's alternatives.
constexpr std::array<std::string_view, std::variant_size_v<HealthCheckSpec>> kCheckTypes{
    "http", "tcp", "postgres", "redis", "docker", "sqlite", "worker_queue", "command"};

template <class Check, std::size_t I = 0>
constexpr std::size_t IndexOf() {
  if constexpr (std::is_same_v<std::variant_alternative_t<I, HealthCheckSpec>, Check>) {
    return I;
  } else {
    return IndexOf<Check, I + 1>();
  }
}

// A default-constructed alternative number `index`.
template <std::size_t I = 0>
HealthCheckSpec MakeSpec(std::size_t index) {
  if constexpr (I + 1 < std::variant_size_v<HealthCheckSpec>) {
    if (index != I) return MakeSpec<I + 1>(index);
  }
  return HealthCheckSpec(std::in_place_index<I>);
}

Codec<std::size_t> CheckType() {
  Names<std::size_t> names;
  for (std::size_t i = 0; i < kCheckTypes.size(); ++i) names.emplace_back(kCheckTypes[i], i);
  return Enum(std::move(names));
}

std::vector<Field<HealthCheck>> CommonCheckFields() {
  return {
      Bind<HealthCheck>(GALAOS_KEY(name), String(CheckName),
                        {.description = "Unique name shown in health results.", .required = true}),
      Bind<HealthCheck>(
          GALAOS_KEY(timeout), OptionalDuration(100ms, 10min),
          {.description = "Timeout of this check.", .default_text = "health.timeout"}),
  };
}

std::vector<Field<HealthCheck>> SpecificCheckFields(std::size_t index) {
  const std::vector<std::string> kRedisSchemes{"redis", "rediss"};
  switch (index) {
    case IndexOf<HttpCheck>():
      return {
          Bind<HealthCheck>(
              GALAOS_CHECK_KEY(HttpCheck, url), Url({"http", "https"}, true),
              {.description = "URL to GET.", .sensitivity = Sensitivity::kUrl, .required = true}),
          Bind<HealthCheck>(GALAOS_CHECK_KEY(HttpCheck, expected_status), Int(100, 599),
                            {.description = "The HTTP status that means healthy."}),
          Bind<HealthCheck>(GALAOS_CHECK_KEY(HttpCheck, body_contains), String(AnyString),
                            {.description = "Text the response body must contain; empty: any "
                                            "body."}),
      };
    case IndexOf<TcpCheck>():
      return {Bind<HealthCheck>(
          GALAOS_CHECK_KEY(TcpCheck, address), Address(),
          {.description = "host:port that must accept a connection.", .required = true})};
    case IndexOf<PostgresCheck>():
      return {Bind<HealthCheck>(GALAOS_CHECK_KEY(PostgresCheck, url),
                                Url({"postgres", "postgresql"}, true),
                                {.description = "Database to connect to and run SELECT 1.",
                                 .sensitivity = Sensitivity::kUrl,
                                 .required = true})};
    case IndexOf<RedisCheck>():
      return {Bind<HealthCheck>(GALAOS_CHECK_KEY(RedisCheck, url), Url(kRedisSchemes, true),
                                {.description = "Redis server that must answer PING.",
                                 .sensitivity = Sensitivity::kUrl,
                                 .required = true})};
    case IndexOf<DockerCheck>():
      return {};
    case IndexOf<SqliteCheck>():
      return {Bind<HealthCheck>(
          GALAOS_CHECK_KEY(SqliteCheck, path), Path(PathBase::kAppRoot, false),
          {.description = "SQLite database that must pass quick_check.", .required = true})};
    case IndexOf<WorkerQueueCheck>():
      return {
          Bind<HealthCheck>(GALAOS_CHECK_KEY(WorkerQueueCheck, redis_url), Url(kRedisSchemes, true),
                            {.description = "Redis server holding the BullMQ queue.",
                             .sensitivity = Sensitivity::kUrl,
                             .required = true}),
          Bind<HealthCheck>(GALAOS_CHECK_KEY(WorkerQueueCheck, queue), String(QueueName),
                            {.description = "BullMQ queue name.", .required = true}),
          Bind<HealthCheck>(GALAOS_CHECK_KEY(WorkerQueueCheck, prefix), String(QueueName),
                            {.description = "BullMQ key prefix."}),
          Bind<HealthCheck>(GALAOS_CHECK_KEY(WorkerQueueCheck, max_waiting), Int(0, 1'000'000'000),
                            {.description = "Most waiting jobs that still count as healthy."}),
          Bind<HealthCheck>(GALAOS_CHECK_KEY(WorkerQueueCheck, min_workers), Int(0, 1'000'000),
                            {.description = "Fewest connected workers that count as healthy."}),
      };
    case IndexOf<CommandCheck>():
      return {Bind<HealthCheck>(
          GALAOS_CHECK_KEY(CommandCheck, argv), Command(true),
          {.description = "Command run in app.root; exit 0 is healthy.", .required = true})};
  }
  return {};  // not reached: every alternative has a case
}

// Common fields followed by the type's own, per check type.
const std::vector<std::vector<Field<HealthCheck>>>& CheckFields() {
  static const auto kFields = [] {
    std::vector<std::vector<Field<HealthCheck>>> all;
    for (std::size_t i = 0; i < kCheckTypes.size(); ++i) {
      std::vector<Field<HealthCheck>> fields = CommonCheckFields();
      std::ranges::move(SpecificCheckFields(i), std::back_inserter(fields));
      all.push_back(std::move(fields));
    }
    return all;
  }();
  return kFields;
}

std::optional<HealthCheck> ParseCheck(const Value& table, const Reader& reader,
                                      const std::string& key) {
  if (!ExpectType(table, Value::Type::kTable, reader, key)) return std::nullopt;
  const Value* type = table.Find("type");
  if (type == nullptr) {
    reader.Fail(key, table.position,
                "missing required key 'type' (one of: " +
                    Join({kCheckTypes.begin(), kCheckTypes.end()}, ", ") + ")");
    return std::nullopt;
  }
  std::optional<std::size_t> index = CheckType().parse(*type, reader, key + ".type");
  if (!index) return std::nullopt;

  HealthCheck check{.name = {}, .timeout = {}, .spec = MakeSpec(*index)};
  Value rest = table;
  std::erase_if(rest.items, [](const Value& member) { return member.key == "type"; });
  const std::vector<Field<HealthCheck>>& fields = CheckFields()[*index];
  bool ok = ApplyTable(fields, check, rest, reader, "", key + ".");
  for (const Field<HealthCheck>& field : fields) {
    if (field.required && rest.Find(field.key) == nullptr) {
      reader.Fail(key, table.position,
                  "missing required key '" + field.key + "' for a check of type '" +
                      std::string(kCheckTypes[*index]) + "'");
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return check;
}

Codec<std::vector<HealthCheck>> HealthChecks() {
  Codec<std::vector<HealthCheck>> codec;
  codec.type = "array of tables ([[health.checks]])";
  codec.structured = true;
  codec.parse = [](const Value& value, const Reader& reader,
                   const std::string& key) -> std::optional<std::vector<HealthCheck>> {
    if (!ExpectType(value, Value::Type::kArray, reader, key)) return std::nullopt;
    std::vector<HealthCheck> checks;
    bool ok = true;
    for (std::size_t i = 0; i < value.items.size(); ++i) {
      std::string item_key = key + "[" + std::to_string(i) + "]";
      std::optional<HealthCheck> check = ParseCheck(value.items[i], reader, item_key);
      if (!check) {
        ok = false;
        continue;
      }
      if (std::ranges::find(checks, check->name, &HealthCheck::name) != checks.end()) {
        const Value* name = value.items[i].Find("name");
        reader.Fail(item_key + ".name", name->position,
                    "duplicate check name " + Quote(check->name));
        ok = false;
      }
      checks.push_back(std::move(*check));
    }
    if (!ok) return std::nullopt;
    return checks;
  };
  codec.show = [](const std::vector<HealthCheck>& checks) -> std::optional<Value> {
    std::vector<Value> tables;
    for (const HealthCheck& check : checks) {
      Value table;
      const std::vector<Field<HealthCheck>>& fields = CheckFields()[check.spec.index()];
      for (const Field<HealthCheck>& field : fields) {
        std::optional<Value> shown = field.show(check);
        if (!shown) continue;
        shown->key = field.key;
        table.items.push_back(std::move(*shown));
        if (field.key == "name") {
          Value type = MakeString(std::string(kCheckTypes[check.spec.index()]));
          type.key = "type";
          table.items.push_back(std::move(type));
        }
      }
      tables.push_back(std::move(table));
    }
    return MakeArray(std::move(tables));
  };
  return codec;
}

// ---------------------------------------------------------------------------------------------
// The schema of Config

std::vector<Field<Config>> MakeConfigFields() {
  const std::vector<std::string> kHttp{"http", "https"};
  const std::vector<std::string> kPostgres{"postgres", "postgresql"};
  return {
      // [app]
      Bind<Config>(GALAOS_KEY(app.root), Path(PathBase::kReader, false),
                   {.description = "Directory of the application (its git work tree).",
                    .environment = "GALAOS_UPDATER_APP_ROOT",
                    .default_text = "the working directory"}),
      Bind<Config>(GALAOS_KEY(app.api_url), Url(kHttp),
                   {.description = "URL the built-in api check GETs (2xx is healthy); empty: "
                                   "no api check.",
                    .environment = "API_URL",
                    .sensitivity = Sensitivity::kUrl}),
      Bind<Config>(GALAOS_KEY(app.database_url), Url({"postgres", "postgresql", "file", "sqlite"}),
                   {.description = "The application's database: checked by the built-in "
                                   "database check and dumped into each backup; empty: none.",
                    .environment = "DATABASE_URL",
                    .sensitivity = Sensitivity::kUrl}),
      Bind<Config>(GALAOS_KEY(app.redis_url), Url({"redis", "rediss"}),
                   {.description = "Redis of the application, PINGed by the built-in redis "
                                   "check; empty: no redis check.",
                    .environment = "REDIS_URL",
                    .sensitivity = Sensitivity::kUrl}),
      // [state]
      Bind<Config>(GALAOS_KEY(state.dir), Path(PathBase::kReader, false),
                   {.description = "The updater's own state: SQLite store, locks, transaction "
                                   "logs.",
                    .environment = "GALAOS_UPDATER_STATE_DIR"}),
      Bind<Config>(
          GALAOS_KEY(state.store),
          Enum<StoreKind>({{"sqlite", StoreKind::kSqlite}, {"postgres", StoreKind::kPostgres}}),
          {.description = "State store: sqlite (in state.dir) or postgres (shared by a "
                          "fleet)."}),
      Bind<Config>(GALAOS_KEY(state.store_url), Url(kPostgres),
                   {.description = "PostgreSQL URL of the state store; required when "
                                   "state.store = \"postgres\".",
                    .environment = "GALAOS_UPDATER_STORE_URL",
                    .sensitivity = Sensitivity::kUrl}),
      // [git]
      Bind<Config>(GALAOS_KEY(git.remote), String(GitRemote),
                   {.description = "Remote to fetch from: a remote name of app.root's "
                                   "repository or a URL.",
                    .sensitivity = Sensitivity::kUrl}),
      Bind<Config>(GALAOS_KEY(git.branch), String(GitBranch),
                   {.description = "Branch followed (update.follow = \"branch\") and whose "
                                   "tags are considered.",
                    .environment = "UPDATE_BRANCH"}),
      Bind<Config>(GALAOS_KEY(git.username), String(SingleLine),
                   {.description = "ssh user when git.remote names none (default git); https "
                                   "user sent with git.token (default x-access-token)."}),
      Bind<Config>(GALAOS_KEY(git.token), String(SingleLine),
                   {.description = "https password or access token, used when git.remote "
                                   "carries none. Secret.",
                    .environment = "GIT_TOKEN",
                    .sensitivity = Sensitivity::kSecret}),
      Bind<Config>(GALAOS_KEY(git.ssh_key), Path(PathBase::kReader, true),
                   {.description = "Private key for ssh remotes, tried after ssh-agent; empty: "
                                   "~/.ssh/id_ed25519, then ~/.ssh/id_rsa."}),
      Bind<Config>(GALAOS_KEY(git.ssh_known_hosts), Path(PathBase::kReader, true),
                   {.description = "known_hosts file ssh host keys are checked against; empty: "
                                   "~/.ssh/known_hosts."}),
      Bind<Config>(GALAOS_KEY(git.ssh_accept_new_host_keys), Bool(),
                   {.description = "Trust an unknown ssh host on first use and record its key "
                                   "in git.ssh_known_hosts; a changed key is always refused."}),
      // [github]
      Bind<Config>(GALAOS_KEY(github.repo), String(GithubRepo),
                   {.description = "\"owner/name\" whose GitHub Releases announce versions; "
                                   "empty: not used.",
                    .environment = "GITHUB_REPO"}),
      Bind<Config>(GALAOS_KEY(github.token), String(SingleLine),
                   {.description = "Token for the GitHub API (higher rate limit, private "
                                   "repositories). Secret.",
                    .environment = "GITHUB_TOKEN",
                    .sensitivity = Sensitivity::kSecret}),
      Bind<Config>(GALAOS_KEY(github.api_url), Url(kHttp, true),
                   {.description = "GitHub API base URL (GitHub Enterprise, or a local server "
                                   "in tests)."}),
      // [update]
      Bind<Config>(GALAOS_KEY(update.follow),
                   Enum<FollowMode>({{"tags", FollowMode::kTags}, {"branch", FollowMode::kBranch}}),
                   {.description = "tags: install the newest release tag; branch: the head of "
                                   "git.branch."}),
      Bind<Config>(GALAOS_KEY(update.source),
                   Enum<ReleaseSource>({{"auto", ReleaseSource::kAuto},
                                        {"git", ReleaseSource::kGit},
                                        {"github", ReleaseSource::kGithub}}),
                   {.description = "Where releases are listed: git tags of the remote, GitHub "
                                   "Releases, or auto (GitHub when github.repo is set)."}),
      Bind<Config>(GALAOS_KEY(update.version_source),
                   Enum<VersionSource>({{"package.json", VersionSource::kPackageJson},
                                        {"git-describe", VersionSource::kGitDescribe}}),
                   {.description = "Where the running version is read from."}),
      Bind<Config>(GALAOS_KEY(update.policy),
                   Enum<UpdatePolicy>({{"patch", UpdatePolicy::kPatch},
                                       {"minor", UpdatePolicy::kMinor},
                                       {"major", UpdatePolicy::kMajor}}),
                   {.description = "Largest version bump applied without an explicit target."}),
      Bind<Config>(GALAOS_KEY(update.allow_downgrade), Bool(),
                   {.description = "Allow installing an older version than the running one."}),
      Bind<Config>(GALAOS_KEY(update.include_prereleases), Bool(),
                   {.description = "Consider prerelease versions and GitHub prereleases."}),
      Bind<Config>(GALAOS_KEY(update.min_release_age), Duration<seconds>(0s, 24h * 365),
                   {.description = "A release must be at least this old to be installed."}),
      Bind<Config>(GALAOS_KEY(update.min_free_disk_mb), Int(0, 1'000'000),
                   {.description = "Preflight refuses an update with less free space (MiB) "
                                   "where the app or the backups live."}),
      // [commands]
      Bind<Config>(GALAOS_KEY(commands.package_manager),
                   Enum<PackageManager>({{"auto", PackageManager::kAuto},
                                         {"npm", PackageManager::kNpm},
                                         {"pnpm", PackageManager::kPnpm},
                                         {"yarn", PackageManager::kYarn},
                                         {"bun", PackageManager::kBun}}),
                   {.description = "Package manager; auto: from the lockfile and the "
                                   "packageManager field."}),
      Bind<Config>(GALAOS_KEY(commands.install), Command(false),
                   {.description = "Install command; empty: the package manager's frozen "
                                   "install (npm ci, pnpm install --frozen-lockfile, ...)."}),
      Bind<Config>(GALAOS_KEY(commands.migrate), Command(false),
                   {.description = "Migration command; empty: prisma migrate deploy when a "
                                   "Prisma schema exists, else no migration."}),
      Bind<Config>(GALAOS_KEY(commands.build), Command(false),
                   {.description = "Build command; empty: the package.json build script when "
                                   "there is one."}),
      Bind<Config>(GALAOS_KEY(commands.restart), Command(false),
                   {.description = "Restarts the application; empty: no restart step."}),
      Bind<Config>(GALAOS_KEY(commands.timeout), Duration<seconds>(1s, 24h * 7),
                   {.description = "Each command is killed (with its process group) after "
                                   "this."}),
      // [backup]
      Bind<Config>(GALAOS_KEY(backup.dir), Path(PathBase::kReader, false),
                   {.description = "Where backups are written (0700; kept outside the app's "
                                   "tree).",
                    .default_text = "<state.dir>/backups"}),
      Bind<Config>(GALAOS_KEY(backup.retention), Int(1, 1000),
                   {.description = "Backups kept; older ones are pruned after a successful "
                                   "update.",
                    .environment = "BACKUP_RETENTION_COUNT"}),
      Bind<Config>(GALAOS_KEY(backup.critical_files), List(String(CriticalFileGlob, "glob")),
                   {.description = "Files copied into each backup: globs relative to "
                                   "app.root (`*` and `?` within a path segment, `**` across "
                                   "segments)."}),
      Bind<Config>(GALAOS_KEY(backup.database), Bool(),
                   {.description = "Dump app.database_url into each backup (pg_dump or the "
                                   "SQLite backup API)."}),
      // [health]
      Bind<Config>(GALAOS_KEY(health.grace_period), Duration<milliseconds>(0s, 1h),
                   {.description = "Wait after a restart before the first post-update check."}),
      Bind<Config>(GALAOS_KEY(health.retries), Int(0, 100),
                   {.description = "Further attempts after a failed check before giving up."}),
      Bind<Config>(GALAOS_KEY(health.interval), Duration<milliseconds>(100ms, 1h),
                   {.description = "Wait between attempts."}),
      Bind<Config>(GALAOS_KEY(health.timeout), Duration<milliseconds>(100ms, 10min),
                   {.description = "Timeout of each check (checks run concurrently)."}),
      Bind<Config>(GALAOS_KEY(health.probation), Duration<seconds>(0s, 24h * 7),
                   {.description = "After a healthy update, a failing check during this window "
                                   "still rolls back, and so does recovery when the updater was "
                                   "killed during it; 0s: none."}),
      Bind<Config>(GALAOS_KEY(health.checks), HealthChecks(),
                   {.description = "Additional typed checks, see below."}),
      // [docker]
      Bind<Config>(GALAOS_KEY(docker.enabled), Bool(),
                   {.description = "Manage containers; false: code updates only."}),
      Bind<Config>(GALAOS_KEY(docker.host), Url({"unix", "tcp"}, true),
                   {.description = "Docker Engine API endpoint.", .environment = "DOCKER_HOST"}),
      Bind<Config>(GALAOS_KEY(docker.managed_label), String(DockerLabel),
                   {.description = "Containers carrying this label are managed."}),
      Bind<Config>(GALAOS_KEY(docker.exclude_label), String(DockerLabel),
                   {.description = "Containers carrying this label are never touched."}),
      Bind<Config>(GALAOS_KEY(docker.compose_files), List(Path(PathBase::kAppRoot, false)),
                   {.description = "Compose files whose services are managed; must lie inside "
                                   "app.root."}),
      Bind<Config>(GALAOS_KEY(docker.compose_project), String(SingleLine),
                   {.description = "Compose project name; empty: as the compose files name "
                                   "it."}),
      Bind<Config>(GALAOS_KEY(docker.containers), List(String(ContainerName, "container name")),
                   {.description = "Further containers managed by name."}),
      Bind<Config>(GALAOS_KEY(docker.monitor_only), List(String(ContainerName, "container name")),
                   {.description = "Containers checked for updates and reported, never "
                                   "updated."}),
      Bind<Config>(GALAOS_KEY(docker.zero_downtime), Bool(),
                   {.description = "Default for updates: start the new container beside the "
                                   "old one where possible."}),
      Bind<Config>(GALAOS_KEY(docker.drain_period), Duration<milliseconds>(0s, 10min),
                   {.description = "Zero-downtime: wait after disconnecting the old container "
                                   "before stopping it."}),
      Bind<Config>(GALAOS_KEY(docker.healthy_timeout), Duration<seconds>(1s, 1h),
                   {.description = "A new container must be healthy within this, or the old "
                                   "one comes back."}),
      Bind<Config>(GALAOS_KEY(docker.image_retention), Int(0, 100),
                   {.description = "Replaced images kept (tagged) for rollback after an update "
                                   "commits."}),
      Bind<Config>(GALAOS_KEY(docker.tag_policy),
                   Enum<TagPolicy>({{"off", TagPolicy::kOff},
                                    {"patch", TagPolicy::kPatch},
                                    {"minor", TagPolicy::kMinor},
                                    {"major", TagPolicy::kMajor}}),
                   {.description = "Report newer semver image tags within this bump; off: "
                                   "digest checks only."}),
      Bind<Config>(GALAOS_KEY(docker.registry_auth), Path(PathBase::kReader, true),
                   {.description = "Docker config.json with registry credentials; empty: "
                                   "$DOCKER_CONFIG/config.json or ~/.docker/config.json."}),
      // [schedule]
      Bind<Config>(GALAOS_KEY(schedule.auto_update), Bool(),
                   {.description = "false: every auto-apply schedule only notifies.",
                    .environment = "AUTO_UPDATE_ENABLED"}),
      Bind<Config>(GALAOS_KEY(schedule.check_cron), String(NonEmptyLine, "cron expression"),
                   {.description = "Default update-check schedule, created on first start "
                                   "(notify only).",
                    .environment = "UPDATE_CHECK_SCHEDULE"}),
      Bind<Config>(GALAOS_KEY(schedule.docker_cron), String(NonEmptyLine, "cron expression"),
                   {.description = "Default docker-update schedule, created on first start "
                                   "(auto-apply)."}),
      Bind<Config>(GALAOS_KEY(schedule.timezone), String(TimeZone, "time zone"),
                   {.description = "Zone of the default schedules: an IANA name or \"local\"."}),
      Bind<Config>(GALAOS_KEY(schedule.maintenance_window), String(SingleLine, "window"),
                   {.description = "Auto-apply only inside this window, e.g. \"Sat,Sun "
                                   "02:00-05:00 Europe/Berlin\"; empty: any time."}),
      Bind<Config>(GALAOS_KEY(schedule.run_missed), Bool(),
                   {.description = "Run a schedule missed while the daemon was down once at "
                                   "start."}),
      Bind<Config>(GALAOS_KEY(schedule.jitter), Duration<seconds>(0s, 24h),
                   {.description = "Random delay of up to this much before a scheduled run."}),
      // [notify]
      Bind<Config>(GALAOS_KEY(notify.max_attempts), Int(1, 100),
                   {.description = "Delivery attempts per notification and sink."}),
      Bind<Config>(GALAOS_KEY(notify.retry_backoff), Duration<seconds>(1s, 24h),
                   {.description = "First retry delay, doubled after each failed attempt."}),
      Bind<Config>(GALAOS_KEY(notify.webhook.url), Url(kHttp),
                   {.description = "Webhook receiving JSON events; empty: disabled.",
                    .sensitivity = Sensitivity::kUrl}),
      Bind<Config>(GALAOS_KEY(notify.webhook.secret), String(SingleLine),
                   {.description = "HMAC-SHA256 key for the X-GalaOS-Signature header; "
                                   "required with a url. Secret.",
                    .sensitivity = Sensitivity::kSecret}),
      Bind<Config>(GALAOS_KEY(notify.slack.webhook_url), Url(kHttp),
                   {.description = "Slack incoming-webhook URL; empty: disabled. Secret.",
                    .sensitivity = Sensitivity::kSecret}),
      Bind<Config>(GALAOS_KEY(notify.email.smtp_url), Url({"smtp", "smtps"}),
                   {.description = "SMTP server, smtp://host:587 or smtps://host:465; empty: "
                                   "disabled.",
                    .sensitivity = Sensitivity::kUrl}),
      Bind<Config>(GALAOS_KEY(notify.email.username), String(SingleLine),
                   {.description = "SMTP user name; empty: no authentication."}),
      Bind<Config>(GALAOS_KEY(notify.email.password), String(SingleLine),
                   {.description = "SMTP password. Secret.", .sensitivity = Sensitivity::kSecret}),
      Bind<Config>(GALAOS_KEY(notify.email.from), String(EmailAddress, "email address"),
                   {.description = "Sender address; required with an smtp_url."}),
      Bind<Config>(GALAOS_KEY(notify.email.to), List(String(RequiredEmailAddress, "email address")),
                   {.description = "Recipients; at least one with an smtp_url."}),
      Bind<Config>(GALAOS_KEY(notify.email.starttls), Bool(),
                   {.description = "Require STARTTLS on smtp:// (smtps:// is always TLS)."}),
      // [api]
      Bind<Config>(GALAOS_KEY(api.enabled), Bool(),
                   {.description = "Serve the HTTP API and dashboard in `serve`."}),
      Bind<Config>(GALAOS_KEY(api.listen), Address(),
                   {.description = "Listen address; loopback unless you mean to expose it."}),
      Bind<Config>(GALAOS_KEY(api.tls_cert), Path(PathBase::kReader, true),
                   {.description = "PEM certificate; with tls_key, the API speaks HTTPS."}),
      Bind<Config>(GALAOS_KEY(api.tls_key), Path(PathBase::kReader, true),
                   {.description = "PEM private key for tls_cert."}),
      Bind<Config>(GALAOS_KEY(api.jwt_enabled), Bool(),
                   {.description = "Also accept the GalaOS API's own JWTs (HS256, `role` claim "
                                   "admin or viewer) as bearer tokens; needs api.jwt_secret."}),
      Bind<Config>(GALAOS_KEY(api.jwt_secret), String(JwtSecret),
                   {.description = "The GalaOS API's HS256 secret (at least 32 random "
                                   "characters; placeholders are refused). Secret.",
                    .environment = "GALAOS_UPDATER_JWT_SECRET",
                    .sensitivity = Sensitivity::kSecret}),
      Bind<Config>(GALAOS_KEY(api.metrics_open_on_loopback), Bool(),
                   {.description = "Serve GET /metrics without a token to clients on loopback "
                                   "(127.0.0.0/8, ::1); otherwise it needs a viewer token."}),
      Bind<Config>(GALAOS_KEY(api.web_root), Path(PathBase::kReader, true),
                   {.description = "Dashboard files; empty: those installed with the binary."}),
      Bind<Config>(GALAOS_KEY(api.max_body_bytes), Int(1024, 64 * 1024 * 1024),
                   {.description = "Largest request body accepted."}),
      Bind<Config>(GALAOS_KEY(api.session_ttl), Duration<seconds>(1min, 24h * 30),
                   {.description = "Lifetime of a dashboard session."}),
      Bind<Config>(GALAOS_KEY(api.request_timeout), Duration<seconds>(1s, 1h),
                   {.description = "Read and write timeout: a client silent this long in "
                                   "the middle of a request, or not reading its response, is "
                                   "disconnected."}),
      Bind<Config>(GALAOS_KEY(api.auth_failures_per_minute), Int(1, 10000),
                   {.description = "Failed sign-ins allowed per client address and minute."}),
      // [log]
      Bind<Config>(GALAOS_KEY(log.format),
                   Enum<core::LogFormat>(
                       {{"text", core::LogFormat::kText}, {"json", core::LogFormat::kJson}}),
                   {.description = "text for people, json for one object per line.",
                    .environment = "GALAOS_UPDATER_LOG_FORMAT"}),
      Bind<Config>(
          GALAOS_KEY(log.level),
          Enum<core::LogLevel>({{"trace", core::LogLevel::kTrace},
                                {"debug", core::LogLevel::kDebug},
                                {"info", core::LogLevel::kInfo},
                                {"warn", core::LogLevel::kWarn},
                                {"error", core::LogLevel::kError},
                                {"off", core::LogLevel::kOff}}),
          {.description = "Least severe level logged.", .environment = "GALAOS_UPDATER_LOG_LEVEL"}),
  };
}

// A string that TOML reads back as `text`, with the quotes.
std::string QuoteToml(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          constexpr std::string_view kHex = "0123456789ABCDEF";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

// -----------------------------------------------------------------------------------------------

std::string Reader::Locate(std::string_view key, Position position) const {
  switch (kind_) {
    case Kind::kFile:
      if (position.line == 0) return name_ + ": " + std::string(key);
      return name_ + ":" + std::to_string(position.line) + ":" + std::to_string(position.column) +
             ": " + std::string(key);
    case Kind::kEnvironment:
      return "env " + name_;
    case Kind::kOverride:
      return "--set " + std::string(key);
  }
  return std::string(key);
}

void Reader::Fail(std::string_view key, Position position, std::string_view message) const {
  errors_->push_back(Locate(key, position) + ": " + std::string(message));
}

void Reader::Record(std::string_view key, Position position) const {
  (*origins_)[std::string(key)] = Locate(key, position);
}

const std::vector<Field<Config>>& ConfigFields() {
  static const std::vector<Field<Config>> kFields = MakeConfigFields();
  return kFields;
}

const Field<Config>* FindConfigField(std::string_view key) {
  const std::vector<Field<Config>>& fields = ConfigFields();
  auto field = std::ranges::find(fields, key, &Field<Config>::key);
  return field == fields.end() ? nullptr : &*field;
}

void ApplyConfigTable(Config& config, const Value& table, const Reader& reader) {
  ApplyTable(ConfigFields(), config, table, reader, "", "");
}

std::string UnknownKeyMessage(std::string_view key) {
  std::vector<std::string> keys;
  for (const Field<Config>& field : ConfigFields()) keys.push_back(field.key);
  if (auto close = Closest(key, keys)) return "unknown key, did you mean '" + *close + "'?";
  std::string_view leaf = key.substr(key.rfind('.') + 1);
  for (const std::string& candidate : keys) {
    if (std::string_view(candidate).substr(candidate.rfind('.') + 1) == leaf) {
      return "unknown key, did you mean '" + candidate + "'?";
    }
  }
  return "unknown key";
}

std::vector<KeyInfo> HealthCheckKeys() {
  const std::string prefix = "health.checks[].";
  std::vector<KeyInfo> keys;
  keys.push_back({prefix + "type", CheckType().type, "(required)", "",
                  "Kind of check; decides which of the keys below apply."});
  for (const Field<HealthCheck>& field : CommonCheckFields()) {
    keys.push_back({prefix + field.key, field.type,
                    field.required ? "(required)" : field.default_text, "", field.description});
  }
  std::size_t common = CommonCheckFields().size();
  for (std::size_t i = 0; i < kCheckTypes.size(); ++i) {
    HealthCheck check{.name = {}, .timeout = {}, .spec = MakeSpec(i)};
    const std::vector<Field<HealthCheck>>& fields = CheckFields()[i];
    for (std::size_t f = common; f < fields.size(); ++f) {
      const Field<HealthCheck>& field = fields[f];
      keys.push_back({prefix + field.key, field.type,
                      field.required ? "(required)" : InlineToml(*field.show(check)), "",
                      fmt::format("[{}] {}", kCheckTypes[i], field.description)});
    }
  }
  return keys;
}

std::filesystem::path NormalPath(const std::filesystem::path& path) {
  std::filesystem::path normal = path.lexically_normal();
  if (!normal.has_filename() && normal.has_relative_path()) normal = normal.parent_path();
  return normal;
}

std::string InlineToml(const Value& value) {
  switch (value.type) {
    case Value::Type::kString:
      return QuoteToml(value.string);
    case Value::Type::kInteger:
      return std::to_string(value.integer);
    case Value::Type::kBoolean:
      return value.boolean ? "true" : "false";
    case Value::Type::kArray: {
      std::vector<std::string> items;
      for (const Value& item : value.items) items.push_back(InlineToml(item));
      return "[" + Join(items, ", ") + "]";
    }
    case Value::Type::kTable: {
      std::vector<std::string> members;
      for (const Value& member : value.items) {
        members.push_back(member.key + " = " + InlineToml(member));
      }
      return "{ " + Join(members, ", ") + " }";
    }
    case Value::Type::kFloat:
    case Value::Type::kDateTime:
      break;  // never produced by a codec
  }
  return {};
}

}  // namespace galaos::config
