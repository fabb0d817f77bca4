// The in-process pixel decoders on hostile bytes: RLE Lossless (PS3.5 Annex G) and native
// unpacking in both byte orders, then rendering whatever decoded. The first five bytes
// choose the pixel description; the rest is the frame.
//   byte 0: rows - 1, byte 1: columns - 1 (1..256 each)
//   byte 2: bit0 signed, bit1 three samples, bit2 16 bits, bit3 planar,
//           bits 4-5: photometric (MONOCHROME2, MONOCHROME1, YBR_FULL, YBR_FULL_422 / RGB)
//   byte 3: bits stored below bits allocated, byte 4: high bit above bits stored - 1
#include <cstddef>
#include <cstdint>
#include <span>

#include "render/native.h"
#include "render/render.h"
#include "render/rle.h"

using namespace custos::render;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  PixelDescription d;
  d.rows = data[0] + 1;
  d.columns = data[1] + 1;
  const std::uint8_t flags = data[2];
  d.pixel_signed = flags & 1;
  d.samples_per_pixel = (flags & 2) ? 3 : 1;
  d.bits_allocated = (flags & 4) ? 16 : 8;
  d.planar_configuration = (flags & 8) ? 1 : 0;
  const int kind = (flags >> 4) & 3;
  if (d.samples_per_pixel == 1) {
    d.photometric = kind == 1 ? "MONOCHROME1" : "MONOCHROME2";
  } else {
    d.photometric = kind == 2 ? "YBR_FULL" : kind == 3 ? "YBR_FULL_422" : "RGB";
  }
  d.bits_stored = d.bits_allocated - data[3] % d.bits_allocated;
  d.high_bit = d.bits_stored - 1 + data[4] % 4;
  d.window_centers = {static_cast<double>(data[3]) * 16};
  d.window_widths = {static_cast<double>(data[4]) * 8};
  const std::span<const std::byte> frame(reinterpret_cast<const std::byte*>(data + 5), size - 5);

  RenderOptions options;
  options.format = Format::kPng;
  options.viewport = Viewport{31, 17};
  for (int pass = 0; pass < 3; ++pass) {
    auto decoded = pass == 0 ? decode_rle(d, frame)
                             : unpack_native(d, frame, pass == 1 ? ByteOrder::kLittle : ByteOrder::kBig);
    if (decoded && pass < 2) (void)render(d, *decoded, options);
  }
  return 0;
}
