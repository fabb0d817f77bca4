// The one closed list of error codes and the Result type every module returns.
// Why: failures cross module boundaries as values with a message a person understands;
// the mapping to exit status (and later HTTP/DIMSE status) lives in one table here.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace custos {

enum class ErrorCode {
  kNotFound,
  kInvalidArgument,
  kCorruption,
  kIoError,
  kNoSpace,
  kConflict,
  kUnauthenticated,
  kPermissionDenied,
  kUnsupported,
  kRejected,  // untrusted input refused (malformed, hostile, over a limit)
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <class T>
using Result = tl::expected<T, Error>;

using Status = Result<void>;

[[nodiscard]] inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

[[nodiscard]] inline tl::unexpected<Error> fail(Error error) {
  return tl::unexpected<Error>(std::move(error));
}

// Prefixes the message with context ("importing a.dcm: ...") and keeps the code.
[[nodiscard]] inline Error with_context(Error error, std::string_view context) {
  error.message = std::string(context) + ": " + error.message;
  return error;
}

// Short stable name of a code ("not_found"), for JSON output.
[[nodiscard]] std::string_view code_name(ErrorCode code);

// The command-line exit status for a failure with this code (DESIGN.md: 1 failed, 2 usage).
[[nodiscard]] int exit_status(ErrorCode code);

// The HTTP status for a failure with this code (404 not found, 401, 403, 406 unsupported...).
[[nodiscard]] int http_status(ErrorCode code);

}  // namespace custos
