// Zone: a time zone of the system's tz database (/usr/share/zoneinfo), and the conversions
// between instants and local (wall-clock) time the schedule module needs. After a tz file's
// last explicit transition (2037) the POSIX rule in its footer continues the DST changes.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/Error.h"

namespace galaos::schedule {

using Seconds = std::chrono::sys_seconds;
using LocalSeconds = std::chrono::local_seconds;

// A span of time in which a zone's UTC offset does not change: [begin, end).
struct OffsetPeriod {
  Seconds begin;
  Seconds end;
  std::chrono::seconds offset;  // local = UTC + offset
};

class Zone {
 public:
  // "UTC", "local" (the system zone of /etc/localtime; $TZ is not read) or an IANA name such as
  // "Europe/Berlin". An unknown name is kInvalidArgument naming it.
  static Expected<Zone> Locate(std::string_view name);
  static Zone Utc();

  // The name as given to Locate ("local" stays "local").
  const std::string& name() const { return name_; }

  OffsetPeriod PeriodAt(Seconds instant) const;
  LocalSeconds ToLocal(Seconds instant) const;
  // The instant of a local time. In a gap (spring forward) the local time is read with the
  // offset before the gap, i.e. shifted forward by the gap's length (02:30 -> 03:30); a
  // repeated local time (fall back) gives its first occurrence.
  Seconds FromLocal(LocalSeconds local) const;

 private:
  struct Impl;
  Zone(std::string name, std::shared_ptr<const Impl> impl)
      : name_(std::move(name)), impl_(std::move(impl)) {}

  std::string name_;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace galaos::schedule
