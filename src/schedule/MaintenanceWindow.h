// MaintenanceWindow: when an automatic update may be applied, as days of the week and a local
// time range in a zone: "Sat,Sun 02:00-05:00 Europe/Berlin". Times are wall-clock times, so
// a window is shorter or longer in real time on a DST day (docs/SCHEDULES.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/Error.h"
#include "schedule/Zone.h"

namespace galaos::schedule {

class MaintenanceWindow {
 public:
  // "DAYS HH:MM-HH:MM [ZONE]". DAYS: a list of names or ranges, case-insensitive ("Sat,Sun",
  // "Mon-Fri", "fri-mon" wraps over the weekend, "Monday"). END may be 24:00; an END before
  // START makes an overnight window that belongs to its start day ("Fri 22:00-04:00" is
  // Friday 22:00 to Saturday 04:00). ZONE defaults to `default_zone`. kInvalidArgument names
  // the bad part.
  static Expected<MaintenanceWindow> Parse(std::string_view text, const Zone& default_zone);

  const std::string& text() const { return text_; }
  const Zone& zone() const { return zone_; }

  // Whether the window is open at `time`.
  bool Contains(std::chrono::system_clock::time_point time) const;

  // The first instant strictly after `after` at which the window opens. An opening time in
  // a DST gap opens the window when the gap ends; a repeated one at its first occurrence.
  // nullopt only if no opening exists within the next three weeks (every one in a gap).
  std::optional<Seconds> NextOpening(std::chrono::system_clock::time_point after) const;

 private:
  MaintenanceWindow(std::string text, Zone zone) : text_(std::move(text)), zone_(std::move(zone)) {}
  bool OpenAtLocal(LocalSeconds local) const;

  std::string text_;
  Zone zone_;
  std::uint8_t days_ = 0;  // bit 0 = Sunday
  std::chrono::minutes start_{0};
  std::chrono::minutes end_{0};  // <= start_: ends the next day
};

}  // namespace galaos::schedule
