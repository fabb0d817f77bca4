// The in-memory element reader (see element_reader.h). One loop with an explicit stack of
// open containers (sequence, item, encapsulated pixel data); every declared length is
// checked against the nearest enclosing defined end and the file size before use.
#include "dicom/element_reader.h"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>

#include "dicom/dataset_walker.h"
#include "dicom/dictionary.h"
#include "dicom/text.h"

namespace custos::dicom {
namespace {

constexpr std::uint32_t kUndefinedLength = 0xFFFFFFFFu;
constexpr std::uint64_t kNoEnd = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint32_t kItemTag = 0xFFFEE000u;
constexpr std::uint32_t kItemDelimTag = 0xFFFEE00Du;
constexpr std::uint32_t kSeqDelimTag = 0xFFFEE0DDu;
constexpr std::uint32_t kPixelDataTag = 0x7FE00010u;

std::uint16_t rd16(const std::uint8_t* p, bool big) {
  return big ? static_cast<std::uint16_t>(p[0] << 8 | p[1])
             : static_cast<std::uint16_t>(p[1] << 8 | p[0]);
}
std::uint32_t rd32(const std::uint8_t* p, bool big) {
  const std::uint32_t b0 = p[0], b1 = p[1], b2 = p[2], b3 = p[3];
  return big ? (b0 << 24 | b1 << 16 | b2 << 8 | b3) : (b3 << 24 | b2 << 16 | b1 << 8 | b0);
}
std::uint32_t rd_tag(const std::uint8_t* p, bool big) {
  return static_cast<std::uint32_t>(rd16(p, big)) << 16 | rd16(p + 2, big);
}

bool is_long_vr(VrCode vr) {
  switch (vr) {
    case vr_code("OB"): case vr_code("OD"): case vr_code("OF"): case vr_code("OL"):
    case vr_code("OV"): case vr_code("OW"): case vr_code("UC"): case vr_code("UR"):
    case vr_code("UT"): case vr_code("SV"): case vr_code("UV"): case vr_code("SQ"):
    case vr_code("UN"):
      return true;
    default:
      return false;
  }
}

struct Open {
  std::uint32_t index;  // the node in Dataset::elements
  std::uint64_t end;    // kNoEnd for undefined length
  std::uint64_t limit;  // nearest defined end among this and its parents
  bool explicit_vr;
  bool big;
};

class Parser {
 public:
  Parser(std::span<const std::byte> file, const ReadLimits& limits, Dataset& out)
      : p_(reinterpret_cast<const std::uint8_t*>(file.data())), n_(file.size()),
        limits_(limits), out_(out) {}

  Status run(std::uint64_t start, bool meta, bool explicit_vr, bool big);

 private:
  Status reject(std::uint32_t tag, std::uint64_t at, const std::string& why) const {
    return fail(ErrorCode::kRejected,
                format_tag(tag) + " at offset " + std::to_string(at) + ": " + why);
  }
  std::uint64_t limit() const { return stack_.empty() ? n_ : stack_.back().limit; }
  std::uint16_t depth() const { return static_cast<std::uint16_t>(seq_depth_); }
  Status add(Element e) {
    if (out_.elements.size() >= limits_.max_elements) {
      return fail(ErrorCode::kRejected,
                  "more than " + std::to_string(limits_.max_elements) + " elements");
    }
    e.parent = stack_.empty() ? kNoParent : stack_.back().index;
    out_.elements.push_back(e);
    out_.elements.back().end = static_cast<std::uint32_t>(out_.elements.size());
    return {};
  }
  Status push(std::uint64_t end, bool explicit_vr, bool big, bool is_sequence) {
    if (is_sequence) {
      if (seq_depth_ >= limits_.max_depth) {
        const Element& e = out_.elements.back();
        return reject(e.tag, e.offset,
                      "sequences nested deeper than " + std::to_string(limits_.max_depth));
      }
      ++seq_depth_;
    }
    stack_.push_back(Open{static_cast<std::uint32_t>(out_.elements.size() - 1), end,
                          std::min(end, limit()), explicit_vr, big});
    return {};
  }
  // Closes the top container at `pos` (the start of its delimiter, or its defined end).
  void pop(std::uint64_t pos) {
    Element& e = out_.elements[stack_.back().index];
    e.end = static_cast<std::uint32_t>(out_.elements.size());
    if (e.undefined_length) e.length = pos - e.offset;
    if (e.kind == NodeKind::kElement) --seq_depth_;
    stack_.pop_back();
  }
  Status in_container(std::uint64_t& pos, const Open& top);
  Status in_dataset(std::uint64_t& pos, bool explicit_vr, bool big);

