// Text helpers for DICOM values: padding, integers, and making sure text is valid UTF-8.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace custos::dicom {

// Removes trailing spaces and NULs (DICOM pads values to even length) and leading spaces.
[[nodiscard]] std::string trim_padding(std::string_view s);
// The integer at the start of an IS value ("  12 " -> 12); nullopt when there is none.
[[nodiscard]] std::optional<long> parse_leading_int(std::string_view s);
[[nodiscard]] bool is_valid_utf8(std::string_view s);
// Returns s when valid UTF-8; otherwise each invalid byte becomes U+FFFD.
[[nodiscard]] std::string ensure_utf8(std::string_view s);
// Returns s when valid UTF-8; otherwise reads it as ISO 8859-1 (the most common legacy set).
[[nodiscard]] std::string latin1_to_utf8_if_invalid(std::string_view s);

}  // namespace custos::dicom
