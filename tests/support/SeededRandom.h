// SeededRandom: deterministic choices for generated test inputs. std::mt19937_64's sequence
// is fixed by the standard and `%` keeps the mapping independent of the library's
// distributions, so a seed gives the same inputs everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string_view>

namespace galaos::testing {

class SeededRandom {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}

  std::size_t Below(std::size_t n) { return static_cast<std::size_t>(engine_() % n); }
  bool Percent(std::size_t p) { return Below(100) < p; }
  std::string_view Pick(std::initializer_list<std::string_view> items) {
    return items.begin()[Below(items.size())];
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace galaos::testing
