// Progress of a long-running update, as its runner reports it: steps starting and finishing,
// and their output lines. Code and Docker updates report through the same callback, so the
// CLI's terminal printer and the API's event stream serve both.
#pragma once

#include <functional>
#include <string>

namespace galaos::core {

struct ProgressEvent {
  enum class Kind { kStepStarted, kStepFinished, kOutput };
  Kind kind = Kind::kStepStarted;
  std::string step{};  // "install", "rollback-code", "pull", ...
  std::string text{};  // the output line, or the step's outcome
  bool ok = true;      // kStepFinished: whether the step succeeded
};
// Called on the updating thread; must not throw.
using ProgressCallback = std::function<void(const ProgressEvent&)>;

}  // namespace galaos::core
