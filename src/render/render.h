// Turns a decoded frame into a JPEG or PNG the way a DICOMweb `rendered` or `thumbnail`
// resource presents it: grey frames through Modality LUT and VOI window, colour frames as
// they are, scaled down to a viewport when asked.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "render/pixels.h"

namespace custos::render {

// Renders `frame` (decoded from an instance described by `d`). Reentrant; allocates only
// per call. kInvalidArgument for an unusable window or viewport, kCorruption when the frame's
// buffers do not match its size, kInternal when an encoder fails.
[[nodiscard]] Result<std::string> render(const PixelDescription& d, const Decoded& frame,
                                         const RenderOptions& options);

// The size an image of w x h takes inside `viewport` (aspect kept, never enlarged, at
// least 1 x 1).
struct Size {
  int width = 0;
  int height = 0;
};
[[nodiscard]] Size fit_viewport(int w, int h, const Viewport& viewport);

// Area-averaging downscale of an 8-bit image with `channels` interleaved samples.
[[nodiscard]] std::vector<std::uint8_t> downscale(std::span<const std::uint8_t> pixels, int w,
                                                  int h, int channels, Size to);

// Content type for a format: "image/jpeg" or "image/png".
[[nodiscard]] const char* content_type(Format format);

}  // namespace custos::render