  const std::uint8_t* p_;
  std::uint64_t n_;
  ReadLimits limits_;
  Dataset& out_;
  std::vector<Open> stack_;
  std::uint32_t seq_depth_ = 0;
};

Status Parser::run(std::uint64_t pos, bool meta, bool explicit_vr, bool big) {
  bool in_meta = meta;
  while (true) {
    while (!stack_.empty() && stack_.back().end == pos) pop(pos);
    if (pos >= n_) break;
    if (stack_.empty()) {
      if (in_meta) {
        if (n_ - pos < 4) return reject(0, pos, "truncated element header");
        if (rd16(p_ + pos, false) != 0x0002) {
          in_meta = false;
          continue;
        }
        if (auto st = in_dataset(pos, true, false); !st) return st;
        const Element& e = out_.elements.back();
        if (e.tag == 0x00020010u) out_.transfer_syntax_uid = trim_padding(
            std::string_view(reinterpret_cast<const char*>(p_ + e.offset), e.length));
        continue;
      }
      if (n_ - pos >= 4 && rd32(p_ + pos, false) == 0) {
        // Zero padding after the dataset (some writers pad to a block size).
        for (std::uint64_t i = pos; i < n_; ++i) {
          if (p_[i] != 0) return reject(0, pos, "data after trailing zero padding");
        }
        break;
      }
      if (auto st = in_dataset(pos, explicit_vr, big); !st) return st;
      continue;
    }
    const Open top = stack_.back();
    const Element& container = out_.elements[top.index];
    if (container.kind == NodeKind::kItem) {
      if (auto st = in_dataset(pos, top.explicit_vr, top.big); !st) return st;
    } else {
      if (auto st = in_container(pos, top); !st) return st;
    }
  }
  if (!stack_.empty()) {
    const Element& e = out_.elements[stack_.back().index];
    return reject(e.tag, e.offset,
                  std::string("truncated: the file ends inside this ") +
                      (e.kind == NodeKind::kItem ? "item" : "sequence"));
  }
  return {};
}

// Inside a sequence or encapsulated pixel data: items and the sequence delimiter.
Status Parser::in_container(std::uint64_t& pos, const Open& top) {
  if (n_ - pos < 8) return reject(0, pos, "truncated item header");
  const std::uint32_t tag = rd_tag(p_ + pos, top.big);
  const std::uint32_t len = rd32(p_ + pos + 4, top.big);
  const bool fragments = !out_.elements[top.index].is_sequence();
  if (tag == kSeqDelimTag) {
    if (top.end != kNoEnd) return reject(tag, pos, "sequence delimiter in a defined-length sequence");
    if (pos + 8 > limit()) return reject(tag, pos, "delimiter runs past its container");
    pop(pos);
    pos += 8;
    return {};
  }
  if (tag != kItemTag) return reject(tag, pos, fragments ? "expected a fragment" : "expected an item");
  Element e;
  e.tag = tag;
  e.kind = fragments ? NodeKind::kFragment : NodeKind::kItem;
  e.big_endian = top.big;
  e.depth = depth();
  e.offset = pos + 8;
  if (len == kUndefinedLength) {
    if (fragments) return reject(tag, pos, "fragment of undefined length");
    e.undefined_length = true;
    if (auto st = add(e); !st) return st;
    pos += 8;
    return push(kNoEnd, top.explicit_vr, top.big, false);
  }
  if (e.offset + len > limit()) {
    return reject(tag, pos, "item length runs past the end of its sequence or the file");
  }
  e.length = len;
  if (auto st = add(e); !st) return st;
  pos += 8;
  if (fragments) {
    pos += len;
    return {};
  }
  return push(e.offset + len, top.explicit_vr, top.big, false);
}

// At a data element (top level or in an item), or an item delimiter.
Status Parser::in_dataset(std::uint64_t& pos, bool explicit_vr, bool big) {
  const std::uint64_t avail = limit() - pos;
  if (avail < 8) return reject(0, pos, "truncated element header");
  const std::uint8_t* h = p_ + pos;
  const std::uint32_t tag = rd_tag(h, big);
  if (tag == kItemDelimTag) {
    if (stack_.empty() || out_.elements[stack_.back().index].kind != NodeKind::kItem) {
      return reject(tag, pos, "item delimiter outside an item");
    }
    // Some writers also end defined-length items with a delimiter: harmless.
    if (stack_.back().end == kNoEnd) pop(pos);
    pos += 8;
    return {};
  }
  if (tag == kItemTag || tag == kSeqDelimTag) return reject(tag, pos, "delimiter outside a sequence");
  Element e;
  e.tag = tag;
  e.big_endian = big;
  e.depth = depth();
  std::uint64_t header = 8;
  std::uint32_t len = 0;
  if (explicit_vr) {
    const std::uint8_t c1 = h[4], c2 = h[5];
    const bool capitals = c1 >= 'A' && c1 <= 'Z' && c2 >= 'A' && c2 <= 'Z';
    const VrCode raw = static_cast<VrCode>(c1 << 8 | c2);
    if (detail::is_standard_vr(c1, c2)) {
      e.vr = raw;
      if (is_long_vr(raw)) header = 12;
    } else if (capitals) {
      e.vr = vr_code("UN");  // an unknown VR of two capitals has a 4-byte length (DCMTK)
      header = 12;
    } else {
      e.vr = dictionary_vr(tag);
    }
    if (avail < header) return reject(tag, pos, "truncated element header");
    len = header == 12 ? rd32(h + 8, big) : rd16(h + 6, big);
  } else {
    e.vr = dictionary_vr(tag);
    len = rd32(h + 4, big);
  }
  e.offset = pos + header;
  pos += header;
  if (len == kUndefinedLength) {
    e.undefined_length = true;
    if (tag == kPixelDataTag && e.vr != vr_code("SQ")) {
      e.vr = vr_code("OB");  // encapsulated pixel data is OB (PS3.5 A.4), whatever is written
      if (auto st = add(e); !st) return st;
      return push(kNoEnd, explicit_vr, big, true);
    }
    // Undefined length is a sequence (UN: implicit VR little endian items, CP-246).
    const bool un = explicit_vr && e.vr == vr_code("UN");
    if (e.vr != vr_code("SQ") && !un && explicit_vr) {
      return reject(tag, e.offset - header, "undefined length on a " + vr_name(e.vr) + " value");
    }
    e.vr = vr_code("SQ");
    if (auto st = add(e); !st) return st;
    return un ? push(kNoEnd, false, false, true) : push(kNoEnd, explicit_vr, big, true);
  }
  if (e.offset + len > limit()) {
    return reject(tag, e.offset - header,
                  "value length " + std::to_string(len) +
                      " runs past the end of the file or of its item");
  }
  e.length = len;
  if (auto st = add(e); !st) return st;
  if (e.vr == vr_code("SQ")) {
    if (len == 0) return {};
    return push(e.offset + len, explicit_vr, big, true);
  }
  pos += len;
  return {};
}

std::uint32_t skip_subtree(const Dataset& ds, std::uint32_t i) { return ds.elements[i].end; }

}  // namespace

std::string vr_name(VrCode vr) {
  if (vr == 0) return "  ";
  return std::string{static_cast<char>(vr >> 8), static_cast<char>(vr & 0xFF)};
}

std::string format_tag(std::uint32_t tag) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "(%04x,%04x)", static_cast<unsigned>(tag >> 16),
                static_cast<unsigned>(tag & 0xFFFFu));
  return buf;
}

