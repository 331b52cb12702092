// Helpers shared by the release tests.
#pragma once

#include <stdexcept>
#include <utility>

#include "core/Error.h"

namespace galaos::release::testing {

// The value of a result that must succeed; throws (failing the test) with its error.
template <class T>
T Value(Expected<T> result) {
  if (!result) throw std::runtime_error(result.error().message());
  return std::move(*result);
}

inline void Ok(const Status& status) {
  if (!status) throw std::runtime_error(status.error().message());
}

}  // namespace galaos::release::testing
