// The element state machine of the stream scanner (see dataset_walker.h). Lengths are
// trusted only after they are checked against the enclosing containers and the stream's
// end, and a value is passed by counting its bytes, never by reading them.
#include "dicom/dataset_walker.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>

namespace custos::dicom::detail {
namespace {

constexpr std::uint32_t kUndefinedLength = 0xFFFFFFFFu;
constexpr std::uint64_t kNoEnd = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint32_t kItemTag = 0xFFFEE000u;
constexpr std::uint32_t kItemDelimTag = 0xFFFEE00Du;
constexpr std::uint32_t kSeqDelimTag = 0xFFFEE0DDu;
constexpr std::uint32_t kPixelDataTag = 0x7FE00010u;
// Some writers pad files with zeros (to a block size); more than this is not padding.
constexpr std::uint64_t kMaxTrailingZeros = 64u << 10;
// The largest meta element whose value is read (UIDs are at most 64 bytes).
constexpr std::uint32_t kMaxMetaValue = 1024;

std::uint16_t read16(const std::uint8_t* p, bool big) {
  return big ? static_cast<std::uint16_t>(p[0] << 8 | p[1])
             : static_cast<std::uint16_t>(p[1] << 8 | p[0]);
}

std::uint32_t read32(const std::uint8_t* p, bool big) {
  const std::uint32_t b0 = p[0], b1 = p[1], b2 = p[2], b3 = p[3];
  return big ? (b0 << 24 | b1 << 16 | b2 << 8 | b3) : (b3 << 24 | b2 << 16 | b1 << 8 | b0);
}

std::uint32_t read_tag(const std::uint8_t* p, bool big) {
  return static_cast<std::uint32_t>(read16(p, big)) << 16 | read16(p + 2, big);
}

// How an explicit VR decides the header and the content of an element.
enum class VrKind {
  kShort,     // 2-byte length
  kLong,      // 2 reserved bytes + 4-byte length
  kSequence,  // SQ
  kUnknown,   // UN, or an unknown VR of two capitals, which DCMTK reads as UN
};

// The VRs of PS3.5, classified once into a 26 x 26 table: the walker looks up every
// element's VR, so this must not be a chain of string compares.
enum VrClass : std::uint8_t {
  kNotStandard,
  kStandardShort,
  kStandardLong,
  kStandardSq,
  kStandardUn
};

struct VrTable {
  std::array<std::uint8_t, 26 * 26> cls{};
  constexpr VrTable() {
    constexpr const char* kShort[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT",
                                      "FD", "FL", "IS", "LO", "LT", "PN", "SH",
                                      "SL", "SS", "ST", "TM", "UI", "UL", "US"};
    constexpr const char* kLong[] = {"OB", "OD", "OF", "OL", "OV", "OW",
                                     "UC", "UR", "UT", "SV", "UV"};
    for (const char* v : kShort) cls[index(v[0], v[1])] = kStandardShort;
    for (const char* v : kLong) cls[index(v[0], v[1])] = kStandardLong;
    cls[index('S', 'Q')] = kStandardSq;
    cls[index('U', 'N')] = kStandardUn;
  }
  static constexpr std::size_t index(char c1, char c2) {
    return static_cast<std::size_t>(c1 - 'A') * 26 + static_cast<std::size_t>(c2 - 'A');
  }
  constexpr std::uint8_t lookup(std::uint8_t c1, std::uint8_t c2) const {
    if (c1 < 'A' || c1 > 'Z' || c2 < 'A' || c2 > 'Z') return kNotStandard;
    return cls[index(static_cast<char>(c1), static_cast<char>(c2))];
  }
};
constexpr VrTable kVrTable;

VrKind classify_vr(std::uint8_t c1, std::uint8_t c2) {
  switch (kVrTable.lookup(c1, c2)) {
    case kStandardShort:
      return VrKind::kShort;
    case kStandardLong:
      return VrKind::kLong;
    case kStandardSq:
      return VrKind::kSequence;
    case kStandardUn:
      return VrKind::kUnknown;
    default:
      break;
  }
  // DCMTK: two capitals are an unknown VR with a 4-byte length (read as UN); anything else
  // gets a 2-byte length. Walking the same way keeps both parsers in step on bad VRs.
  const bool capitals = c1 >= 'A' && c1 <= 'Z' && c2 >= 'A' && c2 <= 'Z';
  return capitals ? VrKind::kUnknown : VrKind::kShort;
}

std::string format_tag(std::uint32_t tag) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "(%04x,%04x)", static_cast<unsigned>(tag >> 16),
                static_cast<unsigned>(tag & 0xFFFFu));
  return buf;
}

}  // namespace