Result<Dataset> read_elements(std::span<const std::byte> file, const ReadLimits& limits) {
  Dataset ds;
  ds.bytes = file;
  const auto* p = reinterpret_cast<const std::uint8_t*>(file.data());
  const std::size_t n = file.size();
  std::uint64_t start = 0;
  bool meta = false;
  if (n >= 132 && std::memcmp(p + 128, "DICM", 4) == 0) {
    start = 132;
    meta = true;
  } else if (n >= 6 && p[0] == 0x02 && p[1] == 0x00 && detail::is_standard_vr(p[4], p[5])) {
    meta = true;  // a meta group without preamble
  }
  if (!meta && n < 8) return fail(ErrorCode::kRejected, "too short to be DICOM");

  // The meta group first (always explicit VR little endian), to learn the transfer syntax.
  std::uint64_t dataset_start = start;
  if (meta) {
    // Parse only group 0002 at the top level: find where it ends.
    std::uint64_t pos = start;
    while (pos + 8 <= n && p[pos] == 0x02 && p[pos + 1] == 0x00) {
      const bool long_vr = is_long_vr(static_cast<VrCode>(p[pos + 4] << 8 | p[pos + 5]));
      const std::uint64_t header = long_vr ? 12 : 8;
      if (pos + header > n) break;
      const std::uint32_t len = long_vr ? rd32(p + pos + 8, false) : rd16(p + pos + 6, false);
      if (len == kUndefinedLength) {
        return fail(ErrorCode::kRejected, "undefined length in the file meta group");
      }
      if (pos + header + len > n) break;  // the parser reports it
      pos += header + len;
    }
    dataset_start = pos;
    if (auto st = Parser(file.first(static_cast<std::size_t>(pos)), limits, ds)
                      .run(start, true, true, false);
        !st) {
      return fail(st.error());
    }
  }
  bool explicit_vr = true;
  bool big = false;
  if (!ds.transfer_syntax_uid.empty()) {
    switch (detail::encoding_for_transfer_syntax(ds.transfer_syntax_uid)) {
      case Encoding::kImplicitLittle: explicit_vr = false; break;
      case Encoding::kExplicitBig: big = true; break;
      case Encoding::kDeflatedExplicitLittle:
        return fail(ErrorCode::kUnsupported,
                    "deflated transfer syntax: values are not addressable in the stored bytes");
      case Encoding::kExplicitLittle: break;
    }
  } else if (n - dataset_start >= 6) {
    const detail::Enc enc = detail::guess_dataset_encoding(p + dataset_start);
    explicit_vr = enc.explicit_vr;
    big = enc.big_endian;
    ds.transfer_syntax_uid = !explicit_vr ? detail::kImplicitLittleUid
                             : big        ? detail::kExplicitBigUid
                                          : detail::kExplicitLittleUid;
  }
  ds.has_meta = meta;
  ds.explicit_vr = explicit_vr;
  ds.big_endian = big;
  Parser parser(file, limits, ds);
  if (auto st = parser.run(dataset_start, false, explicit_vr, big); !st) return fail(st.error());
  if (!explicit_vr) {
    // "US or SS" in the dictionary: signed when the pixels are (as pydicom and DCMTK resolve).
    const auto rep = ds.number(0x00280103);
    if (rep && *rep == 1) {
      for (Element& e : ds.elements) {
        if (e.depth == 0 && e.vr == vr_code("US") &&
            (e.tag == 0x00280104u || e.tag == 0x00280105u || e.tag == 0x00280106u ||
             e.tag == 0x00280107u || e.tag == 0x00280108u || e.tag == 0x00280109u ||
             e.tag == 0x00280110u || e.tag == 0x00280111u || e.tag == 0x00280120u)) {
          e.vr = vr_code("SS");
        }
      }
    }
  }
  return ds;
}

