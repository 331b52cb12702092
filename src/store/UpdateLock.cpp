#include "store/UpdateLock.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sodium.h>

#include <ctime>

namespace galaos::store {

namespace fs = std::filesystem;
namespace {

fs::path LockPath(const fs::path& state_dir) {
  return state_dir / kUpdateLockFileName;
}

}  // namespace

Expected<core::FileLock> AcquireUpdateLock(const fs::path& state_dir, std::string description) {
  std::error_code error;
  fs::create_directories(state_dir, error);
  if (error) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("creating {}: {}", state_dir.string(), error.message()));
  }
  return core::FileLock::TryAcquire(LockPath(state_dir), std::move(description));
}

Status RefuseWhileUpdating(const fs::path& state_dir) {
  const core::FileLock::Inspection lock = TRY(core::FileLock::Inspect(LockPath(state_dir)));
  if (!lock.held) return {};
  return MakeError(
      ErrorCode::kConflict,
      fmt::format("another update is running: pid {} ({})", lock.owner ? lock.owner->pid : 0,
                  lock.owner ? lock.owner->description : "unknown"));
}

std::string NewTransactionId(TimePoint now) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  return fmt::format("tx-{:%Y%m%d-%H%M%S}-{:08x}", fmt::gmtime(seconds), randombytes_random());
}

}  // namespace galaos::store