Encoding encoding_for_transfer_syntax(const std::string& uid) {
  if (uid == kImplicitLittleUid) return Encoding::kImplicitLittle;
  if (uid == kExplicitBigUid) return Encoding::kExplicitBig;
  // Deflated Explicit VR Little Endian, and JPIP Referenced Deflate (also a deflated dataset).
  if (uid == "1.2.840.10008.1.2.1.99" || uid == "1.2.840.10008.1.2.4.95") {
    return Encoding::kDeflatedExplicitLittle;
  }
  return Encoding::kExplicitLittle;
}

bool is_standard_vr(std::uint8_t c1, std::uint8_t c2) {
  return kVrTable.lookup(c1, c2) != kNotStandard;
}

Enc guess_dataset_encoding(const std::uint8_t* first6) {
  if (!is_standard_vr(first6[4], first6[5])) return kImplicitLe;
  // Group 0008 is far likelier than 0800 for a first element.
  const std::uint16_t little = read16(first6, false);
  const std::uint16_t big = read16(first6, true);
  return (little > 0xFF && big <= 0xFF) ? kExplicitBe : kExplicitLe;
}

DatasetWalker::DatasetWalker(const ScanLimits& limits, std::uint64_t start_offset,
                             std::optional<std::uint64_t> end_bound, bool inflated)
    : limits_(limits), end_bound_(end_bound), inflated_(inflated), pos_(start_offset) {}

void DatasetWalker::start_meta(std::vector<std::byte>* meta) {
  mode_ = Mode::kMeta;
  enc_ = kExplicitLe;
  sink_ = meta;
  copying_ = true;
}

void DatasetWalker::start_dataset(std::optional<Enc> enc, std::vector<std::byte>* prefix) {
  mode_ = Mode::kDataset;
  guess_pending_ = !enc.has_value();
  enc_known_ = enc.has_value();
  if (enc) enc_ = *enc;
  sink_ = prefix;
  copying_ = true;
}

std::optional<Enc> DatasetWalker::dataset_encoding() const {
  if (!enc_known_) return std::nullopt;
  return enc_;
}

std::vector<std::uint8_t> DatasetWalker::take_carry() {
  std::vector<std::uint8_t> out(carry_.begin(), carry_.begin() + carry_len_);
  carry_len_ = 0;
  return out;
}

std::size_t DatasetWalker::feed(const std::uint8_t* in, std::size_t n) {
  std::size_t used = 0;
  while (!error_ && mode_ != Mode::kMetaDone) {
    if (carry_len_ > 0) {
      if (skip_ > 0) {
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, carry_len_));
        skip_value(carry_.data(), take);
        drop_carry(take);
        continue;
      }
      const Step s = step(carry_.data(), carry_len_);
      if (s.need > 0) {
        if (used == n) break;
        const std::size_t take = std::min(s.need - carry_len_, n - used);
        std::memcpy(carry_.data() + carry_len_, in + used, take);
        carry_len_ += take;
        used += take;
        continue;
      }
      drop_carry(s.consumed);
      continue;
    }
    if (used == n) break;
    if (skip_ > 0) {
      // The hot path: a value (pixel data) passes in O(1) per chunk.
      const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, n - used));
      skip_value(in + used, take);
      used += take;
      continue;
    }
    const Step s = step(in + used, n - used);
    if (s.need > 0) {  // a header split across chunks: keep its start (fewer than 16 bytes)
      carry_len_ = n - used;
      std::memcpy(carry_.data(), in + used, carry_len_);
      used = n;
      break;
    }
    used += s.consumed;
  }
  return used;
}

