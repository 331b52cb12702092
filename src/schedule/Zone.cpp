#include "schedule/Zone.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <exception>

namespace galaos::schedule {

struct Zone::Impl {
  const date::time_zone* tz;
};

namespace {

// date's sys_seconds is std::chrono::sys_seconds; its local_seconds has a clock of its own.
date::local_seconds ToDate(LocalSeconds local) {
  return date::local_seconds{local.time_since_epoch()};
}

}  // namespace

Expected<Zone> Zone::Locate(std::string_view name) {
  const std::string text(name);
  try {
    const date::time_zone* tz = text == "local"
                                    ? date::current_zone()
                                    : date::locate_zone(text == "UTC" ? "Etc/UTC" : text);
    return Zone(text, std::make_shared<const Impl>(Impl{tz}));
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("unknown time zone \"{}\" (expected an IANA name such as "
                                 "Europe/Berlin, \"UTC\" or \"local\"): {}",
                                 text, e.what()));
  }
}

Zone Zone::Utc() {
  static const std::shared_ptr<const Impl> utc =
      std::make_shared<const Impl>(Impl{date::locate_zone("Etc/UTC")});
  return Zone("UTC", utc);
}

OffsetPeriod Zone::PeriodAt(Seconds instant) const {
  const date::sys_info info = impl_->tz->get_info(instant);
  return {info.begin, info.end, info.offset};
}

LocalSeconds Zone::ToLocal(Seconds instant) const {
  return LocalSeconds{instant.time_since_epoch() + PeriodAt(instant).offset};
}

Seconds Zone::FromLocal(LocalSeconds local) const {
  // For a gap `first` is the period before it; for a repeated time, the earlier occurrence.
  const date::local_info info = impl_->tz->get_info(ToDate(local));
  return Seconds{local.time_since_epoch() - info.first.offset};
}

}  // namespace galaos::schedule
