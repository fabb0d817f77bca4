// The transfer syntaxes rendering knows, by family.
#pragma once

#include <string_view>

namespace custos::render {

enum class Codec { kNative, kNativeBigEndian, kRle, kJpeg, kJpegLs, kJpeg2000, kUnknown };

[[nodiscard]] Codec codec_of(std::string_view transfer_syntax_uid);

}  // namespace custos::render
