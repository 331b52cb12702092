// What every subcommand shares: the global options, and the configuration and state store,
// loaded on first use so `--help` and usage errors need neither.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/Config.h"
#include "core/Error.h"
#include "core/Log.h"
#include "store/Store.h"

namespace galaos::cli {

struct GlobalOptions {
  std::string config_path;
  std::vector<std::string> overrides;  // --set key=value, and the flags that map to keys
  std::string log_format;              // empty: from the configuration
  std::string log_level;
};

class Context {
 public:
  explicit Context(GlobalOptions options) : options_(std::move(options)) {}

  GlobalOptions& options() { return options_; }

  // How Config() loads the configuration (the daemon reloads it the same way on SIGHUP).
  config::LoadOptions LoadOptions() const;

  // Loads and validates the configuration once; sets up logging from it.
  Expected<const config::Config*> Config();
  // Opens (creating and migrating) the SQLite store in the state directory once.
  Expected<store::Store*> Store();

 private:
  GlobalOptions options_;
  std::optional<config::Config> config_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace galaos::cli
