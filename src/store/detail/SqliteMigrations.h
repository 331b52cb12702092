// Internal to the store module: the ordered schema migrations of the SQLite backend.
#pragma once

#include "core/Error.h"
#include "store/detail/SqliteConnection.h"

namespace galaos::store::sqlite {

// Applies, in one IMMEDIATE transaction, every migration above the file's PRAGMA user_version
// up to `target`, then sets user_version. All or nothing. Never downgrades; a file whose
// version is newer than kSqliteSchemaVersion is refused.
Status Migrate(Connection& db, int target);

}  // namespace galaos::store::sqlite
