#include "dicomweb/frames.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

namespace custos::dicomweb {
namespace {

using dicom::Dataset;
using dicom::Element;
using dicom::NodeKind;

constexpr std::uint32_t kPixelData = 0x7FE00010u;
constexpr std::uint32_t kFloatPixelData = 0x7FE00008u;
constexpr std::uint32_t kDoublePixelData = 0x7FE00009u;
constexpr std::uint32_t kExtendedOffsets = 0x7FE00001u;
constexpr std::uint32_t kExtendedLengths = 0x7FE00002u;
constexpr std::uint32_t kSharedGroups = 0x52009229u;
constexpr std::uint32_t kMaxFrames = 1u << 24;

std::uint64_t le(const std::byte* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | static_cast<std::uint8_t>(p[i]);
  return v;
}

std::uint32_t uint_attr(const Dataset& ds, std::uint32_t tag, std::uint32_t def) {
  const auto v = ds.number(tag);
  if (!v || *v < 0 || *v > 4294967295.0) return def;
  return static_cast<std::uint32_t>(*v);
}

// The element `tag` in the first item of sequence `seq` within the first item of the
// Shared Functional Groups Sequence (one level of functional group macros).
const Element* shared_group_attr(const Dataset& ds, std::uint32_t seq, std::uint32_t tag) {
  const Element* shared = ds.find(kSharedGroups);
  if (!shared || !shared->is_sequence()) return nullptr;
  const auto items = ds.children(ds.index_of(*shared));
  if (items.empty()) return nullptr;
  const Element* macro = ds.find_in_item(items[0], seq);
  if (!macro || !macro->is_sequence()) return nullptr;
  const auto inner = ds.children(ds.index_of(*macro));
  if (inner.empty()) return nullptr;
  return ds.find_in_item(inner[0], tag);
}

const Element* attr_or_shared(const Dataset& ds, std::uint32_t tag, std::uint32_t macro) {
  if (const Element* e = ds.find(tag)) return e;
  return shared_group_attr(ds, macro, tag);
}

std::vector<double> all_numbers(const Dataset& ds, const Element* e) {
  std::vector<double> out;
  if (!e) return out;
  const std::size_t n = std::min<std::size_t>(ds.value_count(*e), 64);
  for (std::size_t i = 0; i < n; ++i) {
    if (auto v = ds.number(*e, i)) out.push_back(*v);
  }
  return out;
}

bool ends_with_eoi(const Dataset& ds, const ByteRange& r) {
  // JPEG, JPEG-LS and JPEG 2000 codestreams end with FFD9; a fragment may be padded by one byte.
  const auto v = ds.bytes.subspan(static_cast<std::size_t>(r.offset), static_cast<std::size_t>(r.length));
  for (std::size_t back = 2; back <= 3 && back <= v.size(); ++back) {
    if (v[v.size() - back] == std::byte{0xFF} && v[v.size() - back + 1] == std::byte{0xD9}) {
      return true;
    }
  }
  return false;
}

Status map_fragments(const Dataset& ds, const Element& pixels, FrameLocator& out) {
  const auto items = ds.children(ds.index_of(pixels));
  if (items.empty()) return fail(ErrorCode::kCorruption, "encapsulated pixel data without offset table item");
  const Element& bot = ds.elements[items[0]];
  std::vector<ByteRange> frags;
  std::vector<std::uint64_t> starts;  // item starts, relative to the first fragment's item
  for (std::size_t k = 1; k < items.size(); ++k) {
    const Element& f = ds.elements[items[k]];
    frags.push_back({f.offset, f.length});
  }
  if (frags.empty()) return fail(ErrorCode::kCorruption, "encapsulated pixel data without fragments");
  const std::uint64_t first_item = frags[0].offset - 8;
  for (const auto& f : frags) starts.push_back(f.offset - 8 - first_item);
  const std::uint32_t n = out.frame_count;
  out.frames.assign(n, {});

  auto fragment_at = [&](std::uint64_t rel) -> std::optional<std::size_t> {
    const auto it = std::lower_bound(starts.begin(), starts.end(), rel);
    if (it == starts.end() || *it != rel) return std::nullopt;
    return static_cast<std::size_t>(it - starts.begin());
  };
  auto from_offsets = [&](const std::vector<std::uint64_t>& offsets, const char* what) -> Status {
    for (std::uint32_t k = 0; k < n; ++k) {
      const auto first = fragment_at(offsets[k]);
      if (!first || (k > 0 && offsets[k] <= offsets[k - 1])) {
        return fail(ErrorCode::kCorruption, std::string(what) + ": offset of frame " +
                                                std::to_string(k + 1) + " is not a fragment start");
      }
      const std::uint64_t end = k + 1 < n ? offsets[k + 1] : std::numeric_limits<std::uint64_t>::max();
      for (std::size_t f = *first; f < frags.size() && starts[f] < end; ++f) out.frames[k].push_back(frags[f]);
    }
    return {};
  };

  const Element* eot = ds.find(kExtendedOffsets);
  const Element* eotl = ds.find(kExtendedLengths);
  if (eot && eot->length == 8ull * n && n > 0) {
    std::vector<std::uint64_t> offsets;
    const auto v = ds.value(*eot);
    for (std::uint32_t k = 0; k < n; ++k) offsets.push_back(le(v.data() + 8 * k, 8));
    if (auto st = from_offsets(offsets, "Extended Offset Table"); !st) return st;
    if (eotl && eotl->length == 8ull * n) {
      // A frame's length cannot exceed its fragments' (one fragment per frame, PS3.5 A.4).
      const auto lv = ds.value(*eotl);
      for (std::uint32_t k = 0; k < n; ++k) {
        const std::uint64_t len = le(lv.data() + 8 * k, 8);
        std::uint64_t have = 0;
        for (const auto& r : out.frames[k]) have += r.length;
        if (out.frames[k].empty() || len > have) {
          return fail(ErrorCode::kCorruption, "Extended Offset Table: length of frame " +
                                                  std::to_string(k + 1) + " disagrees with its fragment");
        }
      }
    }
    return {};
  }
  if (bot.length > 0) {
    if (bot.length != 4ull * n) {
      return fail(ErrorCode::kCorruption, "Basic Offset Table has " + std::to_string(bot.length / 4) +
                                              " entries for " + std::to_string(n) + " frames");
    }
    std::vector<std::uint64_t> offsets;
    const auto v = ds.value(bot);
    for (std::uint32_t k = 0; k < n; ++k) offsets.push_back(le(v.data() + 4 * k, 4));
    return from_offsets(offsets, "Basic Offset Table");
  }
  if (frags.size() == n) {
    for (std::uint32_t k = 0; k < n; ++k) out.frames[k].push_back(frags[k]);
    return {};
  }
  if (n == 1) {
    out.frames[0] = frags;
    return {};
  }
  std::uint32_t k = 0;
  for (const auto& f : frags) {
    if (k >= n) return fail(ErrorCode::kUnsupported, "fragments of the frames cannot be told apart");
    out.frames[k].push_back(f);
    if (ends_with_eoi(ds, f)) ++k;
  }
  if (k != n) return fail(ErrorCode::kUnsupported, "fragments of the frames cannot be told apart");
  return {};
}

}  // namespace

Result<FrameLocator> locate_frames(const Dataset& ds) {
  const Element* pixels = ds.find(kPixelData);
  std::uint32_t float_bits = 0;
  if (!pixels && (pixels = ds.find(kFloatPixelData))) float_bits = 32;
  if (!pixels && (pixels = ds.find(kDoublePixelData))) float_bits = 64;
  if (!pixels) return fail(ErrorCode::kNotFound, "the instance has no pixel data");
  FrameLocator out;
  out.transfer_syntax_uid = ds.transfer_syntax_uid;
  out.encapsulated = pixels->is_encapsulated();
  const auto frames = ds.number(0x00280008);
  if (frames && (*frames < 1 || *frames > kMaxFrames)) {
    return fail(ErrorCode::kCorruption, "Number of Frames is out of range");
  }
  out.frame_count = frames ? static_cast<std::uint32_t>(*frames) : 1;
  if (out.encapsulated) {
    if (auto st = map_fragments(ds, *pixels, out); !st) return fail(st.error());
    return out;
  }
  const std::uint64_t rows = uint_attr(ds, 0x00280010, 0);
  const std::uint64_t cols = uint_attr(ds, 0x00280011, 0);
  const std::uint64_t spp = uint_attr(ds, 0x00280002, 1);
  const std::uint64_t bits = float_bits ? float_bits : uint_attr(ds, 0x00280100, 0);
  if (rows == 0 || cols == 0 || bits == 0 || spp == 0 || spp > 4 || bits > 64) {
    return fail(ErrorCode::kCorruption, "Rows, Columns, Bits Allocated or Samples per Pixel missing or invalid");
  }
  out.pixel_data = {pixels->offset, pixels->length};
  out.frame_bits = rows * cols * spp * bits;  // < 2^16 * 2^16 * 4 * 64
  const std::uint64_t needed_bits = out.frame_bits * out.frame_count;
  if (needed_bits / out.frame_bits != out.frame_count || (needed_bits + 7) / 8 > pixels->length) {
    return fail(ErrorCode::kCorruption, "pixel data is shorter than " + std::to_string(out.frame_count) +
                                            " frames of " + std::to_string(rows) + "x" +
                                            std::to_string(cols));
  }
  return out;
}

Result<std::vector<ByteRange>> frame_ranges(const FrameLocator& f, std::uint32_t number) {
  if (number == 0 || number > f.frame_count) {
    return fail(ErrorCode::kNotFound, "frame " + std::to_string(number) + " does not exist (the instance has " +
                                          std::to_string(f.frame_count) + ")");
  }
  if (f.encapsulated) return f.frames[number - 1];
  const std::uint64_t start_bit = f.frame_bits * (number - 1);
  const std::uint64_t end_bit = start_bit + f.frame_bits;
  const std::uint64_t first = start_bit / 8;
  return std::vector<ByteRange>{{f.pixel_data.offset + first, (end_bit + 7) / 8 - first}};
}

unsigned frame_bit_offset(const FrameLocator& f, std::uint32_t number) {
  if (f.encapsulated || number == 0) return 0;
  return static_cast<unsigned>((f.frame_bits * (number - 1)) % 8);
}

Result<ByteRange> bulk_range(const Dataset& ds, std::string_view path) {
  const std::string where = "bulk data " + std::string(path);
  std::uint32_t item = dicom::kNoParent;  // kNoParent: the top level
  const Element* e = nullptr;
  std::string_view rest = path;
  while (true) {
    const auto slash = rest.find('/');
    const std::string_view t = rest.substr(0, slash);
    std::uint32_t tag = 0;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), tag, 16);
    if (t.size() != 8 || r.ec != std::errc() || r.ptr != t.data() + t.size()) {
      return fail(ErrorCode::kInvalidArgument, where + ": malformed path");
    }
    e = item == dicom::kNoParent ? ds.find(tag) : ds.find_in_item(item, tag);
    if (!e) return fail(ErrorCode::kNotFound, where + ": no such element");
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
    const auto slash2 = rest.find('/');
    const std::string_view idx = rest.substr(0, slash2);
    std::size_t k = 0;
    const auto r2 = std::from_chars(idx.data(), idx.data() + idx.size(), k);
    if (slash2 == std::string_view::npos || idx.empty() || r2.ec != std::errc() ||
        r2.ptr != idx.data() + idx.size() || !e->is_sequence()) {
      return fail(ErrorCode::kInvalidArgument, where + ": malformed path");
    }
    const auto items = ds.children(ds.index_of(*e));
    if (k >= items.size()) return fail(ErrorCode::kNotFound, where + ": no such item");
    item = items[k];
    rest.remove_prefix(slash2 + 1);
  }
  if (e->is_sequence()) return fail(ErrorCode::kInvalidArgument, where + ": a sequence is not bulk data");
  return ByteRange{e->offset, e->length};
}

