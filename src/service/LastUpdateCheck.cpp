#include "service/LastUpdateCheck.h"

#include <algorithm>

namespace galaos::service {

void LastUpdateCheck::RecordCode(const Expected<release::UpdateCheck>& check, bool applied) {
  std::lock_guard lock(mutex_);
  found_.code = check ? std::optional(check->available && !applied) : std::nullopt;
}

void LastUpdateCheck::RecordContainers(
    const Expected<std::vector<docker::ContainerImageCheck>>& checks,
    const std::vector<std::string>& updated) {
  std::optional<std::int64_t> count;
  if (checks) {
    count = std::ranges::count_if(*checks, [&](const docker::ContainerImageCheck& check) {
      return check.update_available && std::ranges::find(updated, check.container) == updated.end();
    });
  }
  std::lock_guard lock(mutex_);
  found_.containers = count;
}

LastUpdateCheck::Found LastUpdateCheck::Get() const {
  std::lock_guard lock(mutex_);
  return found_;
}

}  // namespace galaos::service
