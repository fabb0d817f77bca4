#include "render/rle.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "render/native.h"

namespace custos::render {
namespace {

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}

// PackBits into out (exactly out.size() bytes wanted). Returns bytes produced; output beyond
// out.size() (encoder padding) is dropped.
std::size_t unpack_bits(const std::uint8_t* in, std::size_t in_size, std::uint8_t* out,
                        std::size_t out_size) {
  std::size_t i = 0;
  std::size_t o = 0;
  while (i < in_size && o < out_size) {
    const int n = static_cast<std::int8_t>(in[i++]);
    if (n >= 0) {
      std::size_t count = static_cast<std::size_t>(n) + 1;
      if (count > in_size - i) count = in_size - i;
      if (count > out_size - o) count = out_size - o;
      std::memcpy(out + o, in + i, count);
      i += static_cast<std::size_t>(n) + 1;
      o += count;
    } else if (n != -128) {
      if (i >= in_size) break;
      std::size_t count = static_cast<std::size_t>(1 - n);
      if (count > out_size - o) count = out_size - o;
      std::memset(out + o, in[i++], count);
      o += count;
    }
  }
  return o;
}

}  // namespace

Result<Decoded> decode_rle(const PixelDescription& d, std::span<const std::byte> frame) {
  PixelDescription planar = d;
  // RLE never subsamples: a frame labelled YBR_FULL_422 holds full-resolution YBR_FULL.
  if (planar.photometric == "YBR_FULL_422") planar.photometric = "YBR_FULL";
  planar.planar_configuration = 1;
  const auto frame_size = native_frame_size(planar);
  if (!frame_size) return fail(frame_size.error());
  // PackBits expands at most 128 bytes from 2: refuse sizes the input cannot produce before
  // allocating for them.
  if (*frame_size / 64 > frame.size()) {
    return fail(ErrorCode::kCorruption, "RLE frame too short for a " + std::to_string(d.rows) +
                                            "x" + std::to_string(d.columns) + " image");
  }
  const std::size_t bytes_per_sample = static_cast<std::size_t>(d.bits_allocated / 8);
  const std::size_t expected_segments = bytes_per_sample * static_cast<std::size_t>(d.samples_per_pixel);
  const std::size_t pixels = static_cast<std::size_t>(d.rows) * static_cast<std::size_t>(d.columns);
  const auto* p = reinterpret_cast<const std::uint8_t*>(frame.data());
  if (frame.size() < 64) return fail(ErrorCode::kCorruption, "RLE frame shorter than its header");
  const std::uint32_t segments = le32(p);
  if (segments != expected_segments) {
    return fail(ErrorCode::kCorruption, "RLE frame has " + std::to_string(segments) +
                                            " segments where " +
                                            std::to_string(expected_segments) + " are needed");
  }
  // Native layout the unpacker understands: sample planes, little-endian values.
  std::vector<std::uint8_t> native(pixels * expected_segments);
  std::vector<std::uint8_t> plane(pixels);
  for (std::uint32_t s = 0; s < segments; ++s) {
    const std::uint32_t begin = le32(p + 4 + 4 * s);
    const std::uint32_t end = s + 1 < segments ? le32(p + 8 + 4 * s)
                                               : static_cast<std::uint32_t>(std::min<std::size_t>(frame.size(), UINT32_MAX));
    if (begin < 64 || begin > end || end > frame.size()) {
      return fail(ErrorCode::kCorruption, "RLE segment " + std::to_string(s + 1) +
                                              " has offsets outside the frame");
    }
    const std::size_t got = unpack_bits(p + begin, end - begin, plane.data(), pixels);
    if (got != pixels) {
      return fail(ErrorCode::kCorruption, "RLE segment " + std::to_string(s + 1) +
                                              " decodes to " + std::to_string(got) +
                                              " bytes, not " + std::to_string(pixels));
    }
    // Segment s holds byte (bytes_per_sample - 1 - s % bytes_per_sample) of sample s / bps,
    // most significant first.
    const std::size_t sample = s / bytes_per_sample;
    const std::size_t byte = bytes_per_sample - 1 - s % bytes_per_sample;
    std::uint8_t* dst = native.data() + sample * pixels * bytes_per_sample + byte;
    for (std::size_t i = 0; i < pixels; ++i) dst[i * bytes_per_sample] = plane[i];
  }
  return unpack_native(planar, std::span(reinterpret_cast<const std::byte*>(native.data()), native.size()));
}

}  // namespace custos::render
