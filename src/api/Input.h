// InputReader: validates a procedure's JSON input field by field, as zod does for the
// original router: defaults for absent fields, types and ranges checked, unknown fields
// refused (a typo such as "skipBackups" must not be silently ignored). Every problem is
// collected; Finish() reports them together as one kInvalidArgument naming each field by
// its path ("limit: must be at most 100", "codeOptions.branch: expected a string").
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::api {

class InputReader {
 public:
  // `input` must outlive the reader; null reads as {} (every field absent).
  explicit InputReader(const nlohmann::json& input);
  InputReader(const InputReader&) = delete;
  InputReader& operator=(const InputReader&) = delete;

  bool Has(std::string_view key) const;
  bool Bool(std::string_view key, bool fallback);
  std::int64_t Int(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max);
  std::optional<std::string> OptionalString(std::string_view key);
  std::string RequiredString(std::string_view key);
  // One of `allowed`; absent: `fallback`, or an error when there is none.
  std::string Enum(std::string_view key, std::initializer_list<std::string_view> allowed,
                   std::optional<std::string_view> fallback = std::nullopt);
  // An array of strings; absent: nullopt.
  std::optional<std::vector<std::string>> OptionalStringArray(std::string_view key);
  // A nested object read by its own reader (absent: an empty one); problems in it are
  // reported by this reader's Finish with the key as prefix.
  InputReader& Object(std::string_view key);

  // Ok when the input was an object (or absent) and every field read was valid and known.
  Status Finish() const;

 private:
  InputReader(const nlohmann::json& input, std::string prefix,
              std::shared_ptr<std::vector<std::string>> errors);
  // The field's value, or nullptr when absent (a JSON null counts as absent).
  const nlohmann::json* Field(std::string_view key);
  void Fail(std::string_view key, std::string_view message);
  void CollectUnknown(std::vector<std::string>& problems) const;

  const nlohmann::json& input_;
  std::string prefix_;  // "" or "parent."
  std::shared_ptr<std::vector<std::string>> errors_;
  std::set<std::string, std::less<>> known_;
  std::vector<std::unique_ptr<InputReader>> children_;
};

}  // namespace galaos::api
