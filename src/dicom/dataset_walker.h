// The element-by-element state machine behind StreamScanner: walks one byte stream (file meta
// group or dataset) fed in chunks, with an explicit stack instead of recursion, so hostile
// nesting costs a bounded stack and values are counted past instead of buffered.
// Internal to the dicom module.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "dicom/stream_scanner.h"

namespace custos::dicom::detail {

inline constexpr char kImplicitLittleUid[] = "1.2.840.10008.1.2";
inline constexpr char kExplicitLittleUid[] = "1.2.840.10008.1.2.1";
inline constexpr char kExplicitBigUid[] = "1.2.840.10008.1.2.2";

// How elements are written: explicit or implicit VR, byte order.
struct Enc {
  bool explicit_vr = true;
  bool big_endian = false;
};
inline constexpr Enc kImplicitLe{false, false};
inline constexpr Enc kExplicitLe{true, false};
inline constexpr Enc kExplicitBe{true, true};

// The dataset encoding a transfer syntax UID implies (unknown UIDs: explicit little endian,
// as every compressed syntax is).
[[nodiscard]] Encoding encoding_for_transfer_syntax(const std::string& uid);

// Whether two bytes are one of the VRs of PS3.5 (exact match).
[[nodiscard]] bool is_standard_vr(std::uint8_t c1, std::uint8_t c2);

// The encoding of a dataset that follows a meta group without a transfer syntax, from its
// first 6 bytes, as DCMTK guesses it (a valid VR at bytes 4-5 means explicit VR).
[[nodiscard]] Enc guess_dataset_encoding(const std::uint8_t* first6);

// Walks elements. Errors are sticky: once error() is set, feed() consumes nothing.
// Not thread-safe.
class DatasetWalker {
 public:
  // start_offset: the stream offset of the first byte fed (reported in messages).
  // end_bound: the stream cannot extend past this offset (the file size for a raw stream,
  // the inflate limit for an inflated one), so longer declared lengths are refused at once.
  // inflated: offsets are in the inflated dataset (for messages).
  DatasetWalker(const ScanLimits& limits, std::uint64_t start_offset,
                std::optional<std::uint64_t> end_bound, bool inflated);

  // Walk group 0002 elements (explicit VR little endian), copying every byte to *meta,
  // until the first element of another group (or the end announced by (0002,0000) when the
  // dataset is deflated); then meta_done() is true and feed() stops there.
  void start_meta(std::vector<std::byte>* meta);
  // Walk the dataset; enc == nullopt: guess it from its first bytes. Bytes up to the first
  // top-level element of a group above 0x0028 are copied to *prefix.
  void start_dataset(std::optional<Enc> enc, std::vector<std::byte>* prefix);

  // Consumes bytes; returns how many were taken (fewer than n only once meta_done() or
  // error() is set). Bytes held back for a split header count as taken.
  std::size_t feed(const std::uint8_t* data, std::size_t n);
  // End of stream: checks that nothing is left open. Sets and returns the error, if any.
  [[nodiscard]] Status finish();

  [[nodiscard]] bool meta_done() const { return mode_ == Mode::kMetaDone; }
  [[nodiscard]] bool in_meta() const { return mode_ == Mode::kMeta; }
  // Bytes read ahead past the end of the meta group (the first bytes of the dataset).
  [[nodiscard]] std::vector<std::uint8_t> take_carry();
  [[nodiscard]] const std::optional<Error>& error() const { return error_; }
  [[nodiscard]] const std::string& transfer_syntax_uid() const { return ts_; }
  [[nodiscard]] const std::string& sop_class_uid() const { return sop_class_; }
  // The encoding used for the dataset (after a guess, the guessed one).
  [[nodiscard]] std::optional<Enc> dataset_encoding() const;
  [[nodiscard]] std::uint32_t max_depth_seen() const { return max_depth_seen_; }

 private:
  enum class Mode { kMeta, kMetaDone, kDataset, kTrailingZeros };
  enum class Kind { kSequence, kItem, kFragments };
  struct Frame {
    Kind kind;
    std::uint32_t tag;
    std::uint64_t start;
    std::uint64_t end;    // kNoEnd when undefined length
    std::uint64_t limit;  // the nearest defined end among this frame and its parents
    Enc enc;
  };
  struct Step {
    std::size_t consumed = 0;
    std::size_t need = 0;  // > 0: at least this many contiguous bytes are needed to decide
  };
  struct PendingMetaValue {
    std::uint32_t tag;
    std::size_t offset;  // in *sink_
    std::uint32_t length;
    std::uint64_t end;  // stream offset just after the element
  };

  Step step(const std::uint8_t* p, std::size_t n);
  Step dataset_context(std::uint32_t tag, const std::uint8_t* p, std::size_t n, Enc enc);
  Step sequence_context(std::uint32_t tag, std::uint32_t len);
  Step fragments_context(std::uint32_t tag, std::uint32_t len);
  Step scan_zeros(const std::uint8_t* p, std::size_t n);
  bool push(Kind kind, std::uint32_t tag, std::uint64_t start, std::uint64_t end, Enc enc);
  void pop();
  bool fits(std::uint32_t tag, std::uint64_t end);
  void consume(const std::uint8_t* p, std::size_t n);
  void skip_value(const std::uint8_t* p, std::size_t n);
  void drop_carry(std::size_t n);
  void take_pending_meta_value();
  Step reject(std::uint32_t tag, std::uint64_t at, const std::string& reason);
  void reject_plain(const std::string& reason);
  [[nodiscard]] std::string where(std::uint64_t at) const;

  ScanLimits limits_;
  std::optional<std::uint64_t> end_bound_;
  bool inflated_;
  std::uint64_t pos_;
  Mode mode_ = Mode::kDataset;
  Enc enc_ = kExplicitLe;
  bool guess_pending_ = false;
  bool enc_known_ = false;

  std::vector<Frame> stack_;
  std::uint32_t seq_depth_ = 0;
  std::uint32_t max_depth_seen_ = 0;

  std::uint64_t skip_ = 0;  // value bytes still to pass
  std::uint32_t skip_tag_ = 0;
  std::uint64_t skip_start_ = 0;
  std::uint64_t skip_length_ = 0;

  std::array<std::uint8_t, 16> carry_{};  // a header split across chunks
  std::size_t carry_len_ = 0;

  std::vector<std::byte>* sink_ = nullptr;  // not owned: meta bytes or dataset prefix
  bool copying_ = false;
  std::uint64_t zeros_ = 0;

  std::optional<PendingMetaValue> pending_;
  std::optional<std::uint64_t> meta_end_;     // from (0002,0000)
  std::optional<std::uint64_t> must_end_at_;  // the stream must end here (see sequence_context)
  std::uint64_t must_item_ = 0;
  std::string ts_;
  std::string sop_class_;

  std::optional<Error> error_;
};

}  // namespace custos::dicom::detail
