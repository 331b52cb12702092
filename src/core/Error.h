// Error, Expected<T> and the TRY macro: the one error path of the project.
// A function that can fail returns Expected<T>; its caller adds context and passes it up;
// the CLI and the API turn the final Error into one message and an exit code / HTTP status.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace galaos {

// What kind of failure; the CLI maps it to an exit code, the API to a tRPC error code.
enum class ErrorCode {
  kFailed,           // generic failure of an operation
  kInvalidArgument,  // bad input from a caller or a config file
  kNotFound,
  kConflict,  // e.g. another update holds the lock
  kUnauthorized,
  kForbidden,
  kIo,  // file system or network I/O
  kTimeout,
  kUnavailable,  // an outside service is down or unreachable
  kCorrupt,      // stored data failed verification
  kCancelled,
};

std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns this error with "context: " prepended to the message; the code is kept.
  Error WithContext(std::string_view context) const&;
  Error WithContext(std::string_view context) &&;

 private:
  ErrorCode code_;
  std::string message_;
};

template <class T>
using Expected = std::expected<T, Error>;
using Status = Expected<void>;

inline std::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error(code, std::move(message)));
}

// `result` with `context` prepended to its error: `TRY(WithContext(ReadFile(p), "config"))`.
// (GCC 12's std::expected has no transform_error.)
template <class T>
Expected<T> WithContext(Expected<T> result, std::string_view context) {
  if (!result) return std::unexpected(std::move(result).error().WithContext(context));
  return result;
}

namespace detail {
template <class T>
T TakeValue(Expected<T>&& result) {
  return std::move(*result);
}
inline void TakeValue(Status&&) {}
}  // namespace detail

}  // namespace galaos

// TRY(expr): evaluates an Expected; on error returns it from the enclosing function,
// otherwise yields the value (or nothing for Status). Uses a GCC statement expression.
#define TRY(...)                                                     \
  ({                                                                 \
    auto galaos_try_result_ = (__VA_ARGS__);                         \
    if (!galaos_try_result_.has_value())                             \
      return std::unexpected(std::move(galaos_try_result_).error()); \
    ::galaos::detail::TakeValue(std::move(galaos_try_result_));      \
  })
