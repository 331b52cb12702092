#include "support/NodeReference.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/AtomicFile.h"
#include "core/Process.h"

namespace galaos::testing {

namespace {

// Runs a tool; fails with its exit status and the tails of its output.
Status RunTool(std::vector<std::string> argv, const std::filesystem::path& cwd,
               std::chrono::seconds timeout) {
  core::ProcessOptions options;
  options.argv = std::move(argv);
  options.cwd = cwd;
  options.timeout = timeout;
  const std::string command = fmt::format("{}", fmt::join(options.argv, " "));
  const auto result = TRY(core::RunProcess(std::move(options)));
  if (result.Succeeded()) return {};
  return MakeError(ErrorCode::kFailed,
                   fmt::format("`{}` {}\nstdout:\n{}\nstderr:\n{}", command, result.Describe(),
                               result.stdout_tail, result.stderr_tail));
}

}  // namespace

Expected<NodeReference> NodeReference::Install(std::string_view prefix,
                                               std::vector<std::string> packages) {
  auto dir = TRY(core::TempDir::Create(prefix));
  // A package.json keeps npm from installing into a parent directory's package.
  TRY(core::WriteFileAtomic(dir.path() / "package.json",
                            R"({"name": "reference", "private": true})"));
  const std::string& first = packages.front();
  std::string package = first.substr(0, first.find('@', 1));
  std::vector<std::string> argv = {"npm", "install", "--no-audit", "--no-fund", "--save-exact"};
  argv.insert(argv.end(), packages.begin(), packages.end());
  TRY(WithContext(RunTool(std::move(argv), dir.path(), std::chrono::seconds(180)),
                  "installing the reference implementation"));
  return NodeReference(std::move(dir), std::move(package));
}

Expected<nlohmann::json> NodeReference::Ask(const std::filesystem::path& script,
                                            const nlohmann::json& input,
                                            std::chrono::seconds timeout) const {
  const std::filesystem::path in = dir_.path() / "input.json";
  const std::filesystem::path out = dir_.path() / "output.json";
  TRY(core::WriteFileAtomic(in, input.dump()));
  TRY(RunTool({"node", script.string(), (dir_.path() / "node_modules" / package_).string(),
               in.string(), out.string()},
              dir_.path(), timeout));
  const std::string text = TRY(core::ReadFile(out));
  nlohmann::json output = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (output.is_discarded()) {
    return MakeError(ErrorCode::kCorrupt, fmt::format("{} wrote invalid JSON", script.string()));
  }
  return output;
}

}  // namespace galaos::testing
