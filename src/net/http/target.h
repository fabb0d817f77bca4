// Request-target parsing: origin-form path and query, percent-decoded and checked.
// Why: one place decides which paths are refused (encoded "/", "..", NUL) before routing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"

namespace custos::http {

struct Target {
  std::string path;                   // decoded
  std::vector<std::string> segments;  // decoded, split on "/" ("/" gives one empty segment)
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
};

// kInvalidArgument when the target is not origin-form ("/..."), has a bad percent escape,
// an encoded "/" or NUL in the path, a "." or ".." segment, or control characters.
[[nodiscard]] Result<Target> parse_target(std::string_view target);

// Percent-decoding; `plus_is_space` for query components. nullopt on a bad escape.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space);

}  // namespace custos::http