DatasetWalker::Step DatasetWalker::step(const std::uint8_t* p, std::size_t n) {
  while (!stack_.empty() && stack_.back().end == pos_) pop();
  if (must_end_at_ && pos_ >= *must_end_at_) {
    return reject(kItemTag, must_item_,
                  "item runs past the end of its sequence at " + where(*must_end_at_) +
                      ", which is not the end");
  }
  if (mode_ == Mode::kTrailingZeros) return scan_zeros(p, n);
  if (mode_ == Mode::kMeta && stack_.empty()) {
    take_pending_meta_value();
    if (error_) return {};
    // A deflated dataset starts exactly where (0002,0000) says: its bytes are no tag.
    if (meta_end_ && pos_ >= *meta_end_ &&
        encoding_for_transfer_syntax(ts_) == Encoding::kDeflatedExplicitLittle) {
      mode_ = Mode::kMetaDone;
      return {};
    }
    if (n < 4) return {0, 4};
    if (read16(p, false) != 0x0002) {
      mode_ = Mode::kMetaDone;
      return {};
    }
  }
  if (guess_pending_) {
    if (n < 6) return {0, 6};
    enc_ = guess_dataset_encoding(p);
    guess_pending_ = false;
    enc_known_ = true;
    return {};
  }
  const Frame* top = stack_.empty() ? nullptr : &stack_.back();
  const Enc enc = top ? top->enc : enc_;
  if (n < 4) return {0, 4};
  const std::uint32_t tag = read_tag(p, enc.big_endian);
  if (!top && mode_ == Mode::kDataset && tag == 0) {
    // Group 0000 never appears in a stored dataset: this is zero padding after the end.
    mode_ = Mode::kTrailingZeros;
    copying_ = false;
    return {};
  }
  if (top && top->kind != Kind::kItem) {
    if (n < 8) return {0, 8};
    const std::uint32_t len = read32(p + 4, enc.big_endian);
    const Step s =
        top->kind == Kind::kSequence ? sequence_context(tag, len) : fragments_context(tag, len);
    if (s.consumed > 0) consume(p, s.consumed);
    return s;
  }
  return dataset_context(tag, p, n, enc);
}

DatasetWalker::Step DatasetWalker::sequence_context(std::uint32_t tag, std::uint32_t len) {
  const Frame& top = stack_.back();
  const std::uint64_t start = pos_;
  if (tag == kItemTag) {
    std::uint64_t end = len == kUndefinedLength ? kNoEnd : start + 8 + len;
    if (end != kNoEnd && end > top.limit && top.limit != kNoEnd && !must_end_at_ &&
        (inflated_ || !end_bound_ || *end_bound_ == top.limit)) {
      // DCMTK reads an item longer than its sequence up to the end of the stream (pydicom's
      // DICOMDIR-nooffset). Accept that, but only where the sequence ends the stream:
      // anything after it would be nested in the item for DCMTK but not here.
      end = top.limit;
      must_end_at_ = end;
      must_item_ = start;
    }
    if (!fits(tag, end == kNoEnd ? start + 8 : end)) return {};
    if (!push(Kind::kItem, tag, start, end, top.enc)) return {};
    return {8, 0};
  }
  if (tag == kSeqDelimTag && top.end == kNoEnd) {
    if (!fits(tag, start + 8)) return {};
    pop();
    return {8, 0};
  }
  return reject(tag, start,
                tag == kSeqDelimTag ? "sequence delimiter inside a defined-length sequence"
                                    : "expected an item in the sequence");
}

DatasetWalker::Step DatasetWalker::fragments_context(std::uint32_t tag, std::uint32_t len) {
  const std::uint64_t start = pos_;
  if (tag == kItemTag) {
    if (len == kUndefinedLength)
      return reject(tag, start, "pixel data fragment of undefined length");
    if (!fits(tag, start + 8 + len)) return {};
    skip_ = len;
    skip_tag_ = tag;
    skip_start_ = start;
    skip_length_ = len;
    return {8, 0};
  }
  if (tag == kSeqDelimTag) {
    if (!fits(tag, start + 8)) return {};
    pop();
    return {8, 0};
  }
  return reject(tag, start, "expected a fragment item in encapsulated pixel data");
}

