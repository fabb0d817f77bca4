// A QR code drawn with Unicode half blocks, for scanning an otpauth:// URI off the terminal.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace custos::cli {

// Dark modules as "█", two rows per text line, with a four-module light border. Errors:
// kInvalidArgument when the text does not fit in a QR code.
[[nodiscard]] Result<std::string> qr_terminal(std::string_view text);

}  // namespace custos::cli
