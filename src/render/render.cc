#include "render/render.h"

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include "render/encoders.h"
#include "render/voi.h"

namespace custos::render {
namespace {

bool buffers_match(const Decoded& f) {
  if (f.rows <= 0 || f.columns <= 0 || (f.samples != 1 && f.samples != 3)) return false;
  const std::size_t n = f.value_count();
  return f.bits == 8 ? f.data8.size() == n : f.bits == 16 && f.data16.size() == n;
}

std::vector<std::uint8_t> grey8(const PixelDescription& d, const Decoded& f, const Window& w) {
  const GreyTable t = make_grey_table(d, f, w);
  const std::uint8_t* table = t.table.data();
  std::vector<std::uint8_t> out(f.value_count());
  if (f.bits == 8) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = table[f.data8[i] - t.offset];
  } else if (f.is_signed) {
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = table[static_cast<std::int16_t>(f.data16[i]) - t.offset];
    }
  } else {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = table[f.data16[i] - t.offset];
  }
  return out;
}

std::vector<std::uint8_t> colour8(const Decoded& f) {
  if (f.bits == 8) return f.data8;
  const int shift = std::max(0, f.bits_stored - 8);
  std::vector<std::uint8_t> out(f.value_count());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(std::min<unsigned>(f.data16[i] >> shift, 255u));
  }
  return out;
}

}  // namespace

const char* content_type(Format format) {
  return format == Format::kPng ? "image/png" : "image/jpeg";
}

Size fit_viewport(int w, int h, const Viewport& v) {
  if (w <= v.width && h <= v.height) return {w, h};
  const double scale = std::min(static_cast<double>(v.width) / w, static_cast<double>(v.height) / h);
  return {std::max(1, static_cast<int>(std::lround(w * scale))),
          std::max(1, static_cast<int>(std::lround(h * scale)))};
}

namespace {

template <int channels>
std::vector<std::uint8_t> downscale_n(std::span<const std::uint8_t> src, int w, int h, Size to) {
  // Source column span of every output column, computed once.
  std::vector<int> x0(static_cast<std::size_t>(to.width) + 1);
  for (int ox = 0; ox <= to.width; ++ox) {
    x0[ox] = static_cast<int>(static_cast<long long>(ox) * w / to.width);
  }
  std::vector<std::uint8_t> out(static_cast<std::size_t>(to.width) * to.height * channels);
  std::vector<std::uint32_t> sums(static_cast<std::size_t>(to.width) * channels);
  for (int oy = 0; oy < to.height; ++oy) {
    const int y0 = static_cast<int>(static_cast<long long>(oy) * h / to.height);
    const int y1 = std::max(y0 + 1, static_cast<int>(static_cast<long long>(oy + 1) * h / to.height));
    std::fill(sums.begin(), sums.end(), 0u);
    for (int y = y0; y < y1; ++y) {
      const std::uint8_t* row = src.data() + static_cast<std::size_t>(y) * w * channels;
      for (int ox = 0; ox < to.width; ++ox) {
        const int end = std::max(x0[ox] + 1, x0[ox + 1]);
        std::uint32_t* sum = sums.data() + static_cast<std::size_t>(ox) * channels;
        for (int x = x0[ox]; x < end; ++x) {
          for (int c = 0; c < channels; ++c) sum[c] += row[x * channels + c];
        }
      }
    }
    std::uint8_t* o = out.data() + static_cast<std::size_t>(oy) * to.width * channels;
    for (int ox = 0; ox < to.width; ++ox) {
      const int end = std::max(x0[ox] + 1, x0[ox + 1]);
      const std::uint32_t area = static_cast<std::uint32_t>((end - x0[ox]) * (y1 - y0));
      for (int c = 0; c < channels; ++c) {
        o[ox * channels + c] =
            static_cast<std::uint8_t>((sums[ox * channels + c] + area / 2) / area);
      }
    }
  }
  return out;
}

}  // namespace

std::vector<std::uint8_t> downscale(std::span<const std::uint8_t> src, int w, int h,
                                    int channels, Size to) {
  return channels == 3 ? downscale_n<3>(src, w, h, to) : downscale_n<1>(src, w, h, to);
}

Result<std::string> render(const PixelDescription& d, const Decoded& frame,
                           const RenderOptions& options) {
  if (!buffers_match(frame)) {
    return fail(ErrorCode::kCorruption, "decoded frame does not match its size");
  }
  if (options.window && !(options.window->width > 0 && std::isfinite(options.window->width) &&
                          std::isfinite(options.window->center))) {
    return fail(ErrorCode::kInvalidArgument, "window width must be a positive number");
  }
  if (options.viewport && (options.viewport->width <= 0 || options.viewport->height <= 0)) {
    return fail(ErrorCode::kInvalidArgument, "viewport must be positive");
  }
  std::vector<std::uint8_t> pixels =
      frame.samples == 1 ? grey8(d, frame, choose_window(d, frame, options)) : colour8(frame);
  Size size{frame.columns, frame.rows};
  if (options.viewport) {
    const Size to = fit_viewport(frame.columns, frame.rows, *options.viewport);
    if (to.width != size.width || to.height != size.height) {
      pixels = downscale(pixels, size.width, size.height, frame.samples, to);
      size = to;
    }
  }
  const Image8 image{size.width, size.height, frame.samples, pixels};
  return options.format == Format::kPng ? encode_png(image) : encode_jpeg(image, options.quality);
}

}  // namespace custos::render