DatasetWalker::Step DatasetWalker::dataset_context(std::uint32_t tag, const std::uint8_t* p,
                                                   std::size_t n, Enc enc) {
  const Frame* top = stack_.empty() ? nullptr : &stack_.back();
  const std::uint64_t start = pos_;
  if (tag == kItemTag || tag == kItemDelimTag || tag == kSeqDelimTag) {
    if (n < 8) return {0, 8};
    if (tag == kItemDelimTag && top) {
      if (!fits(tag, start + 8)) return {};
      consume(p, 8);
      // Some writers also end defined-length items with a delimiter: redundant, harmless.
      if (top->end == kNoEnd) pop();
      return {8, 0};
    }
    return reject(
        tag, start,
        tag == kItemTag ? "item outside a sequence" : "delimiter outside a sequence or item");
  }

  VrKind kind = VrKind::kShort;
  std::size_t header = 8;
  std::uint32_t len = 0;
  if (enc.explicit_vr) {
    if (n < 6) return {0, 6};
    kind = classify_vr(p[4], p[5]);
    if (kind != VrKind::kShort) header = 12;
    if (n < header) return {0, header};
    len = header == 12 ? read32(p + 8, enc.big_endian) : read16(p + 6, enc.big_endian);
  } else {
    if (n < 8) return {0, 8};
    len = read32(p + 4, enc.big_endian);
  }
  // Contents whose structure DCMTK may parse although the VR does not say SQ.
  const bool opaque = !enc.explicit_vr || kind == VrKind::kUnknown;

  if (!top && mode_ == Mode::kDataset && copying_ && (tag >> 16) > 0x0028) copying_ = false;

  if (len == kUndefinedLength) {
    // Undefined length: a sequence, or encapsulated pixel data (fragments, not datasets).
    // UN of undefined length holds implicit VR little endian items (CP-246).
    const bool fragments = tag == kPixelDataTag && kind != VrKind::kSequence;
    const Enc child = (enc.explicit_vr && kind == VrKind::kUnknown) ? kImplicitLe : enc;
    if (!fits(tag, start + header)) return {};
    consume(p, header);
    if (error_ ||
        !push(fragments ? Kind::kFragments : Kind::kSequence, tag, start, kNoEnd, child)) {
      return {};
    }
    return {header, 0};
  }

  const std::uint64_t end = start + header + len;
  if (!fits(tag, end)) return {};
  bool sequence = kind == VrKind::kSequence;
  Enc child = enc;
  if (!sequence && opaque && len >= 8 && tag != kPixelDataTag) {
    // Implicit VR (or UN) whose value starts with an item tag: DCMTK finds SQ in its
    // dictionary and descends, so hostile nesting can hide here. Descend as well.
    if (n < header + 4) return {0, header + 4};
    if (read_tag(p + header, false) == kItemTag) {
      sequence = true;
      child = kImplicitLe;
    }
  }
  if (mode_ == Mode::kMeta && !top && !sequence && len <= kMaxMetaValue &&
      (tag == 0x00020000u || tag == 0x00020002u || tag == 0x00020010u)) {
    pending_ = PendingMetaValue{tag, sink_->size() + header, len, end};
  }
  consume(p, header);
  if (error_) return {};
  if (sequence) {
    if (!push(Kind::kSequence, tag, start, end, child)) return {};
  } else if (len > 0) {
    skip_ = len;
    skip_tag_ = tag;
    skip_start_ = start;
    skip_length_ = len;
  }
  return {header, 0};
}

DatasetWalker::Step DatasetWalker::scan_zeros(const std::uint8_t* p, std::size_t n) {
  // Decided by position alone (the first byte that breaks a rule), whatever the chunking.
  const std::uint64_t allowed = kMaxTrailingZeros - zeros_;
  const std::size_t look = static_cast<std::size_t>(std::min<std::uint64_t>(n, allowed));
  const std::uint8_t* nonzero = std::find_if(p, p + look, [](std::uint8_t b) { return b != 0; });
  if (nonzero != p + look) {
    reject_plain("data after trailing zero padding at " +
                 where(pos_ + static_cast<std::uint64_t>(nonzero - p)));
    return {};
  }
  if (n > allowed) {
    reject_plain("more than 64 KiB of zero bytes after the dataset, from " + where(pos_ - zeros_));
    return {};
  }
  zeros_ += n;
  pos_ += n;
  return {n, 0};
}

bool DatasetWalker::push(Kind kind, std::uint32_t tag, std::uint64_t start, std::uint64_t end,
                         Enc enc) {
  if (kind != Kind::kItem) {
    if (seq_depth_ >= limits_.max_depth) {
      reject(tag, start,
             "sequences nested deeper than " + std::to_string(limits_.max_depth) + " levels");
      return false;
    }
    ++seq_depth_;
    max_depth_seen_ = std::max(max_depth_seen_, seq_depth_);
  }
  const std::uint64_t parent_limit = stack_.empty() ? kNoEnd : stack_.back().limit;
  stack_.push_back(Frame{kind, tag, start, end, std::min(end, parent_limit), enc});
  return true;
}

