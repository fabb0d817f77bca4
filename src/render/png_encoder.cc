// PNG written directly with zlib: signature, IHDR, one IDAT, IEND (PNG spec, ISO 15948).
// Filter None with Z_BEST_SPEED and the RLE strategy: the fastest of the measured choices on
// windowed CT, and smaller than level 6 there (docs/adr/0009-rendering.md).
#include <zlib.h>

#include <cstring>
#include <vector>

#include "render/encoders.h"

namespace custos::render {
namespace {

void put32(std::string& out, std::uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 4);
}

void chunk(std::string& out, const char type[4], const unsigned char* data, std::size_t size) {
  put32(out, static_cast<std::uint32_t>(size));
  const std::size_t start = out.size();
  out.append(type, 4);
  if (size > 0) out.append(reinterpret_cast<const char*>(data), size);
  const auto* p = reinterpret_cast<const Bytef*>(out.data() + start);
  put32(out, static_cast<std::uint32_t>(crc32(0L, p, static_cast<uInt>(size + 4))));
}

}  // namespace

Result<std::string> encode_png(const Image8& image) {
  const std::size_t stride = static_cast<std::size_t>(image.width) * image.channels;
  if (image.width <= 0 || image.height <= 0 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() < stride * static_cast<std::size_t>(image.height)) {
    return fail(ErrorCode::kInternal, "PNG encoder: inconsistent image");
  }
  // Scanlines with filter byte 0 (None). On windowed CT, None with the RLE strategy was both
  // the fastest and the smallest of None/Sub/Up x level 1/level 6/RLE/Huffman (ADR 0009):
  // windowing leaves long runs of 0 and 255 that RLE matches at once.
  std::vector<unsigned char> raw((stride + 1) * static_cast<std::size_t>(image.height));
  for (int y = 0; y < image.height; ++y) {
    unsigned char* o = raw.data() + static_cast<std::size_t>(y) * (stride + 1);
    o[0] = 0;
    std::memcpy(o + 1, image.pixels.data() + static_cast<std::size_t>(y) * stride, stride);
  }
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15, 8, Z_RLE) != Z_OK) {
    return fail(ErrorCode::kInternal, "PNG encoder: zlib init failed");
  }
  std::vector<unsigned char> packed(deflateBound(&z, static_cast<uLong>(raw.size())));
  z.next_in = raw.data();
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = packed.data();
  z.avail_out = static_cast<uInt>(packed.size());
  const int rc = deflate(&z, Z_FINISH);
  const std::size_t packed_size = packed.size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return fail(ErrorCode::kInternal, "PNG encoder: deflate failed");

  std::string out;
  out.reserve(packed_size + 64);
  out.append("\x89PNG\r\n\x1a\n", 8);
  unsigned char header[13];
  const std::uint32_t w = static_cast<std::uint32_t>(image.width);
  const std::uint32_t h = static_cast<std::uint32_t>(image.height);
  for (int i = 0; i < 4; ++i) {
    header[i] = static_cast<unsigned char>(w >> (24 - 8 * i));
    header[4 + i] = static_cast<unsigned char>(h >> (24 - 8 * i));
  }
  header[8] = 8;                                // bit depth
  header[9] = image.channels == 3 ? 2 : 0;      // colour type: RGB or grey
  header[10] = header[11] = header[12] = 0;     // deflate, adaptive filtering, no interlace
  chunk(out, "IHDR", header, sizeof header);
  chunk(out, "IDAT", packed.data(), packed_size);
  chunk(out, "IEND", nullptr, 0);
  return out;
}

}  // namespace custos::render
