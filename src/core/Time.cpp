#include "core/Time.h"

#include <array>
#include <cstdio>
#include <ctime>

namespace galaos::core {

std::string FormatIsoUtc(std::chrono::system_clock::time_point time) {
  const auto millis = std::chrono::floor<std::chrono::milliseconds>(time);
  const auto seconds = std::chrono::floor<std::chrono::seconds>(millis);
  const std::time_t t = std::chrono::system_clock::to_time_t(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  std::array<char, 32> stamp{};
  std::strftime(stamp.data(), stamp.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  std::array<char, 48> out{};
  std::snprintf(out.data(), out.size(), "%s.%03dZ", stamp.data(),
                static_cast<int>((millis - seconds).count()));
  return out.data();
}

}  // namespace galaos::core
