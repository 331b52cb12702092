// LastUpdateCheck: what the daemon's update checks found last, per kind, for /metrics
// (galaos_updater_updates_available). Every check the daemon makes records here: the API's
// checkForUpdates and the UpdateRunner's runs (schedules, triggerUpdate). A check of one kind
// leaves the other kind's finding as it was; a run that applied what it found records what is
// still available afterwards. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/Error.h"
#include "docker/ImageCheck.h"
#include "release/UpdateChecker.h"

namespace galaos::service {

class LastUpdateCheck {
 public:
  struct Found {
    std::optional<bool> code{};                // nullopt: never checked, or the check failed
    std::optional<std::int64_t> containers{};  // with an update; nullopt as for code
  };

  // A code check's finding: available, unless the same run `applied` it; a failed check
  // leaves nothing known.
  void RecordCode(const Expected<release::UpdateCheck>& check, bool applied = false);
  // A container check's finding: the containers with an update, less those the same run
  // `updated`; a failed check leaves nothing known.
  void RecordContainers(const Expected<std::vector<docker::ContainerImageCheck>>& checks,
                        const std::vector<std::string>& updated = {});
  Found Get() const;

 private:
  mutable std::mutex mutex_;
  Found found_;
};

}  // namespace galaos::service
