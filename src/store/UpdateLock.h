// The single-flight lock of every updater process working on one state directory: code
// updates, rollbacks, Docker updates and recovery all hold <state.dir>/update.lock for the
// whole transaction, so only one of them changes the system at a time, and transaction ids.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/Error.h"
#include "core/FileLock.h"
#include "store/Records.h"

namespace galaos::store {

// The lock's file name inside the state directory.
inline constexpr std::string_view kUpdateLockFileName = "update.lock";

// Creates `state_dir` if needed and takes <state_dir>/update.lock without waiting, described
// as `description` (e.g. "update <tx-id>", "docker <tx-id>"). Held by a live process: kConflict
// naming that process and its description.
Expected<core::FileLock> AcquireUpdateLock(const std::filesystem::path& state_dir,
                                           std::string description);

// Ok when no live process holds <state_dir>/update.lock (it is not taken); else kConflict
// "another update is running: pid N (<description>)". For work that only must not start
// while an update runs.
Status RefuseWhileUpdating(const std::filesystem::path& state_dir);

// "tx-YYYYMMDD-HHMMSS-<8 hex>" (UTC, random suffix): the id of a new transaction.
std::string NewTransactionId(TimePoint now);

}  // namespace galaos::store
