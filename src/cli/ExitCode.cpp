#include "cli/ExitCode.h"

namespace galaos::cli {

int ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return kExitUsage;
    case ErrorCode::kConflict:
      return kExitConflict;
    case ErrorCode::kNotFound:
      return kExitNotFound;
    case ErrorCode::kCorrupt:
      return kExitVerificationFailed;
    default:
      return kExitFailed;
  }
}

}  // namespace galaos::cli
