// Grey-scale pipeline of PS3.3 C.11: Modality LUT (rescale slope/intercept), then the VOI
// window (LINEAR, LINEAR_EXACT or SIGMOID), then MONOCHROME1 inversion, precomputed once per
// request as a table over the frame's stored value range so the per-pixel cost is one load.
#pragma once

#include <cstdint>
#include <vector>

#include "render/pixels.h"

namespace custos::render {

// Applies a VOI function to a modality value x; returns 0..255 (before rounding).
// Widths below the minimum (1 for LINEAR, above 0 otherwise) act as a threshold.
[[nodiscard]] double apply_window(double x, const Window& w);

// The window a render uses: the request's, else the file's first, else the frame's
// modality min/max (LINEAR_EXACT over [min, max]).
[[nodiscard]] Window choose_window(const PixelDescription& d, const Decoded& frame,
                                   const RenderOptions& options);

// Maps every stored value of a grey frame to an output byte. Stored value v maps to
// table[v - offset]. Reentrant.
struct GreyTable {
  int offset = 0;
  std::vector<std::uint8_t> table;
};
[[nodiscard]] GreyTable make_grey_table(const PixelDescription& d, const Decoded& frame,
                                        const Window& window);

// The stored value range of a grey frame (signedness applied).
struct ValueRange {
  int min = 0;
  int max = 0;
};
[[nodiscard]] ValueRange stored_range(const Decoded& frame);

}  // namespace custos::render
