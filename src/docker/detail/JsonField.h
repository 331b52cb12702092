// Reading optional fields of JSON documents from outside (registries, config.json), internal
// to the docker module.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace galaos::docker::detail {

// object[key] when it is a string, else "" (also for a document that is not an object).
inline std::string StringField(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace galaos::docker::detail
