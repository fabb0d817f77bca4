#include "render/native.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace custos::render {
namespace {

constexpr int kMaxDimension = 65535;
constexpr std::size_t kMaxFrameBytes = 1ull << 30;

std::uint8_t clamp8(double v) {
  return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

bool is_color(const PixelDescription& d) { return d.samples_per_pixel == 3; }

}  // namespace

VoiFunction parse_voi_function(const std::string& value) {
  std::string v = value;
  while (!v.empty() && v.back() == ' ') v.pop_back();
  if (v == "LINEAR_EXACT") return VoiFunction::kLinearExact;
  if (v == "SIGMOID") return VoiFunction::kSigmoid;
  return VoiFunction::kLinear;
}

Status check_description(const PixelDescription& d) {
  if (d.rows <= 0 || d.columns <= 0 || d.rows > kMaxDimension || d.columns > kMaxDimension) {
    return fail(ErrorCode::kCorruption, "image size " + std::to_string(d.rows) + "x" +
                                            std::to_string(d.columns) + " is not valid");
  }
  if (d.samples_per_pixel != 1 && d.samples_per_pixel != 3) {
    return fail(ErrorCode::kUnsupported, "images with " + std::to_string(d.samples_per_pixel) +
                                             " samples per pixel cannot be rendered");
  }
  if (d.bits_allocated != 8 && d.bits_allocated != 16) {
    return fail(ErrorCode::kUnsupported, "images with " + std::to_string(d.bits_allocated) +
                                             " bits allocated cannot be rendered");
  }
  if (d.bits_stored < 1 || d.bits_stored > d.bits_allocated || d.high_bit >= d.bits_allocated ||
      d.high_bit + 1 < d.bits_stored) {
    return fail(ErrorCode::kCorruption,
                "bits stored " + std::to_string(d.bits_stored) + " / high bit " +
                    std::to_string(d.high_bit) + " do not fit " +
                    std::to_string(d.bits_allocated) + " bits allocated");
  }
  if (d.photometric == "PALETTE COLOR") {
    return fail(ErrorCode::kUnsupported, "PALETTE COLOR images cannot be rendered yet");
  }
  const bool grey = d.photometric == "MONOCHROME1" || d.photometric == "MONOCHROME2";
  if (grey != (d.samples_per_pixel == 1)) {
    return fail(ErrorCode::kCorruption, "photometric interpretation " + d.photometric +
                                            " does not match " +
                                            std::to_string(d.samples_per_pixel) + " samples");
  }
  return {};
}

Result<std::size_t> native_frame_size(const PixelDescription& d) {
  if (auto s = check_description(d); !s) return fail(s.error());
  const std::size_t pixels = static_cast<std::size_t>(d.rows) * static_cast<std::size_t>(d.columns);
  const std::size_t bytes_per = static_cast<std::size_t>(d.bits_allocated / 8);
  std::size_t size = pixels * static_cast<std::size_t>(d.samples_per_pixel) * bytes_per;
  if (d.photometric == "YBR_FULL_422") {
    if (d.columns % 2 != 0 || d.bits_allocated != 8) {
      return fail(ErrorCode::kUnsupported, "YBR_FULL_422 needs 8 bits and an even width");
    }
    size = pixels * 2;
  }
  if (size > kMaxFrameBytes) return fail(ErrorCode::kUnsupported, "frame larger than 1 GiB");
  return size;
}

void ybr_full_to_rgb(std::span<std::uint8_t> p) {
  for (std::size_t i = 0; i + 2 < p.size(); i += 3) {
    const double y = p[i];
    const double cb = p[i + 1] - 128.0;
    const double cr = p[i + 2] - 128.0;
    p[i] = clamp8(y + 1.402 * cr);
    p[i + 1] = clamp8(y - 0.344136 * cb - 0.714136 * cr);
    p[i + 2] = clamp8(y + 1.772 * cb);
  }
}

Result<Decoded> unpack_native(const PixelDescription& d, std::span<const std::byte> bytes,
                              ByteOrder order) {
  auto size = native_frame_size(d);
  if (!size) return fail(size.error());
  if (bytes.size() < *size) {
    return fail(ErrorCode::kCorruption, "pixel data holds " + std::to_string(bytes.size()) +
                                            " bytes where one frame needs " +
                                            std::to_string(*size));
  }
  if (is_color(d) && d.photometric != "RGB" && d.photometric != "YBR_FULL" &&
      d.photometric != "YBR_FULL_422") {
    return fail(ErrorCode::kUnsupported,
                "uncompressed " + d.photometric + " images cannot be rendered");
  }
  Decoded out;
  out.rows = d.rows;
  out.columns = d.columns;
  out.samples = d.samples_per_pixel;
  out.bits = d.bits_allocated;
  out.bits_stored = d.bits_stored;
  out.is_signed = d.pixel_signed && !is_color(d);
  out.monochrome1 = d.photometric == "MONOCHROME1";
  const std::size_t n = out.value_count();
  const auto* src = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const int shift = d.high_bit + 1 - d.bits_stored;
  const bool planar = is_color(d) && d.planar_configuration == 1;
  const std::size_t plane = n / 3;
  // Position in the source of interleaved value i (sample s of pixel p).
  auto source_index = [&](std::size_t i) {
    return planar ? (i % 3) * plane + i / 3 : i;
  };

  if (d.bits_allocated == 8) {
    out.data8.resize(n);
    if (d.photometric == "YBR_FULL_422") {
      // Y1 Y2 Cb Cr for each pair of pixels on a row (PS3.3 C.7.6.3.1.2).
      for (std::size_t pair = 0; pair < n / 6; ++pair) {
        const std::uint8_t* s = src + pair * 4;
        std::uint8_t* o = out.data8.data() + pair * 6;
        o[0] = s[0], o[1] = s[2], o[2] = s[3];
        o[3] = s[1], o[4] = s[2], o[5] = s[3];
      }
      ybr_full_to_rgb(out.data8);
      return out;
    }
    const std::uint8_t mask = static_cast<std::uint8_t>((1u << d.bits_stored) - 1u);
    const bool masked = d.bits_stored != 8;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t v = src[source_index(i)];
      if (masked) v = static_cast<std::uint8_t>((v >> shift) & mask);
      out.data8[i] = v;
    }
    if (masked && out.is_signed) {
      // 8-bit signed values are widened to 16 bits so that the sign survives.
      out.bits = 16;
      out.data16.resize(n);
      const unsigned sign = 1u << (d.bits_stored - 1);
      for (std::size_t i = 0; i < n; ++i) {
        const unsigned v = out.data8[i];
        out.data16[i] = static_cast<std::uint16_t>((v & sign) ? (v | ~((sign << 1) - 1)) : v);
      }
      out.data8.clear();
    } else if (out.is_signed) {
      out.bits = 16;
      out.data16.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        out.data16[i] = static_cast<std::uint16_t>(static_cast<std::int16_t>(
            static_cast<std::int8_t>(out.data8[i])));
      }
      out.data8.clear();
    }
    if (d.photometric == "YBR_FULL") ybr_full_to_rgb(out.data8);
    return out;
  }

  out.data16.resize(n);
  const bool big = order == ByteOrder::kBig;
  const unsigned mask = (1u << d.bits_stored) - 1u;
  const unsigned sign = 1u << (d.bits_stored - 1);
  const bool extend = out.is_signed && d.bits_stored < 16;
  const bool masked = d.bits_stored != 16;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* s = src + 2 * source_index(i);
    unsigned v = big ? (unsigned{s[0]} << 8) | s[1] : (unsigned{s[1]} << 8) | s[0];
    if (masked) v = (v >> shift) & mask;
    if (extend && (v & sign)) v |= ~mask;
    out.data16[i] = static_cast<std::uint16_t>(v);
  }
  if (d.photometric == "YBR_FULL") {
    return fail(ErrorCode::kUnsupported, "16-bit YBR_FULL images cannot be rendered");
  }
  return out;
}

}  // namespace custos::render
