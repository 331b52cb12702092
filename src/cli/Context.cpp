#include "cli/Context.h"

#include "core/Clock.h"
#include "store/SqliteStore.h"

namespace galaos::cli {

config::LoadOptions Context::LoadOptions() const {
  config::LoadOptions load;
  load.config_path = options_.config_path;
  load.overrides = options_.overrides;
  return load;
}

Expected<const config::Config*> Context::Config() {
  if (!config_) {
    config::Config loaded = TRY(config::Load(LoadOptions()));
    core::LogFormat format = loaded.log.format;
    core::LogLevel level = loaded.log.level;
    if (!options_.log_format.empty()) format = TRY(core::ParseLogFormat(options_.log_format));
    if (!options_.log_level.empty()) level = TRY(core::ParseLogLevel(options_.log_level));
    core::InitLogging(format, level);
    config_ = std::move(loaded);
  }
  return &*config_;
}

Expected<store::Store*> Context::Store() {
  if (!store_) {
    const config::Config* config = TRY(Config());
    if (config->state.store != config::StoreKind::kSqlite) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "state.store = \"postgres\" is not available in this build yet; use sqlite");
    }
    std::filesystem::path path = config->state.dir / store::kDefaultSqliteFileName;
    store_ = TRY(WithContext(store::OpenSqliteStore(path, core::SystemClock::Instance()),
                             "state store " + path.string()));
  }
  return store_.get();
}

}  // namespace galaos::cli
