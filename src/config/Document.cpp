#include "config/Document.h"

namespace galaos::config {

const Value* Value::Find(std::string_view member_key) const {
  for (const Value& member : items) {
    if (member.key == member_key) return &member;
  }
  return nullptr;
}

std::string_view TypeName(Value::Type type) {
  switch (type) {
    case Value::Type::kString:
      return "a string";
    case Value::Type::kInteger:
      return "an integer";
    case Value::Type::kFloat:
      return "a float";
    case Value::Type::kBoolean:
      return "a boolean";
    case Value::Type::kDateTime:
      return "a date/time";
    case Value::Type::kArray:
      return "an array";
    case Value::Type::kTable:
      return "a table";
  }
  return "a value";
}

}  // namespace galaos::config
