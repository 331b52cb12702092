// NodeReference: an npm package, pinned to an exact version, installed from the npm registry
// into a temporary directory, and a node script that answers a differential test's
// questions with it: `node <script> <package dir> <input.json> <output.json>`.
#pragma once

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/Error.h"
#include "core/TempDir.h"

namespace galaos::testing {

class NodeReference {
 public:
  // `packages` are exact specs ("semver@7.8.6"); the first one is the package the script
  // gets. A failed install is an error with npm's output.
  static Expected<NodeReference> Install(std::string_view prefix,
                                         std::vector<std::string> packages);

  // Where the package is installed, for a long-running script that require()s it (e.g. a
  // server started with ServerProcess).
  std::filesystem::path PackageDir() const { return dir_.path() / "node_modules" / package_; }

  // Runs `script` (a path) on `input`; returns the JSON it wrote.
  Expected<nlohmann::json> Ask(const std::filesystem::path& script, const nlohmann::json& input,
                               std::chrono::seconds timeout = std::chrono::seconds(300)) const;

 private:
  NodeReference(core::TempDir dir, std::string package)
      : dir_(std::move(dir)), package_(std::move(package)) {}

  core::TempDir dir_;
  std::string package_;  // the name, without the version
};

}  // namespace galaos::testing
