// The config schema: every key with its type, parser, printer, environment variable and
// documentation, in one table. Loading, `config show` and Keys() all walk this table, so a
// key cannot be readable but undocumented, or printed but not readable. Private to the module.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/Config.h"
#include "config/Document.h"

namespace galaos::config {

// Where the values being read come from: formats error locations, collects errors and
// remembers where each key was set (for checks that involve several keys).
class Reader {
 public:
  enum class Kind { kFile, kEnvironment, kOverride };
  using Origins = std::map<std::string, std::string, std::less<>>;

  Reader(Kind kind, std::string name, std::filesystem::path base_dir,
         std::vector<std::string>& errors, Origins& origins)
      : kind_(kind),
        name_(std::move(name)),
        base_dir_(std::move(base_dir)),
        errors_(&errors),
        origins_(&origins) {}

  // Environment and --set values arrive as text, so booleans and integers may be strings.
  bool text() const { return kind_ != Kind::kFile; }
  // Relative host paths are resolved against this directory.
  const std::filesystem::path& base_dir() const { return base_dir_; }

  // "file:line:column: key", "env VAR" or "--set key".
  std::string Locate(std::string_view key, Position position) const;
  void Fail(std::string_view key, Position position, std::string_view message) const;
  void Record(std::string_view key, Position position) const;

 private:
  Kind kind_;
  std::string name_;  // file path, variable name, or unused for --set
  std::filesystem::path base_dir_;
  std::vector<std::string>* errors_;
  Origins* origins_;
};

template <class T>
struct Codec {
  std::string type;         // for the documentation
  bool structured = false;  // arrays and tables: text input (--set) is parsed as TOML
  // Reports its own errors to the reader; nullopt when the value was rejected.
  std::function<std::optional<T>(const Value&, const Reader&, const std::string& key)> parse;
  // As printed by `config show`, before redaction; nullopt: the key is omitted.
  std::function<std::optional<Value>(const T&)> show;
};

enum class Sensitivity { kNone, kSecret, kUrl };

template <class Root>
struct Field {
  std::string key;  // dotted, relative to Root
  std::string type;
  std::string environment;
  std::string description;
  std::string default_text;  // when the default is derived rather than a constant
  bool structured = false;
  bool required = false;
  // Parses `value` into root; false (with errors reported) when it was rejected.
  std::function<bool(Root&, const Value&, const Reader&, const std::string& key)> set;
  // The value as `config show` prints it, secrets redacted; nullopt: omitted.
  std::function<std::optional<Value>(const Root&)> show;
};

const std::vector<Field<Config>>& ConfigFields();
const Field<Config>* FindConfigField(std::string_view key);

// Applies a parsed document to config: known keys are parsed and recorded, unknown keys and
// wrong types are reported to the reader.
void ApplyConfigTable(Config& config, const Value& table, const Reader& reader);

// "unknown key" plus ", did you mean 'x'?" when a known key is close to it.
std::string UnknownKeyMessage(std::string_view key);

// The health-check part of Keys(): `health.checks[].<key>` for every check type.
std::vector<KeyInfo> HealthCheckKeys();

// Lexically normal and without a trailing separator: "/a/./b/" -> "/a/b".
std::filesystem::path NormalPath(const std::filesystem::path& path);

// A value as written on the right-hand side of `key = ...`.
std::string InlineToml(const Value& value);

}  // namespace galaos::config
