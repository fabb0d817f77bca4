// Unpacks uncompressed (native) pixel data of one frame into a Decoded frame. Why in
// process: it is arithmetic over a buffer whose size is checked against the description
// first, so hostile bytes can at worst produce a wrong picture, never a read out of bounds.
#pragma once

#include <cstddef>
#include <span>

#include "base/error.h"
#include "render/pixels.h"

namespace custos::render {

enum class ByteOrder { kLittle, kBig };

// The number of bytes one native frame of `d` occupies, or kCorruption/kUnsupported when
// the description is inconsistent (zero or huge sizes, bits outside 8/16, high bit beyond
// bits allocated, samples other than 1 or 3, odd columns for YBR_FULL_422).
[[nodiscard]] Result<std::size_t> native_frame_size(const PixelDescription& d);

// Unpacks one frame: masks to BitsStored (shifted by HighBit), sign-extends, converts
// planar to interleaved and YBR_FULL / YBR_FULL_422 (8-bit) to RGB, records MONOCHROME1.
// Big-endian input is byte-swapped. Fewer bytes than native_frame_size → kCorruption;
// extra bytes (padding) are ignored. Reentrant.
[[nodiscard]] Result<Decoded> unpack_native(const PixelDescription& d,
                                            std::span<const std::byte> bytes,
                                            ByteOrder order = ByteOrder::kLittle);

// Checks the fields every decoder relies on; kCorruption/kUnsupported naming the field.
[[nodiscard]] Status check_description(const PixelDescription& d);

// Converts interleaved 8-bit YBR_FULL to RGB in place (PS3.3 C.7.6.3.1.2).
void ybr_full_to_rgb(std::span<std::uint8_t> interleaved);

}  // namespace custos::render
