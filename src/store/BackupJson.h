// listBackups' JSON: a backup in the shape of the original API's backup entries. Shared by
// `galaos-updater backups list --json` and the API.
//
//   id         backup id
//   path       the backup's directory
//   version    the app version it holds
//   timestamp  ISO 8601 UTC with milliseconds, when it was made
//   metadata   {commit, sizeBytes, verified, manifest (the backup's manifest, or null when
//              unreadable)}
#pragma once

#include <nlohmann/json.hpp>

#include "store/Records.h"

namespace galaos::store {

nlohmann::json BackupJson(const BackupRecord& backup);

}  // namespace galaos::store
