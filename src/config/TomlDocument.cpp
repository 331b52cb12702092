// The only translation unit that includes toml++. Debian's libtomlplusplus.so is built with
// exceptions, so toml++ is compiled here header-only with TOML_EXCEPTIONS=0: parse() returns
// a parse_result and nothing throws.
#undef TOML_SHARED_LIB
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <algorithm>
#include <utility>

#include "config/Document.h"

namespace galaos::config {
namespace {

Position ToPosition(const toml::source_position& position) {
  return {static_cast<int>(position.line), static_cast<int>(position.column)};
}

Value Convert(const toml::node& node) {
  Value value;
  value.position = ToPosition(node.source().begin);
  switch (node.type()) {
    case toml::node_type::string:
      value.type = Value::Type::kString;
      value.string = node.as_string()->get();
      break;
    case toml::node_type::integer:
      value.type = Value::Type::kInteger;
      value.integer = node.as_integer()->get();
      break;
    case toml::node_type::floating_point:
      value.type = Value::Type::kFloat;
      break;
    case toml::node_type::boolean:
      value.type = Value::Type::kBoolean;
      value.boolean = node.as_boolean()->get();
      break;
    case toml::node_type::array:
      value.type = Value::Type::kArray;
      for (const toml::node& element : *node.as_array()) value.items.push_back(Convert(element));
      break;
    case toml::node_type::table:
      value.type = Value::Type::kTable;
      for (auto&& [key, member] : *node.as_table()) {
        Value& converted = value.items.emplace_back(Convert(member));
        converted.key = std::string(key.str());
        converted.key_position = ToPosition(key.source().begin);
      }
      // toml++ orders members by key; errors read better in the order they were written.
      std::ranges::stable_sort(value.items, [](const Value& a, const Value& b) {
        return std::pair(a.key_position.line, a.key_position.column) <
               std::pair(b.key_position.line, b.key_position.column);
      });
      break;
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
    case toml::node_type::none:
      value.type = Value::Type::kDateTime;
      break;
  }
  return value;
}

}  // namespace

Expected<Value> ParseTomlDocument(std::string_view text, std::string_view file) {
  toml::parse_result result = toml::parse(text, file);
  if (!result) {
    const toml::parse_error& error = result.error();
    Position at = ToPosition(error.source().begin);
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(file) + ":" + std::to_string(at.line) + ":" +
                         std::to_string(at.column) +
                         ": invalid TOML: " + std::string(error.description()));
  }
  return Convert(result.table());
}

Expected<Value> ParseTomlValue(std::string_view text) {
  std::string document = "value = " + std::string(text);
  toml::parse_result result = toml::parse(document, std::string_view("--set"));
  if (!result) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid TOML value: " + std::string(result.error().description()));
  }
  const toml::table& table = result.table();
  if (table.size() != 1 || !table.contains("value")) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid TOML value: expected a single value");
  }
  return Convert(*table.get("value"));
}

}  // namespace galaos::config
