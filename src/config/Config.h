// The updater's configuration: one typed struct, loaded once from defaults < TOML file <
// environment < `--set key=value` overrides, validated at load (all errors reported together,
// each as `file:line:column: key: message`, `env VAR: message` or `--set key: message`).
// Every key, its default and its environment variable are listed in docs/CONFIG.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/Error.h"
#include "core/Log.h"

namespace galaos::config {

using Argv = std::vector<std::string>;  // empty: detect a default

enum class StoreKind { kSqlite, kPostgres };
enum class FollowMode { kTags, kBranch };           // newest release tag, or the branch head
enum class ReleaseSource { kAuto, kGit, kGithub };  // auto: GitHub when github.repo is set
enum class VersionSource { kPackageJson, kGitDescribe };
enum class UpdatePolicy { kPatch, kMinor, kMajor };     // the largest bump applied
enum class TagPolicy { kOff, kPatch, kMinor, kMajor };  // newer image tags reported by docker
enum class PackageManager { kAuto, kNpm, kPnpm, kYarn, kBun };

// "host:port"; IPv6 hosts are written in brackets: "[::1]:8080".
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const HostPort&) const = default;
};

struct AppConfig {
  std::filesystem::path root;  // absolute; default: the working directory
  std::string api_url;         // GET by the api health check (2xx = healthy); empty: no check
  std::string database_url;    // postgres:// or file:/sqlite: (dumped by backups, health-checked)
  std::string redis_url;       // redis:// or rediss://; empty: no redis check
  bool operator==(const AppConfig&) const = default;
};

struct StateConfig {
  std::filesystem::path dir = "/var/lib/galaos-updater";  // SQLite store, locks, logs
  StoreKind store = StoreKind::kSqlite;
  std::string store_url;  // postgres:// URL; required when store = postgres
  bool operator==(const StateConfig&) const = default;
};

struct GitConfig {
  std::string remote = "origin";  // a remote name or URL
  std::string branch = "main";    // a valid git branch name (never starts with '-')
  std::string username;  // ssh user when the URL names none; https user sent with the token
  std::string token;     // secret: https password or access token when the URL carries none
  std::filesystem::path ssh_key;          // tried after ssh-agent; empty: ~/.ssh/id_ed25519, id_rsa
  std::filesystem::path ssh_known_hosts;  // empty: ~/.ssh/known_hosts
  bool ssh_accept_new_host_keys = false;  // record unknown hosts' keys (changed keys: refused)
  bool operator==(const GitConfig&) const = default;
};

struct GithubConfig {
  std::string repo;   // "owner/name"; empty: GitHub Releases are not consulted
  std::string token;  // secret
  std::string api_url = "https://api.github.com";
  bool operator==(const GithubConfig&) const = default;
};

struct UpdateConfig {
  FollowMode follow = FollowMode::kTags;
  ReleaseSource source = ReleaseSource::kAuto;
  VersionSource version_source = VersionSource::kPackageJson;
  UpdatePolicy policy = UpdatePolicy::kMinor;
  bool allow_downgrade = false;
  bool include_prereleases = false;
  std::chrono::seconds min_release_age{0};
  int min_free_disk_mb = 1024;  // preflight: free space needed on the app's and backups' disks
  bool operator==(const UpdateConfig&) const = default;
};

struct CommandsConfig {
  PackageManager package_manager = PackageManager::kAuto;
  Argv install;  // empty: from the package manager (npm ci, pnpm install --frozen-lockfile, ...)
  Argv migrate;  // empty: prisma migrate deploy when a Prisma schema exists, else none
  Argv build;    // empty: the package.json `build` script when present
  Argv restart;  // empty: no restart step
  std::chrono::seconds timeout{30 * 60};  // per command
  bool operator==(const CommandsConfig&) const = default;
};

struct BackupConfig {
  std::filesystem::path dir;  // absolute; default: <state.dir>/backups
  int retention = 5;
  // Globs relative to app.root: `*` and `?` within one path segment, `**` any number of
  // segments (zero included). Never absolute, never containing `..`.
  std::vector<std::string> critical_files = {
      "package.json",
      "package-lock.json",
      "npm-shrinkwrap.json",
      "yarn.lock",
      "pnpm-lock.yaml",
      "bun.lockb",
      "bun.lock",
      "**/.env*",
      "**/docker-compose*.yml",
      "**/docker-compose*.yaml",
      "**/compose*.yml",
      "**/compose*.yaml",
  };
  bool database = true;  // dump app.database_url into each backup when it is set
  bool operator==(const BackupConfig&) const = default;
};