void DatasetWalker::pop() {
  if (stack_.back().kind != Kind::kItem) --seq_depth_;
  stack_.pop_back();
}

bool DatasetWalker::fits(std::uint32_t tag, std::uint64_t end) {
  if (!stack_.empty() && end > stack_.back().limit) {
    reject(tag, pos_,
           "length runs past the end of the enclosing sequence or item at " +
               where(stack_.back().limit));
    return false;
  }
  if (end_bound_ && end > *end_bound_) {
    reject(tag, pos_,
           inflated_ ? "length runs past the most the deflated data may inflate to (" +
                           std::to_string(*end_bound_) + " bytes)"
                     : "truncated: the length runs past the end of the file (" +
                           std::to_string(*end_bound_) + " bytes)");
    return false;
  }
  return true;
}

void DatasetWalker::consume(const std::uint8_t* p, std::size_t n) {
  if (copying_) {
    if (sink_->size() + n > limits_.max_header_bytes) {
      reject_plain(std::string(mode_ == Mode::kMeta ? "file meta group" : "dataset header") +
                   " larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
      return;
    }
    const auto* b = reinterpret_cast<const std::byte*>(p);
    sink_->insert(sink_->end(), b, b + n);
  }
  pos_ += n;
}

void DatasetWalker::skip_value(const std::uint8_t* p, std::size_t n) {
  consume(p, n);
  skip_ -= n;
}

void DatasetWalker::drop_carry(std::size_t n) {
  std::memmove(carry_.data(), carry_.data() + n, carry_len_ - n);
  carry_len_ -= n;
}

void DatasetWalker::take_pending_meta_value() {
  if (!pending_ || sink_->size() < pending_->offset + pending_->length) return;
  const auto* v = reinterpret_cast<const std::uint8_t*>(sink_->data() + pending_->offset);
  const std::uint32_t len = pending_->length;
  if (pending_->tag == 0x00020000u) {
    if (len == 4) meta_end_ = pending_->end + read32(v, false);
  } else {
    std::string value(reinterpret_cast<const char*>(v), len);
    while (!value.empty() && (value.back() == '\0' || value.back() == ' ')) value.pop_back();
    (pending_->tag == 0x00020010u ? ts_ : sop_class_) = std::move(value);
  }
  pending_.reset();
}

Status DatasetWalker::finish() {
  if (error_) return fail(*error_);
  if (mode_ == Mode::kMeta && skip_ == 0) take_pending_meta_value();
  if (skip_ > 0) {
    reject(skip_tag_, skip_start_,
           "truncated: the value declares " + std::to_string(skip_length_) +
               " bytes but the stream ends after " + std::to_string(skip_length_ - skip_));
    return fail(*error_);
  }
  while (!stack_.empty() && stack_.back().end == pos_) pop();
  if (carry_len_ > 0) {
    const bool zeros = std::all_of(carry_.begin(), carry_.begin() + carry_len_,
                                   [](std::uint8_t b) { return b == 0; });
    if (!zeros || !stack_.empty()) {
      reject_plain("truncated: the stream ends inside an element header at " + where(pos_));
      return fail(*error_);
    }
  }
  if (!stack_.empty()) {
    const Frame& f = stack_.back();
    reject(f.tag, f.start,
           std::string("truncated: the stream ends inside this ") +
               (f.kind == Kind::kItem ? "item" : "sequence"));
    return fail(*error_);
  }
  return {};
}

DatasetWalker::Step DatasetWalker::reject(std::uint32_t tag, std::uint64_t at,
                                          const std::string& reason) {
  reject_plain(format_tag(tag) + " at " + where(at) + ": " + reason);
  return {};
}

void DatasetWalker::reject_plain(const std::string& reason) {
  if (!error_) error_ = Error{ErrorCode::kRejected, reason};
}

std::string DatasetWalker::where(std::uint64_t at) const {
  return "offset " + std::to_string(at) + (inflated_ ? " of the inflated dataset" : "");
}

}  // namespace custos::dicom::detail
