#include "store/BackupJson.h"

#include "core/Time.h"

namespace galaos::store {

nlohmann::json BackupJson(const BackupRecord& backup) {
  using nlohmann::json;
  json manifest = json::parse(backup.manifest_json, nullptr, /*allow_exceptions=*/false);
  return {{"id", backup.id},
          {"path", backup.path},
          {"version", backup.version},
          {"timestamp", core::FormatIsoUtc(backup.created_at)},
          {"metadata",
           {{"commit", backup.commit},
            {"sizeBytes", backup.size_bytes},
            {"verified", backup.verified},
            {"manifest", manifest.is_discarded() ? json(nullptr) : manifest}}}};
}

}  // namespace galaos::store
