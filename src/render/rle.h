// RLE Lossless (1.2.840.10008.1.2.5, PS3.5 Annex G), decoded in process: a PackBits loop
// with every read and write bounded by the segment table and the frame size, simple enough
// to fuzz exhaustively (fuzz/rle_fuzzer.cc) rather than isolate.
#pragma once

#include <cstddef>
#include <span>

#include "base/error.h"
#include "render/pixels.h"

namespace custos::render {

// Decodes one frame (the frame's fragments concatenated). kCorruption naming what is wrong
// (header, segment count or offsets, a segment that decodes to too few bytes). Reentrant.
[[nodiscard]] Result<Decoded> decode_rle(const PixelDescription& d,
                                         std::span<const std::byte> frame);

}  // namespace custos::render
