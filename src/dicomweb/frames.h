// Frames, bulk data and image attributes of a stored instance, as byte ranges of the
// stored file: WADO-RS /frames and /bulk answer straight from the original bytes, and the
// renderer learns how to read the pixels.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "dicom/element_reader.h"

namespace custos::dicomweb {

// A range of the stored file.
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool operator==(const ByteRange&) const = default;
};

struct FrameLocator {
  std::string transfer_syntax_uid;
  bool encapsulated = false;
  std::uint32_t frame_count = 0;
  // Native pixel data: the value, and the size of one frame in bits (BitsAllocated 1
  // packs frames without byte alignment).
  ByteRange pixel_data;
  std::uint64_t frame_bits = 0;
  // Encapsulated: the fragment values (item headers excluded) of each frame.
  std::vector<std::vector<ByteRange>> frames;
};

// Where each frame lies. Encapsulated pixel data: the Extended Offset Table (7FE0,0001/2)
// when present, else the Basic Offset Table when not empty, else one fragment per frame
// when there are as many fragments as frames, else all fragments for a single frame, else
// fragments grouped at JPEG end-of-image markers (FFD9) when that yields the frame count.
// Errors: kNotFound when there is no pixel data; kCorruption when the offset tables or the
// native length disagree with the attributes; kUnsupported when the frames of a
// multi-fragment multi-frame image cannot be told apart.
[[nodiscard]] Result<FrameLocator> locate_frames(const dicom::Dataset& ds);

// The byte ranges of frame `number` (1-based, as in the URL): one range for native data
// (see frame_bit_offset), one per fragment for encapsulated data.
// Errors: kNotFound naming the number when it is 0 or past the last frame.
[[nodiscard]] Result<std::vector<ByteRange>> frame_ranges(const FrameLocator& frames,
                                                          std::uint32_t number);
// For BitsAllocated 1: the bit in the first byte of frame_ranges() where the frame starts
// (0 when frames are byte-aligned); the caller re-packs the bits when it is not 0.
[[nodiscard]] unsigned frame_bit_offset(const FrameLocator& frames, std::uint32_t number);

// The value range of the element at `tag_path` ("7FE00010", "54000100/0/54001010": the
// path of BulkDataURIs, item indices 0-based, hex case-insensitive). Encapsulated pixel
// data: the whole value, item headers included.
// Errors: kNotFound naming the path; kInvalidArgument for a malformed path or a sequence.
[[nodiscard]] Result<ByteRange> bulk_range(const dicom::Dataset& ds, std::string_view tag_path);

// What the renderer needs to read the pixels. Values missing from the file keep the
// defaults below; rescale and windowing fall back to the Shared Functional Groups
// (5200,9229) of enhanced multi-frame objects.
struct ImageAttributes {
  std::uint32_t rows = 0;
  std::uint32_t columns = 0;
  std::uint32_t bits_allocated = 0;
  std::uint32_t bits_stored = 0;
  std::uint32_t high_bit = 0;
  std::uint32_t pixel_representation = 0;
  std::uint32_t samples_per_pixel = 1;
  std::uint32_t planar_configuration = 0;
  std::uint32_t number_of_frames = 1;
  std::string photometric_interpretation;
  double rescale_slope = 1.0;
  double rescale_intercept = 0.0;
  std::optional<double> window_center;  // first values
  std::optional<double> window_width;
  std::vector<double> window_centers;   // all values
  std::vector<double> window_widths;
  std::string voi_lut_function;  // LINEAR (default when empty), LINEAR_EXACT, SIGMOID
  std::string transfer_syntax_uid;
  std::optional<double> pixel_spacing_row;  // mm between rows, between columns
  std::optional<double> pixel_spacing_column;
};

// Errors: kNotFound when Rows or Columns is missing (not an image).
[[nodiscard]] Result<ImageAttributes> image_attributes(const dicom::Dataset& ds);

}  // namespace custos::dicomweb
