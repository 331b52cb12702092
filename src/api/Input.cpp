#include "api/Input.h"

#include <fmt/format.h>

#include <utility>

namespace galaos::api {
namespace {

const nlohmann::json& EmptyObject() {
  static const nlohmann::json empty = nlohmann::json::object();
  return empty;
}

std::string_view TypeName(const nlohmann::json& value) {
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  return "null";
}

}  // namespace

InputReader::InputReader(const nlohmann::json& input)
    : InputReader(input, "", std::make_shared<std::vector<std::string>>()) {}

InputReader::InputReader(const nlohmann::json& input, std::string prefix,
                         std::shared_ptr<std::vector<std::string>> errors)
    : input_(input.is_null() ? EmptyObject() : input),
      prefix_(std::move(prefix)),
      errors_(std::move(errors)) {}

void InputReader::Fail(std::string_view key, std::string_view message) {
  errors_->push_back(fmt::format("{}{}: {}", prefix_, key, message));
}

bool InputReader::Has(std::string_view key) const {
  return input_.is_object() && input_.contains(key) && !input_.at(std::string(key)).is_null();
}

const nlohmann::json* InputReader::Field(std::string_view key) {
  known_.emplace(key);
  if (!Has(key)) return nullptr;
  return &input_.at(std::string(key));
}

bool InputReader::Bool(std::string_view key, bool fallback) {
  const nlohmann::json* value = Field(key);
  if (!value) return fallback;
  if (!value->is_boolean()) {
    Fail(key, fmt::format("expected a boolean, got {}", TypeName(*value)));
    return fallback;
  }
  return value->get<bool>();
}

std::int64_t InputReader::Int(std::string_view key, std::int64_t fallback, std::int64_t min,
                              std::int64_t max) {
  const nlohmann::json* value = Field(key);
  if (!value) return fallback;
  if (!value->is_number_integer()) {
    Fail(key, value->is_number() ? "expected an integer"
                                 : fmt::format("expected a number, got {}", TypeName(*value)));
    return fallback;
  }
  // An unsigned value above INT64_MAX reads as negative through get<int64_t>: check first.
  if (value->is_number_unsigned() &&
      value->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    Fail(key, fmt::format("must be at most {}", max));
    return fallback;
  }
  std::int64_t number = value->get<std::int64_t>();
  if (number < min) Fail(key, fmt::format("must be at least {}", min));
  if (number > max) Fail(key, fmt::format("must be at most {}", max));
  return number < min || number > max ? fallback : number;
}

std::optional<std::string> InputReader::OptionalString(std::string_view key) {
  const nlohmann::json* value = Field(key);
  if (!value) return std::nullopt;
  if (!value->is_string()) {
    Fail(key, fmt::format("expected a string, got {}", TypeName(*value)));
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::string InputReader::RequiredString(std::string_view key) {
  if (!Has(key)) {
    known_.emplace(key);
    Fail(key, "required");
    return {};
  }
  return OptionalString(key).value_or("");
}

std::string InputReader::Enum(std::string_view key, std::initializer_list<std::string_view> allowed,
                              std::optional<std::string_view> fallback) {
  if (!Has(key)) {
    known_.emplace(key);
    if (!fallback) Fail(key, "required");
    return std::string(fallback.value_or(""));
  }
  std::optional<std::string> value = OptionalString(key);
  if (!value) return std::string(fallback.value_or(""));
  for (std::string_view option : allowed) {
    if (*value == option) return *value;
  }
  Fail(key, fmt::format("expected one of {}, got \"{}\"", fmt::join(allowed, ", "), *value));
  return std::string(fallback.value_or(""));
}

std::optional<std::vector<std::string>> InputReader::OptionalStringArray(std::string_view key) {
  const nlohmann::json* value = Field(key);
  if (!value) return std::nullopt;
  if (!value->is_array()) {
    Fail(key, fmt::format("expected an array, got {}", TypeName(*value)));
    return std::nullopt;
  }
  std::vector<std::string> items;
  for (size_t i = 0; i < value->size(); ++i) {
    if (!(*value)[i].is_string()) {
      Fail(fmt::format("{}[{}]", key, i),
           fmt::format("expected a string, got {}", TypeName((*value)[i])));
      continue;
    }
    items.push_back((*value)[i].get<std::string>());
  }
  return items;
}

InputReader& InputReader::Object(std::string_view key) {
  const nlohmann::json* value = Field(key);
  if (value && !value->is_object()) {
    Fail(key, fmt::format("expected an object, got {}", TypeName(*value)));
    value = nullptr;
  }
  children_.push_back(std::unique_ptr<InputReader>(new InputReader(
      value ? *value : EmptyObject(), fmt::format("{}{}.", prefix_, key), errors_)));
  return *children_.back();
}

void InputReader::CollectUnknown(std::vector<std::string>& problems) const {
  if (!input_.is_object()) return;
  for (const auto& [key, value] : input_.items()) {
    if (!known_.contains(key)) problems.push_back(fmt::format("{}{}: unknown field", prefix_, key));
  }
  for (const auto& child : children_) child->CollectUnknown(problems);
}

Status InputReader::Finish() const {
  if (!input_.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("input: expected an object, got {}", TypeName(input_)));
  }
  std::vector<std::string> problems = *errors_;
  CollectUnknown(problems);
  if (problems.empty()) return {};
  return MakeError(ErrorCode::kInvalidArgument, fmt::format("{}", fmt::join(problems, "; ")));
}

}  // namespace galaos::api
