#include "api/AuthLimiter.h"

#include <algorithm>

namespace galaos::api {
namespace {
constexpr std::chrono::minutes kWindow{1};
}

AuthLimiter::AuthLimiter(int failures_per_minute, core::Clock& clock)
    : limit_(static_cast<std::size_t>(std::max(failures_per_minute, 1))), clock_(clock) {}

void AuthLimiter::Prune(std::deque<Instant>& failures, Instant now) const {
  while (!failures.empty() && now - failures.front() >= kWindow) failures.pop_front();
}

std::optional<std::chrono::seconds> AuthLimiter::BlockedFor(std::string_view address) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(address);
  if (it == failures_.end()) return std::nullopt;
  const Instant now = clock_.SteadyNow();
  Prune(it->second, now);
  if (it->second.size() < limit_) {
    if (it->second.empty()) failures_.erase(it);
    return std::nullopt;
  }
  // Free again when the oldest failure that keeps the count at the limit leaves the window.
  const Instant free_at = it->second[it->second.size() - limit_] + kWindow;
  return std::chrono::ceil<std::chrono::seconds>(free_at - now);
}

void AuthLimiter::RecordFailure(std::string_view address) {
  std::lock_guard lock(mutex_);
  const Instant now = clock_.SteadyNow();
  auto it = failures_.find(address);
  if (it == failures_.end()) {
    if (failures_.size() >= kMaxAddresses) {
      auto stalest = std::min_element(
          failures_.begin(), failures_.end(),
          [](const auto& a, const auto& b) { return a.second.back() < b.second.back(); });
      failures_.erase(stalest);
    }
    it = failures_.emplace(std::string(address), std::deque<Instant>{}).first;
  }
  Prune(it->second, now);
  it->second.push_back(now);
  // Only the newest `limit_` failures matter for BlockedFor.
  while (it->second.size() > limit_) it->second.pop_front();
}

}  // namespace galaos::api
