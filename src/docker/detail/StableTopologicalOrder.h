// A stable dependency order over items named by index, internal to the docker module.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/Error.h"

namespace galaos::docker::detail {

// The indices 0..n-1 ordered so that each comes after those in depends_on[i], otherwise in
// index order. A cycle is a kInvalidArgument error "<what> depend on each other in a cycle: "
// followed by the names of the items that could not be placed.
inline Expected<std::vector<std::size_t>> StableTopologicalOrder(
    const std::vector<std::set<std::size_t>>& depends_on, const std::vector<std::string>& names,
    std::string_view what) {
  const std::size_t count = depends_on.size();
  // Repeatedly take the first item whose dependencies are all placed: O(n^2), fine for the
  // dozens of containers or services a host runs.
  std::vector<std::size_t> ordered;
  std::vector<bool> placed(count, false);
  while (ordered.size() < count) {
    std::optional<std::size_t> next;
    for (std::size_t i = 0; i < count && !next; ++i) {
      if (!placed[i] && std::ranges::all_of(depends_on[i], [&](auto j) { return placed[j]; })) {
        next = i;
      }
    }
    if (!next) {
      std::string cycle;
      for (std::size_t i = 0; i < count; ++i) {
        if (!placed[i]) cycle += (cycle.empty() ? "" : ", ") + names[i];
      }
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string(what) + " depend on each other in a cycle: " + cycle);
    }
    placed[*next] = true;
    ordered.push_back(*next);
  }
  return ordered;
}

}  // namespace galaos::docker::detail
