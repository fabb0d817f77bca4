// 8-bit grey or RGB images to JPEG (libjpeg-turbo) and PNG (zlib). Why these: libjpeg-turbo
// is the fastest JPEG encoder packaged in Debian, and PNG written straight through zlib at
// its fastest level keeps the lossless format within the request budget (docs/adr/0009).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/error.h"

namespace custos::render {

// An 8-bit image: rows of width * channels bytes, channels 1 (grey) or 3 (RGB).
struct Image8 {
  int width = 0;
  int height = 0;
  int channels = 1;
  std::span<const std::uint8_t> pixels;
};

// Baseline JPEG at `quality` (clamped to 1..100), 4:2:0 for colour. Reentrant.
// kInternal when the encoder fails (out of memory).
[[nodiscard]] Result<std::string> encode_jpeg(const Image8& image, int quality);

// PNG, 8-bit grey or RGB, one IDAT, rows unfiltered, deflated at the fastest level with
// the RLE strategy. Reentrant. kInternal when zlib fails.
[[nodiscard]] Result<std::string> encode_png(const Image8& image);

}  // namespace custos::render
