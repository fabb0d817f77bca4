#include "base/error.h"

#include <iterator>

namespace custos {

namespace {

// The one table from error code to its name and to the status each adapter answers with
// (command-line exit status, HTTP status). DIMSE statuses join it when DIMSE does.
struct CodeInfo {
  ErrorCode code;
  std::string_view name;
  int exit_status;  // DESIGN.md: 1 failed, 2 usage
  int http_status;
};

constexpr CodeInfo kCodes[] = {
    {ErrorCode::kNotFound, "not_found", 1, 404},
    {ErrorCode::kInvalidArgument, "invalid_argument", 2, 400},
    {ErrorCode::kCorruption, "corruption", 1, 500},
    {ErrorCode::kIoError, "io_error", 1, 503},
    {ErrorCode::kNoSpace, "no_space", 1, 507},
    {ErrorCode::kConflict, "conflict", 1, 409},
    {ErrorCode::kUnauthenticated, "unauthenticated", 1, 401},
    {ErrorCode::kPermissionDenied, "permission_denied", 1, 403},
    {ErrorCode::kUnsupported, "unsupported", 1, 406},
    {ErrorCode::kRejected, "rejected", 1, 422},
    {ErrorCode::kInternal, "internal", 1, 500},
};

const CodeInfo& info(ErrorCode code) {
  for (const CodeInfo& c : kCodes) {
    if (c.code == code) return c;
  }
  return kCodes[std::size(kCodes) - 1];
}

}  // namespace

std::string_view code_name(ErrorCode code) { return info(code).name; }

int exit_status(ErrorCode code) { return info(code).exit_status; }

int http_status(ErrorCode code) { return info(code).http_status; }

}  // namespace custos