// Typed health checks; the check's kind is the variant alternative.
struct HttpCheck {
  std::string url;
  int expected_status = 200;
  std::string body_contains;  // empty: the body is not inspected
  bool operator==(const HttpCheck&) const = default;
};
struct TcpCheck {
  HostPort address;
  bool operator==(const TcpCheck&) const = default;
};
struct PostgresCheck {
  std::string url;
  bool operator==(const PostgresCheck&) const = default;
};
struct RedisCheck {
  std::string url;
  bool operator==(const RedisCheck&) const = default;
};
struct DockerCheck {  // pings docker.host
  bool operator==(const DockerCheck&) const = default;
};
struct SqliteCheck {
  std::filesystem::path path;  // absolute (relative ones are resolved against app.root)
  bool operator==(const SqliteCheck&) const = default;
};
// A BullMQ queue: at least min_workers workers connected, at most max_waiting jobs waiting.
struct WorkerQueueCheck {
  std::string redis_url;
  std::string queue;
  std::string prefix = "bull";
  int max_waiting = 1000;
  int min_workers = 1;
  bool operator==(const WorkerQueueCheck&) const = default;
};
struct CommandCheck {  // healthy when the command exits 0; run in app.root
  Argv argv;
  bool operator==(const CommandCheck&) const = default;
};
using HealthCheckSpec = std::variant<HttpCheck, TcpCheck, PostgresCheck, RedisCheck, DockerCheck,
                                     SqliteCheck, WorkerQueueCheck, CommandCheck>;

struct HealthCheck {
  std::string name;                                  // unique; not api, database, redis or docker
  std::optional<std::chrono::milliseconds> timeout;  // nullopt: health.timeout
  HealthCheckSpec spec;
  bool operator==(const HealthCheck&) const = default;
};

struct HealthConfig {
  // After a restart, before the first check.
  std::chrono::milliseconds grace_period{std::chrono::seconds(10)};
  int retries = 5;                                              // further attempts after a failure
  std::chrono::milliseconds interval{std::chrono::seconds(5)};  // between attempts
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};  // per check
  // After a healthy update, a failing check still rolls back during this window.
  std::chrono::seconds probation{0};
  std::vector<HealthCheck> checks;  // in addition to the built-in api/database/redis/docker
  bool operator==(const HealthConfig&) const = default;
};

struct DockerConfig {
  bool enabled = true;
  std::string host = "unix:///var/run/docker.sock";
  std::string managed_label = "com.galaos.managed=true";  // "key" or "key=value"
  std::string exclude_label = "com.galaos.exclude=true";
  std::vector<std::filesystem::path> compose_files;  // absolute, inside app.root
  std::string compose_project;                       // empty: named by the compose files
  std::vector<std::string> containers;    // managed by name as well
  std::vector<std::string> monitor_only;  // checked and reported, never updated
  bool zero_downtime = false;
  // Zero-downtime: between disconnecting the old container and stopping it.
  std::chrono::milliseconds drain_period{std::chrono::seconds(5)};
  std::chrono::seconds healthy_timeout{120};  // a new container must be healthy by then
  int image_retention = 1;                    // replaced images kept for rollback after a commit
  TagPolicy tag_policy = TagPolicy::kOff;
  std::filesystem::path registry_auth;  // empty: $DOCKER_CONFIG/config.json or ~/.docker/
  bool operator==(const DockerConfig&) const = default;
};

// Seeds for the schedules created on the daemon's first start; the scheduler validates them.
struct ScheduleConfig {
  bool auto_update = true;  // false: every auto-apply schedule only notifies
  std::string check_cron = "0 2 * * *";
  std::string docker_cron = "0 3 * * 0";
  std::string timezone = "local";  // an IANA zone name, or "local"
  std::string maintenance_window;  // e.g. "Sat,Sun 02:00-05:00 Europe/Berlin"; empty: any time
  bool run_missed = true;          // a run missed while the daemon was down runs at start
  std::chrono::seconds jitter{0};  // random delay up to this much
  bool operator==(const ScheduleConfig&) const = default;
};

