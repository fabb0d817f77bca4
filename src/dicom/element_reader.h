// A bounded, iterative parser of a whole Part-10 file held in memory, for serving
// (DICOMweb metadata, frames, bulk data). Why not DCMTK: serving needs byte offsets of
// values (frames are answered straight from the stored bytes), must never recurse on data
// depth, and must stay cheap per request; DCMTK copies every value and recurses.
// The stored bytes were checked at import, but are still treated as untrusted here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace custos::dicom {

// A VR as two ASCII capitals, first one in the high byte: vr_code("SQ").
using VrCode = std::uint16_t;
[[nodiscard]] constexpr VrCode vr_code(const char (&s)[3]) {
  return static_cast<VrCode>(static_cast<unsigned char>(s[0]) << 8 |
                             static_cast<unsigned char>(s[1]));
}
// "SQ" for vr_code("SQ"); two spaces for 0 (items and fragments have no VR).
[[nodiscard]] std::string vr_name(VrCode vr);

enum class NodeKind : std::uint8_t {
  kElement,   // a data element (a sequence or encapsulated pixel data has children)
  kItem,      // an item of a sequence
  kFragment,  // an item of encapsulated pixel data (first one: the Basic Offset Table)
};

inline constexpr std::uint32_t kNoParent = 0xFFFFFFFFu;

// One node of the parsed tree, stored flat in document order. The subtree of node i is
// [i + 1, end); its parent is `parent`.
struct Element {
  std::uint32_t tag = 0;      // (group << 16) | element; items: 0xFFFEE000
  VrCode vr = 0;              // explicit, or from the data dictionary for implicit VR
  NodeKind kind = NodeKind::kElement;
  bool big_endian = false;    // byte order of the value
  bool undefined_length = false;
  std::uint16_t depth = 0;    // sequences enclosing this node (top-level elements: 0)
  std::uint32_t parent = kNoParent;
  std::uint32_t end = 0;      // index one past the last node of the subtree
  std::uint64_t offset = 0;   // of the value in the file
  std::uint64_t length = 0;   // of the value (undefined length: up to the delimiter)

  [[nodiscard]] bool is_sequence() const { return kind == NodeKind::kElement && vr == vr_code("SQ"); }
  [[nodiscard]] bool is_encapsulated() const {
    return kind == NodeKind::kElement && undefined_length && vr != vr_code("SQ");
  }
};

struct ReadLimits {
  std::uint32_t max_depth = 64;             // nested sequences
  std::size_t max_elements = 4u << 20;      // nodes in the tree (memory bound)
};

// The parsed file. Holds a view of the bytes: they must outlive it.
// Thread safety: immutable after read_elements; const use from many threads is safe.
struct Dataset {
  std::span<const std::byte> bytes;   // the whole file
  std::vector<Element> elements;      // meta group (0002) first when present, then dataset
  std::string transfer_syntax_uid;    // (0002,0010), or the encoding guessed without meta
  bool has_meta = false;
  bool explicit_vr = true;            // of the dataset
  bool big_endian = false;

  [[nodiscard]] std::span<const std::byte> value(const Element& e) const {
    return bytes.subspan(static_cast<std::size_t>(e.offset), static_cast<std::size_t>(e.length));
  }
  // The top-level element with this tag, or null.
  [[nodiscard]] const Element* find(std::uint32_t tag) const;
  // The element with this tag directly in item `item_index` (an index of a kItem node).
  [[nodiscard]] const Element* find_in_item(std::uint32_t item_index, std::uint32_t tag) const;
  // The items of sequence `seq_index`, in order (indices into elements).
  [[nodiscard]] std::vector<std::uint32_t> children(std::uint32_t index) const;
  [[nodiscard]] std::uint32_t index_of(const Element& e) const {
    return static_cast<std::uint32_t>(&e - elements.data());
  }
  // The value as text with DICOM padding (trailing spaces/NULs, leading spaces) removed;
  // not converted to UTF-8 (see charset.h). Empty when absent.
  [[nodiscard]] std::string text(std::uint32_t tag) const;
  [[nodiscard]] std::string text(const Element& e) const;
  // Value `i` of a numeric element (US SS UL SL FL FD SV UV, or IS/DS text); nullopt when
  // absent, not a number, or fewer values.
  [[nodiscard]] std::optional<double> number(const Element& e, std::size_t i = 0) const;
  [[nodiscard]] std::optional<double> number(std::uint32_t tag, std::size_t i = 0) const;
  // The number of values of a numeric element (binary: length / size; text: backslashes+1).
  [[nodiscard]] std::size_t value_count(const Element& e) const;
};

// Parses `file`: preamble + "DICM" + meta group, or a meta group without preamble, or a
// bare dataset (encoding guessed as DCMTK does). Explicit/implicit VR little endian,
// explicit VR big endian; undefined-length sequences and items; encapsulated pixel data.
// No recursion: an explicit stack of at most limits.max_depth sequences.
// Errors: kRejected (with the tag and offset) for truncated values, lengths past the end
// of the file or of the enclosing item, nesting deeper than max_depth, malformed items,
// too many elements; kUnsupported for a deflated transfer syntax (its values have no
// offsets in the stored bytes, so it is not served from here).
[[nodiscard]] Result<Dataset> read_elements(std::span<const std::byte> file,
                                            const ReadLimits& limits = {});

// "(0010,0010)".
[[nodiscard]] std::string format_tag(std::uint32_t tag);

}  // namespace custos::dicom
