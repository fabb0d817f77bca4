// The data that flows through rendering: what the dataset says about its pixels, a decoded
// frame, and what a request asks for. Plain values with no third-party types, so the
// DICOMweb layer can fill them from its own attribute extraction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace custos::render {

// Image Pixel Module and VOI attributes of one instance, as found in the dataset.
struct PixelDescription {
  std::string transfer_syntax_uid;
  int rows = 0;
  int columns = 0;
  int samples_per_pixel = 1;
  int bits_allocated = 16;
  int bits_stored = 16;
  int high_bit = 15;
  bool pixel_signed = false;             // PixelRepresentation == 1
  std::string photometric = "MONOCHROME2";
  int planar_configuration = 0;          // 0 interleaved, 1 planar (colour only)
  double rescale_slope = 1;
  double rescale_intercept = 0;
  std::vector<double> window_centers;
  std::vector<double> window_widths;
  std::string voi_lut_function;          // "" or LINEAR, LINEAR_EXACT, SIGMOID
};

// One decoded frame. Grey images have samples == 1; colour images are always RGB,
// interleaved, samples == 3 (YBR and planar input is converted while decoding).
// Values live in data8 (bits == 8) or data16 (bits == 16); signed 16-bit values are stored
// as two's complement (read them through an int16_t), already masked to bits_stored and
// sign-extended.
struct Decoded {
  int rows = 0;
  int columns = 0;
  int samples = 1;
  int bits = 8;
  int bits_stored = 8;
  bool is_signed = false;
  bool monochrome1 = false;  // grey, and minimum means white
  std::vector<std::uint8_t> data8;
  std::vector<std::uint16_t> data16;

  [[nodiscard]] std::size_t value_count() const {
    return static_cast<std::size_t>(rows) * static_cast<std::size_t>(columns) *
           static_cast<std::size_t>(samples);
  }
};

enum class VoiFunction { kLinear, kLinearExact, kSigmoid };

// A VOI window in modality units (after the rescale).
struct Window {
  double center = 0;
  double width = 1;
  VoiFunction function = VoiFunction::kLinear;
};

// The largest output size; the image is scaled down to fit, keeping its aspect ratio, and
// never scaled up.
struct Viewport {
  int width = 128;
  int height = 128;
};

enum class Format { kJpeg, kPng };

struct RenderOptions {
  Format format = Format::kJpeg;
  int quality = 90;  // JPEG only, 1..100
  std::optional<Window> window;
  std::optional<Viewport> viewport;
};

// Parses a VOI LUT Function value ("LINEAR", "LINEAR_EXACT", "SIGMOID"; empty or unknown
// values mean LINEAR, as PS3.3 C.11.2.1.3 prescribes for absent values).
[[nodiscard]] VoiFunction parse_voi_function(const std::string& value);

}  // namespace custos::render