Result<ImageAttributes> image_attributes(const Dataset& ds) {
  ImageAttributes a;
  a.rows = uint_attr(ds, 0x00280010, 0);
  a.columns = uint_attr(ds, 0x00280011, 0);
  if (a.rows == 0 || a.columns == 0) return fail(ErrorCode::kNotFound, "the instance is not an image (no Rows/Columns)");
  a.bits_allocated = uint_attr(ds, 0x00280100, 0);
  a.bits_stored = uint_attr(ds, 0x00280101, a.bits_allocated);
  a.high_bit = uint_attr(ds, 0x00280102, a.bits_stored ? a.bits_stored - 1 : 0);
  a.pixel_representation = uint_attr(ds, 0x00280103, 0);
  a.samples_per_pixel = uint_attr(ds, 0x00280002, 1);
  a.planar_configuration = uint_attr(ds, 0x00280006, 0);
  a.number_of_frames = std::max<std::uint32_t>(1, uint_attr(ds, 0x00280008, 1));
  a.photometric_interpretation = ds.text(0x00280004);
  a.transfer_syntax_uid = ds.transfer_syntax_uid;
  constexpr std::uint32_t kPixelValueTransformation = 0x00289145u;
  constexpr std::uint32_t kFrameVoiLut = 0x00289132u;
  constexpr std::uint32_t kPixelMeasures = 0x00289110u;
  if (const Element* e = attr_or_shared(ds, 0x00281053, kPixelValueTransformation)) {
    if (auto v = ds.number(*e)) a.rescale_slope = *v;
  }
  if (const Element* e = attr_or_shared(ds, 0x00281052, kPixelValueTransformation)) {
    if (auto v = ds.number(*e)) a.rescale_intercept = *v;
  }
  a.window_centers = all_numbers(ds, attr_or_shared(ds, 0x00281050, kFrameVoiLut));
  a.window_widths = all_numbers(ds, attr_or_shared(ds, 0x00281051, kFrameVoiLut));
  if (!a.window_centers.empty()) a.window_center = a.window_centers[0];
  if (!a.window_widths.empty()) a.window_width = a.window_widths[0];
  if (const Element* e = attr_or_shared(ds, 0x00281056, kFrameVoiLut)) a.voi_lut_function = ds.text(*e);
  if (const Element* e = attr_or_shared(ds, 0x00280030, kPixelMeasures)) {
    a.pixel_spacing_row = ds.number(*e, 0);
    a.pixel_spacing_column = ds.number(*e, 1);
  }
  return a;
}

}  // namespace custos::dicomweb
