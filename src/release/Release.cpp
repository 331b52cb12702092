#include "release/Release.h"

#include <algorithm>

namespace galaos::release {

void SortAndDeduplicate(std::vector<Release>& releases) {
  std::ranges::stable_sort(
      releases, [](const Release& a, const Release& b) { return a.version > b.version; });
  const auto duplicates = std::ranges::unique(
      releases, [](const Release& a, const Release& b) { return a.version == b.version; });
  releases.erase(duplicates.begin(), duplicates.end());
}

}  // namespace galaos::release
