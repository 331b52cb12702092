// Meta rows that belong to one schedule. Store::RemoveSchedule deletes them with the schedule,
// in the same database transaction, so a removed schedule leaves nothing behind.
#pragma once

#include <string>
#include <string_view>

namespace galaos::store {

// What the schedule's runs announced (service::UpdateRunner): a JSON array of offers.
inline std::string AnnouncedMetaKey(std::string_view schedule_id) {
  return "announced." + std::string(schedule_id);
}

}  // namespace galaos::store