const Element* Dataset::find(std::uint32_t tag) const {
  for (std::uint32_t i = 0; i < elements.size(); i = skip_subtree(*this, i)) {
    if (elements[i].tag == tag) return &elements[i];
  }
  return nullptr;
}

const Element* Dataset::find_in_item(std::uint32_t item_index, std::uint32_t tag) const {
  if (item_index >= elements.size()) return nullptr;
  const std::uint32_t end = elements[item_index].end;
  for (std::uint32_t i = item_index + 1; i < end; i = elements[i].end) {
    if (elements[i].tag == tag) return &elements[i];
  }
  return nullptr;
}

std::vector<std::uint32_t> Dataset::children(std::uint32_t index) const {
  std::vector<std::uint32_t> out;
  if (index >= elements.size()) return out;
  for (std::uint32_t i = index + 1; i < elements[index].end; i = elements[i].end) out.push_back(i);
  return out;
}

std::string Dataset::text(const Element& e) const {
  const auto v = value(e);
  return trim_padding(std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
}

std::string Dataset::text(std::uint32_t tag) const {
  const Element* e = find(tag);
  return e ? text(*e) : std::string();
}

std::size_t Dataset::value_count(const Element& e) const {
  switch (e.vr) {
    case vr_code("US"): case vr_code("SS"): return e.length / 2;
    case vr_code("UL"): case vr_code("SL"): case vr_code("FL"): return e.length / 4;
    case vr_code("FD"): case vr_code("SV"): case vr_code("UV"): return e.length / 8;
    default: break;
  }
  if (e.length == 0) return 0;
  const auto v = value(e);
  std::size_t count = 1;
  for (const std::byte b : v) count += b == std::byte{'\\'};
  return count;
}

std::optional<double> Dataset::number(const Element& e, std::size_t i) const {
  const auto v = value(e);
  const auto* b = reinterpret_cast<const std::uint8_t*>(v.data());
  const bool big = e.big_endian;
  auto at = [&](std::size_t size) -> const std::uint8_t* {
    return (i + 1) * size <= v.size() ? b + i * size : nullptr;
  };
  auto u64 = [&](const std::uint8_t* q) {
    const std::uint64_t hi = rd32(q + (big ? 0 : 4), big), lo = rd32(q + (big ? 4 : 0), big);
    return hi << 32 | lo;
  };
  switch (e.vr) {
    case vr_code("US"): if (auto q = at(2)) return rd16(q, big); return std::nullopt;
    case vr_code("SS"): if (auto q = at(2)) return static_cast<std::int16_t>(rd16(q, big)); return std::nullopt;
    case vr_code("UL"): if (auto q = at(4)) return rd32(q, big); return std::nullopt;
    case vr_code("SL"): if (auto q = at(4)) return static_cast<std::int32_t>(rd32(q, big)); return std::nullopt;
    case vr_code("FL"):
      if (auto q = at(4)) {
        const std::uint32_t u = rd32(q, big);
        float f;
        std::memcpy(&f, &u, 4);
        return f;
      }
      return std::nullopt;
    case vr_code("FD"):
      if (auto q = at(8)) {
        const std::uint64_t u = u64(q);
        double d;
        std::memcpy(&d, &u, 8);
        return d;
      }
      return std::nullopt;
    case vr_code("SV"): if (auto q = at(8)) return static_cast<double>(static_cast<std::int64_t>(u64(q))); return std::nullopt;
    case vr_code("UV"): if (auto q = at(8)) return static_cast<double>(u64(q)); return std::nullopt;
    default: break;
  }
  // Text (IS, DS, or anything else holding a number): value i of the backslash list.
  std::string_view s(reinterpret_cast<const char*>(v.data()), v.size());
  for (std::size_t k = 0; k < i; ++k) {
    const auto bs = s.find('\\');
    if (bs == std::string_view::npos) return std::nullopt;
    s.remove_prefix(bs + 1);
  }
  s = s.substr(0, s.find('\\'));
  while (!s.empty() && (s.front() == ' ')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double d = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return d;
}

std::optional<double> Dataset::number(std::uint32_t tag, std::size_t i) const {
  const Element* e = find(tag);
  return e ? number(*e, i) : std::nullopt;
}

}  // namespace custos::dicom
