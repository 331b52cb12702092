// A parsed TOML document as plain values with source positions, so that only
// TomlDocument.cpp sees toml++ and the rest of the module speaks our own types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::config {

struct Position {
  int line = 0;  // 1-based; 0: no position (environment, --set)
  int column = 0;
};

struct Value {
  // Floats and date/times are kept only as their type: no key takes them.
  enum class Type { kString, kInteger, kFloat, kBoolean, kDateTime, kArray, kTable };

  Type type = Type::kTable;
  Position position;      // of the value
  std::string key;        // a table member's key; empty for array elements and the root
  Position key_position;  // of the key, for a table member
  std::string string;
  std::int64_t integer = 0;
  bool boolean = false;
  std::vector<Value> items;  // array elements, or table members in document order

  const Value* Find(std::string_view member_key) const;
};

// "a string", "an integer", ... for messages.
std::string_view TypeName(Value::Type type);

// Parses a whole document. A syntax error is reported as "file:line:column: message".
Expected<Value> ParseTomlDocument(std::string_view text, std::string_view file);

// Parses the right-hand side of `key = <text>` (an --set value such as ["a", "b"]); the
// positions in it are not meaningful to a user.
Expected<Value> ParseTomlValue(std::string_view text);

}  // namespace galaos::config
