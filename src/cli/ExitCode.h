// The process exit code for each kind of error (the table in README.md).
#pragma once

#include "core/Error.h"

namespace galaos::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitConflict = 3;
inline constexpr int kExitNotFound = 4;
inline constexpr int kExitVerificationFailed = 5;

int ExitCodeFor(ErrorCode code);

}  // namespace galaos::cli
