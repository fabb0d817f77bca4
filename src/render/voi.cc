#include "render/voi.h"

#include <algorithm>
#include <cmath>

namespace custos::render {

double apply_window(double x, const Window& w) {
  constexpr double kMin = 0;
  constexpr double kMax = 255;
  switch (w.function) {
    case VoiFunction::kLinear: {
      // PS3.3 C.11.2.1.2.1
      const double c = w.center - 0.5;
      const double half = (w.width - 1) / 2;
      if (w.width <= 1) return x <= c ? kMin : kMax;
      if (x <= c - half) return kMin;
      if (x > c + half) return kMax;
      return ((x - c) / (w.width - 1) + 0.5) * (kMax - kMin) + kMin;
    }
    case VoiFunction::kLinearExact: {
      // PS3.3 C.11.2.1.3.2
      if (w.width <= 0) return x <= w.center ? kMin : kMax;
      if (x <= w.center - w.width / 2) return kMin;
      if (x > w.center + w.width / 2) return kMax;
      return ((x - w.center) / w.width + 0.5) * (kMax - kMin) + kMin;
    }
    case VoiFunction::kSigmoid: {
      // PS3.3 C.11.2.1.3.1
      if (w.width <= 0) return x <= w.center ? kMin : kMax;
      return (kMax - kMin) / (1 + std::exp(-4 * (x - w.center) / w.width)) + kMin;
    }
  }
  return kMin;
}

ValueRange stored_range(const Decoded& f) {
  ValueRange r;
  if (f.bits == 8) {
    if (f.data8.empty()) return r;
    const auto [lo, hi] = std::minmax_element(f.data8.begin(), f.data8.end());
    return {*lo, *hi};
  }
  if (f.data16.empty()) return r;
  if (f.is_signed) {
    // Branch-free so the compiler vectorises it: this pass runs once per request.
    const auto* p = reinterpret_cast<const std::int16_t*>(f.data16.data());
    std::int16_t lo = p[0], hi = p[0];
    for (std::size_t i = 1; i < f.data16.size(); ++i) {
      lo = p[i] < lo ? p[i] : lo;
      hi = p[i] > hi ? p[i] : hi;
    }
    return {lo, hi};
  }
  const auto [lo, hi] = std::minmax_element(f.data16.begin(), f.data16.end());
  return {*lo, *hi};
}

Window choose_window(const PixelDescription& d, const Decoded& frame,
                     const RenderOptions& options) {
  if (options.window) return *options.window;
  if (!d.window_centers.empty() && !d.window_widths.empty() && d.window_widths[0] > 0) {
    return {d.window_centers[0], d.window_widths[0], parse_voi_function(d.voi_lut_function)};
  }
  const ValueRange r = stored_range(frame);
  double a = r.min * d.rescale_slope + d.rescale_intercept;
  double b = r.max * d.rescale_slope + d.rescale_intercept;
  if (a > b) std::swap(a, b);
  // LINEAR_EXACT over [a, b] maps a to 0 and b to 255.
  return {(a + b) / 2, std::max(b - a, 1e-9), VoiFunction::kLinearExact};
}

GreyTable make_grey_table(const PixelDescription& d, const Decoded& frame,
                          const Window& window) {
  const ValueRange r = stored_range(frame);
  GreyTable t;
  t.offset = r.min;
  t.table.resize(static_cast<std::size_t>(r.max - r.min + 1));
  for (int v = r.min; v <= r.max; ++v) {
    const double x = v * d.rescale_slope + d.rescale_intercept;
    long y = std::lround(apply_window(x, window));
    y = std::clamp(y, 0L, 255L);
    if (frame.monochrome1) y = 255 - y;
    t.table[static_cast<std::size_t>(v - r.min)] = static_cast<std::uint8_t>(y);
  }
  return t;
}

}  // namespace custos::render
