#include "store/UpdateLock.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sodium.h>

#include <ctime>

namespace galaos::store {

namespace fs = std::filesystem;

Expected<core::FileLock> AcquireUpdateLock(const fs::path& state_dir, std::string description) {
  std::error_code error;
  fs::create_directories(state_dir, error);
  if (error) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("creating {}: {}", state_dir.string(), error.message()));
  }
  return core::FileLock::TryAcquire(state_dir / "update.lock", std::move(description));
}

std::string NewTransactionId(TimePoint now) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  return fmt::format("tx-{:%Y%m%d-%H%M%S}-{:08x}", fmt::gmtime(seconds), randombytes_random());
}

}  // namespace galaos::store
