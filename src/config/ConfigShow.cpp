// `config show` (TOML and JSON, secrets redacted) and Keys(), both walks of the schema.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "config/Config.h"
#include "config/Schema.h"

namespace galaos::config {
namespace {

// The effective config as one table tree, in schema order, secrets redacted.
Value ShowTree(const Config& config) {
  Value root;
  for (const Field<Config>& field : ConfigFields()) {
    std::optional<Value> value = field.show(config);
    if (!value) continue;
    Value* table = &root;
    std::string_view key = field.key;
    for (std::size_t dot = key.find('.'); dot != std::string_view::npos; dot = key.find('.')) {
      std::string section(key.substr(0, dot));
      Value* child = nullptr;
      for (Value& member : table->items) {
        if (member.key == section) child = &member;
      }
      if (child == nullptr) {
        child = &table->items.emplace_back();
        child->key = section;
      }
      table = child;
      key.remove_prefix(dot + 1);
    }
    value->key = std::string(key);
    table->items.push_back(std::move(*value));
  }
  return root;
}

bool IsArrayOfTables(const Value& value) {
  return value.type == Value::Type::kArray && !value.items.empty() &&
         std::ranges::all_of(value.items,
                             [](const Value& item) { return item.type == Value::Type::kTable; });
}

// Keys of a table first, then its sub-tables, then its arrays of tables, as TOML requires.
void RenderTable(const Value& table, const std::string& path, std::string& out) {
  for (const Value& member : table.items) {
    if (member.type != Value::Type::kTable && !IsArrayOfTables(member)) {
      out += member.key + " = " + InlineToml(member) + "\n";
    }
  }
  for (const Value& member : table.items) {
    if (member.type != Value::Type::kTable) continue;
    out += "\n[" + path + member.key + "]\n";
    RenderTable(member, path + member.key + ".", out);
  }
  for (const Value& member : table.items) {
    if (!IsArrayOfTables(member)) continue;
    for (const Value& item : member.items) {
      out += "\n[[" + path + member.key + "]]\n";
      RenderTable(item, path + member.key + ".", out);
    }
  }
}

nlohmann::ordered_json ToJson(const Value& value) {
  switch (value.type) {
    case Value::Type::kString:
      return value.string;
    case Value::Type::kInteger:
      return value.integer;
    case Value::Type::kBoolean:
      return value.boolean;
    case Value::Type::kArray: {
      nlohmann::ordered_json array = nlohmann::ordered_json::array();
      for (const Value& item : value.items) array.push_back(ToJson(item));
      return array;
    }
    case Value::Type::kTable: {
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      for (const Value& member : value.items) object[member.key] = ToJson(member);
      return object;
    }
    case Value::Type::kFloat:
    case Value::Type::kDateTime:
      break;  // never produced by a codec
  }
  return nullptr;
}

}  // namespace

std::string ShowToml(const Config& config) {
  std::string out = "# galaos-updater effective configuration (secrets redacted)\n";
  RenderTable(ShowTree(config), "", out);
  return out;
}

std::string ShowJson(const Config& config) {
  return ToJson(ShowTree(config)).dump(2) + "\n";
}

std::vector<KeyInfo> Keys() {
  const Config defaults;
  std::vector<KeyInfo> keys;
  for (const Field<Config>& field : ConfigFields()) {
    keys.push_back(
        {field.key, field.type,
         field.default_text.empty() ? InlineToml(*field.show(defaults)) : field.default_text,
         field.environment, field.description});
  }
  std::ranges::move(HealthCheckKeys(), std::back_inserter(keys));
  return keys;
}

}  // namespace galaos::config