struct WebhookSink {  // enabled when url is set; secret signs the body (HMAC-SHA256)
  std::string url;
  std::string secret;
  bool operator==(const WebhookSink&) const = default;
};
struct SlackSink {  // enabled when webhook_url is set; the URL itself is a secret
  std::string webhook_url;
  bool operator==(const SlackSink&) const = default;
};
struct EmailSink {       // enabled when smtp_url is set
  std::string smtp_url;  // smtp://host:587 or smtps://host:465
  std::string username;
  std::string password;
  std::string from;
  std::vector<std::string> to;
  bool starttls = true;  // required on smtp:// (ignored on smtps://)
  bool operator==(const EmailSink&) const = default;
};

struct NotifyConfig {
  int max_attempts = 8;
  std::chrono::seconds retry_backoff{30};  // first retry delay, doubled per attempt
  WebhookSink webhook;
  SlackSink slack;
  EmailSink email;
  bool operator==(const NotifyConfig&) const = default;
};

struct ApiConfig {
  bool enabled = true;
  HostPort listen{"127.0.0.1", 7780};
  std::filesystem::path tls_cert;  // both or neither
  std::filesystem::path tls_key;
  bool jwt_enabled = false;  // accept GalaOS JWTs signed with jwt_secret
  std::string jwt_secret;
  bool metrics_open_on_loopback = false;  // false: /metrics needs a viewer token
  std::filesystem::path web_root;         // empty: the dashboard installed with the binary
  int max_body_bytes = 1024 * 1024;
  std::chrono::seconds session_ttl{12 * 60 * 60};
  std::chrono::seconds request_timeout{30};  // a client slower than this is disconnected
  int auth_failures_per_minute = 10;         // per client address
  bool operator==(const ApiConfig&) const = default;
};

struct LogConfig {
  core::LogFormat format = core::LogFormat::kText;
  core::LogLevel level = core::LogLevel::kInfo;
  bool operator==(const LogConfig&) const = default;
};

// Default-constructed: the defaults, except app.root and backup.dir, which are derived (the
// working directory, <state.dir>/backups) and filled in by Load.
struct Config {
  AppConfig app;
  StateConfig state;
  GitConfig git;
  GithubConfig github;
  UpdateConfig update;
  CommandsConfig commands;
  BackupConfig backup;
  HealthConfig health;
  DockerConfig docker;
  ScheduleConfig schedule;
  NotifyConfig notify;
  ApiConfig api;
  LogConfig log;
  bool operator==(const Config&) const = default;
};

inline constexpr std::string_view kDefaultConfigPath = "/etc/galaos-updater/config.toml";

// Looks up one environment variable; nullopt when unset. Set-but-empty counts as unset.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment ProcessEnvironment();
Environment FixedEnvironment(std::map<std::string, std::string, std::less<>> variables);

struct LoadOptions {
  // The config file (--config). Empty: $GALAOS_UPDATER_CONFIG, else default_config_path.
  // A file named here or in the variable must exist; a missing default file means defaults.
  std::filesystem::path config_path;
  std::filesystem::path default_config_path{kDefaultConfigPath};
  // "dotted.key=value", applied last, in order. Values are typed like the file's: strings
  // are taken as written (or as a TOML string when quoted), booleans accept
  // true/false/1/0/yes/no, arrays and tables are TOML (`commands.install=["npm","ci"]`).
  std::vector<std::string> overrides;
  Environment environment = ProcessEnvironment();  // empty: no variables at all
  // Relative paths from the environment and --set are resolved against this, as is the
  // default app.root. Empty: the process's current directory.
  std::filesystem::path working_directory;
};

// Loads and validates. On failure the Error (kInvalidArgument) holds one line per problem.
Expected<Config> Load(const LoadOptions& options);

// The file Load reads (or would read) for these options.
std::filesystem::path ConfigPathFor(const LoadOptions& options);

// The effective configuration for `config show`, secrets redacted: tokens, passwords,
// webhook secrets and Slack URLs as "***", passwords inside URLs as user:***@host.
// The TOML text loads back into the same Config when no secret was set.
std::string ShowToml(const Config& config);
std::string ShowJson(const Config& config);

// One documented key (docs/CONFIG.md); health-check keys appear as `health.checks[].<key>`.
struct KeyInfo {
  std::string key;
  std::string type;           // e.g. "string", "duration (0s .. 1d)", "one of tags, branch"
  std::string default_value;  // as written in TOML, or a description of a derived default
  std::string environment;    // the variable that sets it, or empty
  std::string description;
};
std::vector<KeyInfo> Keys();

}  // namespace galaos::config
