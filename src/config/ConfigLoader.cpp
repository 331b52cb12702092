// Load(): defaults < TOML file < environment < --set, then the checks that involve several
// keys. Every problem is collected; the result is either a valid Config or all of them.
#include <cstdlib>
#include <system_error>

#include "config/Config.h"
#include "config/Schema.h"
#include "core/AtomicFile.h"

namespace galaos::config {
namespace {

constexpr std::string_view kConfigVariable = "GALAOS_UPDATER_CONFIG";

std::filesystem::path Absolute(const std::filesystem::path& path,
                               const std::filesystem::path& base) {
  return NormalPath(path.is_relative() ? base / path : path);
}

// Lexically inside (or equal to) root; sibling prefixes such as /app vs /appX are not.
bool IsInside(const std::filesystem::path& path, const std::filesystem::path& root) {
  std::filesystem::path relative = path.lexically_relative(root);
  return !relative.empty() && *relative.begin() != "..";
}

Expected<std::filesystem::path> WorkingDirectory(const LoadOptions& options) {
  if (!options.working_directory.empty()) return NormalPath(options.working_directory);
  std::error_code error;
  std::filesystem::path cwd = std::filesystem::current_path(error);
  if (error) {
    return MakeError(ErrorCode::kIo, "cannot determine the working directory: " + error.message());
  }
  return cwd;
}

struct ConfigFile {
  std::filesystem::path path;
  bool required = false;  // named explicitly, so it must exist
};

ConfigFile ChooseConfigFile(const LoadOptions& options, const std::filesystem::path& cwd) {
  if (!options.config_path.empty()) return {Absolute(options.config_path, cwd), true};
  if (std::optional<std::string> named =
          options.environment ? options.environment(kConfigVariable) : std::nullopt) {
    return {Absolute(*named, cwd), true};
  }
  return {Absolute(options.default_config_path, cwd), false};
}

void ApplyFile(const ConfigFile& file, Config& config, std::vector<std::string>& errors,
               Reader::Origins& origins) {
  std::error_code error;
  std::filesystem::file_status status = std::filesystem::status(file.path, error);
  if (!file.required && status.type() == std::filesystem::file_type::not_found) return;
  if (status.type() == std::filesystem::file_type::directory) {
    errors.push_back(file.path.string() + ": the config file is a directory");
    return;
  }
  Expected<std::string> text = core::ReadFile(file.path);
  if (!text) {
    errors.push_back("cannot read the config file: " + text.error().message());
    return;
  }
  Expected<Value> document = ParseTomlDocument(*text, file.path.string());
  if (!document) {
    errors.push_back(document.error().message());
    return;
  }
  Reader reader(Reader::Kind::kFile, file.path.string(), file.path.parent_path(), errors, origins);
  ApplyConfigTable(config, *document, reader);
}

// An environment or --set value: text for scalars, TOML for arrays and tables. `quoted_toml`:
// a value in quotes is a TOML string (so --set 'k="x"' means x, as in the file).
void ApplyText(const Field<Config>& field, std::string_view text, Config& config,
               const Reader& reader, bool quoted_toml) {
  Value value;
  if (field.structured || (quoted_toml && (text.starts_with('"') || text.starts_with('\'')))) {
    Expected<Value> parsed = ParseTomlValue(text);
    if (!parsed) {
      reader.Fail(field.key, {}, parsed.error().message());
      return;
    }
    value = std::move(*parsed);
  } else {
    value.type = Value::Type::kString;
    value.string = std::string(text);
  }
  if (field.set(config, value, reader, field.key)) reader.Record(field.key, {});
}

void ApplyEnvironment(const Environment& environment, const std::filesystem::path& cwd,
                      Config& config, std::vector<std::string>& errors, Reader::Origins& origins) {
  if (!environment) return;
  for (const Field<Config>& field : ConfigFields()) {
    if (field.environment.empty()) continue;
    std::optional<std::string> text = environment(field.environment);
    if (!text) continue;
    Reader reader(Reader::Kind::kEnvironment, field.environment, cwd, errors, origins);
    ApplyText(field, *text, config, reader, false);
  }
}

void ApplyOverrides(const std::vector<std::string>& overrides, const std::filesystem::path& cwd,
                    Config& config, std::vector<std::string>& errors, Reader::Origins& origins) {
  for (const std::string& assignment : overrides) {
    std::size_t equals = assignment.find('=');
    if (equals == std::string::npos) {
      errors.push_back("--set " + assignment + ": expected key=value");
      continue;
    }
    std::string key = assignment.substr(0, equals);
    const Field<Config>* field = FindConfigField(key);
    if (field == nullptr) {
      errors.push_back("--set " + key + ": " + UnknownKeyMessage(key));
      continue;
    }
    Reader reader(Reader::Kind::kOverride, key, cwd, errors, origins);
    ApplyText(*field, std::string_view(assignment).substr(equals + 1), config, reader, true);
  }
}

// Derived defaults, paths relative to app.root, and rules that involve several keys. An error
// is reported where the first of the named keys was set.
void Finish(Config& config, const Reader::Origins& origins, std::vector<std::string>& errors) {
  auto fail = [&](std::initializer_list<std::string_view> keys, const std::string& message) {
    for (std::string_view key : keys) {
      if (auto origin = origins.find(key); origin != origins.end()) {
        errors.push_back(origin->second + ": " + message);
        return;
      }
    }
    errors.push_back(std::string(*keys.begin()) + ": " + message);
  };
  const std::filesystem::path& root = config.app.root;

  if (config.backup.dir.empty()) config.backup.dir = config.state.dir / "backups";
  for (std::filesystem::path& file : config.docker.compose_files) {
    file = Absolute(file, root);
    if (!IsInside(file, root)) {
      fail({"docker.compose_files"},
           file.string() + " is outside app.root (" + root.string() + ")");
    }
  }
  for (HealthCheck& check : config.health.checks) {
    if (auto* sqlite = std::get_if<SqliteCheck>(&check.spec)) {
      sqlite->path = Absolute(sqlite->path, root);
    }
  }

  const StateConfig& state = config.state;
  if (state.store == StoreKind::kPostgres && state.store_url.empty()) {
    fail({"state.store"}, "\"postgres\" needs state.store_url (or GALAOS_UPDATER_STORE_URL)");
  }
  if (state.store == StoreKind::kSqlite && !state.store_url.empty()) {
    fail({"state.store_url"},
         "is set but state.store is \"sqlite\"; set state.store = \"postgres\"");
  }
  if (config.update.source == ReleaseSource::kGithub && config.github.repo.empty()) {
    fail({"update.source"}, "\"github\" needs github.repo (or GITHUB_REPO)");
  }
  if (config.api.tls_cert.empty() != config.api.tls_key.empty()) {
    fail({"api.tls_cert", "api.tls_key"}, "api.tls_cert and api.tls_key must be set together");
  }

  if (config.api.jwt_enabled && config.api.jwt_secret.empty()) {
    fail({"api.jwt_enabled"},
         "needs api.jwt_secret (or GALAOS_UPDATER_JWT_SECRET): the GalaOS API's HS256 secret");
  }
  if (!config.api.jwt_enabled && !config.api.jwt_secret.empty()) {
    fail({"api.jwt_secret"}, "is set but api.jwt_enabled is false");
  }

  const WebhookSink& webhook = config.notify.webhook;
  if (!webhook.url.empty() && webhook.secret.empty()) {
    fail({"notify.webhook.url"}, "needs notify.webhook.secret to sign the payloads");
  }
  if (webhook.url.empty() && !webhook.secret.empty()) {
    fail({"notify.webhook.secret"}, "is set but notify.webhook.url is not");
  }

  const EmailSink& email = config.notify.email;
  if (email.smtp_url.empty()) {
    auto unused = [&](std::string_view key, bool set) {
      if (set) fail({key}, "is set but notify.email.smtp_url is not");
    };
    unused("notify.email.username", !email.username.empty());
    unused("notify.email.password", !email.password.empty());
    unused("notify.email.from", !email.from.empty());
    unused("notify.email.to", !email.to.empty());
  } else {
    if (email.from.empty()) fail({"notify.email.smtp_url"}, "needs notify.email.from");
    if (email.to.empty()) fail({"notify.email.smtp_url"}, "needs at least one notify.email.to");
    if (email.username.empty() != email.password.empty()) {
      fail({"notify.email.username", "notify.email.password"},
           "notify.email.username and notify.email.password must be set together");
    }
    if (email.smtp_url.starts_with("smtp:") && !email.starttls && !email.password.empty()) {
      fail({"notify.email.starttls", "notify.email.smtp_url"},
           "the SMTP password would travel unencrypted: set starttls = true or use smtps://");
    }
  }
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) {
    if (!text.empty()) text += '\n';
    text += line;
  }
  return text;
}

}  // namespace

Environment ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

Environment FixedEnvironment(std::map<std::string, std::string, std::less<>> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end() || found->second.empty()) return std::nullopt;
    return found->second;
  };
}

std::filesystem::path ConfigPathFor(const LoadOptions& options) {
  Expected<std::filesystem::path> cwd = WorkingDirectory(options);
  return ChooseConfigFile(options, cwd ? *cwd : std::filesystem::path("/")).path;
}

Expected<Config> Load(const LoadOptions& options) {
  std::filesystem::path cwd = TRY(WorkingDirectory(options));
  std::vector<std::string> errors;
  Reader::Origins origins;

  Config config;
  config.app.root = cwd;
  ApplyFile(ChooseConfigFile(options, cwd), config, errors, origins);
  ApplyEnvironment(options.environment, cwd, config, errors, origins);
  ApplyOverrides(options.overrides, cwd, config, errors, origins);
  Finish(config, origins, errors);

  if (!errors.empty()) return MakeError(ErrorCode::kInvalidArgument, JoinLines(errors));
  return config;
}

}  // namespace galaos::config
