// StreamScanner: detects the form of a DICOM stream, walks its file meta group and dataset
// (inflating a deflated dataset under a ratio and an absolute cap) and keeps the header
// prefix. Why: it runs on every imported byte before DCMTK parses any (SECURITY.md).
#include "dicom/stream_scanner.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "dicom/dataset_walker.h"

namespace custos::dicom {
namespace {

using detail::DatasetWalker;
using detail::Enc;

constexpr std::size_t kHeadSize = 132;  // preamble + "DICM"
constexpr std::size_t kInflateChunk = 64u << 10;
// zlib is given the deflated bytes in slices of this size at fixed offsets, whatever the
// chunks fed: its consumption, and with it every cap decision, is then the same for any
// chunking.
constexpr std::size_t kInflateSlice = 16u << 10;
// Below this many inflated bytes the ratio cap does not apply: tiny files compress well.
constexpr std::uint64_t kRatioGrace = 1u << 20;

// The form of a stream without preamble, from its first element. Conservative: only a
// first group that datasets really start with, so text and other formats do not pass.
struct BareForm {
  bool meta = false;
  Enc enc;
};

bool plausible_first_group(std::uint16_t group) {
  return group == 0x0004 || (group >= 0x0008 && group <= 0x0028 && group % 2 == 0);
}

std::optional<BareForm> detect_bare(const std::uint8_t* p, std::size_t n) {
  if (n < 8) return std::nullopt;
  const auto little = static_cast<std::uint16_t>(p[1] << 8 | p[0]);
  const auto big = static_cast<std::uint16_t>(p[0] << 8 | p[1]);
  if (detail::is_standard_vr(p[4], p[5])) {
    if (little == 0x0002) return BareForm{true, detail::kExplicitLe};
    if (plausible_first_group(little)) return BareForm{false, detail::kExplicitLe};
    if (plausible_first_group(big)) return BareForm{false, detail::kExplicitBe};
    return std::nullopt;
  }
  if (!plausible_first_group(little)) return std::nullopt;
  const std::uint32_t len = static_cast<std::uint32_t>(p[7]) << 24 |
                            static_cast<std::uint32_t>(p[6]) << 16 |
                            static_cast<std::uint32_t>(p[5]) << 8 | p[4];
  // A first element of a real dataset is short (or an undefined-length sequence).
  if (len != 0xFFFFFFFFu && len > (1u << 20)) return std::nullopt;
  return BareForm{false, detail::kImplicitLe};
}

std::optional<std::string> preamble_warning(const std::uint8_t* p) {
  if (std::all_of(p, p + 128, [](std::uint8_t b) { return b == 0; })) return std::nullopt;
  if (std::memcmp(p, "II*\0", 4) == 0 || std::memcmp(p, "MM\0*", 4) == 0) return std::nullopt;
  // Name only well-known magic numbers: the preamble may hold anything, even health data.
  if (p[0] == 'M' && p[1] == 'Z') {
    return "non-zero preamble starting with 'MZ' (possible executable polyglot, CVE-2019-11687)";
  }
  if (std::memcmp(p,
                  "\x7f"
                  "ELF",
                  4) == 0) {
    return "non-zero preamble starting with an ELF header (possible executable polyglot, "
           "CVE-2019-11687)";
  }
  if (p[0] == '#' && p[1] == '!') {
    return "non-zero preamble starting with '#!' (possible script polyglot, CVE-2019-11687)";
  }
  return "non-zero, non-TIFF preamble (possible polyglot, CVE-2019-11687)";
}

const char* uid_for(Enc enc) {
  if (!enc.explicit_vr) return detail::kImplicitLittleUid;
  return enc.big_endian ? detail::kExplicitBigUid : detail::kExplicitLittleUid;
}

}  // namespace

struct StreamScanner::Impl {
  enum class Phase { kDetect, kWalk, kInflate, kAfterDeflate, kNotDicom, kFailed, kFinished };

  Impl(ScanLimits l, std::optional<std::uint64_t> size) : limits_(l), expected_size_(size) {}
  ~Impl() {
    if (zlib_ready_) inflateEnd(&zs_);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void feed(const std::uint8_t* p, std::size_t n);
  void detect();
  void route(const std::uint8_t* p, std::size_t n);
  void on_meta_done(const std::uint8_t*& p, std::size_t& n);
  void inflate_input(const std::uint8_t* p, std::size_t n);
  void inflate_slice();
  bool start_zlib();
  void inflate_bytes(const std::uint8_t* p, std::size_t n);
  bool within_caps();
  void reject(std::string reason);
  void take_walker_error();
  Result<ScanSummary> finish();

  ScanLimits limits_;
  std::optional<std::uint64_t> expected_size_;
  Phase phase_ = Phase::kDetect;
  std::vector<std::uint8_t> head_;
  ScanSummary summary_;
  std::optional<DatasetWalker> walker_;
  std::uint32_t meta_depth_ = 0;
  bool encoding_from_bytes_ = false;  // explicit LE declared: the first element decides
  std::optional<Error> error_;

  z_stream zs_{};
  bool zlib_ready_ = false;
  std::vector<std::uint8_t> zin_;  // the current slice of deflated bytes
  std::vector<std::uint8_t> zout_;
  std::uint64_t inflated_ = 0;
};

void StreamScanner::Impl::reject(std::string reason) {
  if (!error_) error_ = Error{ErrorCode::kRejected, std::move(reason)};
  phase_ = Phase::kFailed;
}

void StreamScanner::Impl::take_walker_error() {
  if (walker_ && walker_->error()) {
    if (!error_) error_ = *walker_->error();
    phase_ = Phase::kFailed;
  }
}

void StreamScanner::Impl::feed(const std::uint8_t* p, std::size_t n) {
  summary_.bytes_seen += n;
  if (phase_ != Phase::kDetect) {
    route(p, n);
    return;
  }
  const std::size_t take = std::min(n, kHeadSize - head_.size());
  head_.insert(head_.end(), p, p + take);
  if (head_.size() < kHeadSize) return;
  detect();
  route(p + take, n - take);
}

// Decides the form from the first bytes (all 132 of them, or fewer at the end of a short
// stream), then replays them.
void StreamScanner::Impl::detect() {
  const std::uint8_t* p = head_.data();
  const std::size_t n = head_.size();
  if (n >= kHeadSize && std::memcmp(p + 128, "DICM", 4) == 0) {
    summary_.has_preamble = true;
    summary_.preamble_warning = preamble_warning(p);
    walker_.emplace(limits_, kHeadSize, expected_size_, false);
    walker_->start_meta(&summary_.meta_bytes);
    phase_ = Phase::kWalk;
    return;
  }
  const std::optional<BareForm> form = detect_bare(p, n);
  if (!form) {
    phase_ = Phase::kNotDicom;
    return;
  }
  walker_.emplace(limits_, 0, expected_size_, false);
  if (form->meta) {
    walker_->start_meta(&summary_.meta_bytes);
  } else {
    walker_->start_dataset(form->enc, &summary_.dataset_prefix);
  }
  phase_ = Phase::kWalk;
  route(p, n);
}

void StreamScanner::Impl::route(const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    if (phase_ == Phase::kWalk) {
      const std::size_t used = walker_->feed(p, n);
      p += used;
      n -= used;
      take_walker_error();
      if (phase_ == Phase::kWalk && walker_->meta_done()) on_meta_done(p, n);
    } else if (phase_ == Phase::kInflate) {
      inflate_input(p, n);
      return;
    } else {
      return;  // not DICOM, refused, or bytes after the deflated dataset
    }
  }
}

// The meta group ended: choose the dataset's encoding and where its bytes go.
void StreamScanner::Impl::on_meta_done(const std::uint8_t*& p, std::size_t& n) {
  summary_.has_meta = !summary_.meta_bytes.empty();
  summary_.transfer_syntax_uid = walker_->transfer_syntax_uid();
  summary_.media_storage_sop_class_uid = walker_->sop_class_uid();
  meta_depth_ = walker_->max_depth_seen();
  if (summary_.transfer_syntax_uid.empty()) {
    walker_->start_dataset(std::nullopt, &summary_.dataset_prefix);
    return;
  }
  const Encoding encoding = detail::encoding_for_transfer_syntax(summary_.transfer_syntax_uid);
  summary_.encoding = encoding;
  if (encoding == Encoding::kExplicitLittle) {
    // Some writers label an implicit-VR dataset as explicit (pydicom's SC_rgb_jpeg.dcm).
    // Like pydicom, believe the bytes: the first element shows whether a VR is present.
    walker_->start_dataset(std::nullopt, &summary_.dataset_prefix);
    encoding_from_bytes_ = true;
    return;
  }
  if (encoding != Encoding::kDeflatedExplicitLittle) {
    const Enc enc = encoding == Encoding::kImplicitLittle ? detail::kImplicitLe
                                                          : detail::kExplicitBe;
    walker_->start_dataset(enc, &summary_.dataset_prefix);
    return;
  }
  const std::vector<std::uint8_t> ahead = walker_->take_carry();
  // The inflated dataset can be no larger than the absolute cap, nor (past the grace) than
  // the ratio times the whole file: declared lengths beyond that are refused on sight.
  std::uint64_t bound = limits_.max_inflated_bytes;
  if (expected_size_) {
    const std::uint64_t ratio = limits_.max_inflate_ratio;
    const bool overflows = ratio != 0 && *expected_size_ > UINT64_MAX / ratio;
    const std::uint64_t by_ratio = overflows ? UINT64_MAX : *expected_size_ * ratio;
    bound = std::min(bound, std::max(by_ratio, kRatioGrace));
  }
  walker_.emplace(limits_, 0, bound, true);
  walker_->start_dataset(detail::kExplicitLe, &summary_.dataset_prefix);
  phase_ = Phase::kInflate;
  zout_.resize(kInflateChunk);
  zin_.reserve(kInflateSlice);
  inflate_input(ahead.data(), ahead.size());
  inflate_input(p, n);
  n = 0;
}

// A zlib header (RFC 1950) is tolerated in place of raw deflate; it is decided from the
// first two bytes, which a raw stream starting with a stored block would rarely match.
bool StreamScanner::Impl::start_zlib() {
  const bool wrapped =
      (zin_[0] & 0x0F) == 8 && (zin_[0] >> 4) <= 7 && ((zin_[0] << 8) | zin_[1]) % 31 == 0;
  if (inflateInit2(&zs_, wrapped ? MAX_WBITS : -MAX_WBITS) != Z_OK) {
    error_ = Error{ErrorCode::kInternal, "deflate: cannot initialise zlib"};
    phase_ = Phase::kFailed;
    return false;
  }
  zlib_ready_ = true;
  return true;
}

void StreamScanner::Impl::inflate_input(const std::uint8_t* p, std::size_t n) {
  while (n > 0 && phase_ == Phase::kInflate) {
    const std::size_t take = std::min(n, kInflateSlice - zin_.size());
    zin_.insert(zin_.end(), p, p + take);
    p += take;
    n -= take;
    if (zin_.size() == kInflateSlice) inflate_slice();
  }
}

// Inflates the current slice (a full one, or the last, shorter one at the end).
void StreamScanner::Impl::inflate_slice() {
  if (zin_.empty() || phase_ != Phase::kInflate) return;
  if (!zlib_ready_ && (zin_.size() < 2 || !start_zlib())) return;
  inflate_bytes(zin_.data(), zin_.size());
  zin_.clear();
}

// Inflates into a fixed buffer and walks each piece. Output pieces end on multiples of
// kInflateChunk of the inflated stream, and the caps are checked exactly there (and at the
// end), so a bomb stops within one piece past the cap and the outcome does not depend on
// how the input was chunked.
void StreamScanner::Impl::inflate_bytes(const std::uint8_t* p, std::size_t n) {
  zs_.next_in = const_cast<Bytef*>(p);  // zlib's API is not const-correct; it only reads
  zs_.avail_in = static_cast<uInt>(n);
  while (phase_ == Phase::kInflate) {
    const std::size_t room = kInflateChunk - static_cast<std::size_t>(inflated_ % kInflateChunk);
    zs_.next_out = zout_.data();
    zs_.avail_out = static_cast<uInt>(room);
    const int rc = ::inflate(&zs_, Z_NO_FLUSH);
    const std::size_t produced = room - zs_.avail_out;
    inflated_ += produced;
    if (produced > 0) {
      walker_->feed(zout_.data(), produced);
      take_walker_error();
      if (phase_ != Phase::kInflate) return;
    }
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      reject("deflate: corrupt deflated dataset (" + std::string(zs_.msg ? zs_.msg : "zlib error") +
             ") after " + std::to_string(zs_.total_in) + " compressed bytes");
      return;
    }
    const bool boundary = produced > 0 && inflated_ % kInflateChunk == 0;
    if ((boundary || rc == Z_STREAM_END) && !within_caps()) return;
    if (rc == Z_STREAM_END) {
      phase_ = Phase::kAfterDeflate;  // bytes after the stream (padding) are not dataset
      return;
    }
    if (zs_.avail_out > 0 && zs_.avail_in == 0) return;  // needs more input
    if (rc == Z_BUF_ERROR && produced == 0) return;
  }
}

bool StreamScanner::Impl::within_caps() {
  if (inflated_ > limits_.max_inflated_bytes) {
    reject("deflate: the dataset inflates to more than " +
           std::to_string(limits_.max_inflated_bytes) + " bytes");
    return false;
  }
  const std::uint64_t compressed = zs_.total_in;
  if (inflated_ > kRatioGrace &&
      (limits_.max_inflate_ratio == 0 || inflated_ / limits_.max_inflate_ratio > compressed)) {
    reject("deflate: the dataset inflates to more than " +
           std::to_string(limits_.max_inflate_ratio) + " times its compressed size (" +
           std::to_string(inflated_) + " bytes from " + std::to_string(compressed) + ")");
    return false;
  }
  return true;
}

Result<ScanSummary> StreamScanner::Impl::finish() {
  if (phase_ == Phase::kFinished) return fail(ErrorCode::kInvalidArgument, "finish() called twice");
  if (phase_ == Phase::kDetect) detect();
  if (phase_ == Phase::kNotDicom) return fail(ErrorCode::kUnsupported, "not a DICOM file");
  if (phase_ == Phase::kFailed) return fail(*error_);
  inflate_slice();
  if (phase_ == Phase::kFailed) return fail(*error_);
  if (phase_ == Phase::kInflate) {
    return fail(ErrorCode::kRejected, "truncated: the deflated dataset ends after " +
                                          std::to_string(zlib_ready_ ? zs_.total_in : zin_.size()) +
                                          " compressed bytes, before the end of its stream");
  }
  if (Status s = walker_->finish(); !s) return fail(s.error());
  if (walker_->in_meta()) {
    // The stream ended inside (or right after) the meta group: there is no dataset.
    summary_.has_meta = !summary_.meta_bytes.empty();
    summary_.transfer_syntax_uid = walker_->transfer_syntax_uid();
    summary_.media_storage_sop_class_uid = walker_->sop_class_uid();
    if (!summary_.transfer_syntax_uid.empty()) {
      summary_.encoding = detail::encoding_for_transfer_syntax(summary_.transfer_syntax_uid);
    }
  }
  if (summary_.transfer_syntax_uid.empty()) {
    // No transfer syntax in the file: name the encoding the dataset was read with.
    const Enc enc = walker_->dataset_encoding().value_or(detail::kImplicitLe);
    summary_.transfer_syntax_uid = uid_for(enc);
    summary_.encoding = !enc.explicit_vr ? Encoding::kImplicitLittle
                        : enc.big_endian ? Encoding::kExplicitBig
                                         : Encoding::kExplicitLittle;
  }
  if (encoding_from_bytes_) {
    if (const auto enc = walker_->dataset_encoding(); enc && !enc->explicit_vr) {
      summary_.encoding = Encoding::kImplicitLittle;  // the declared syntax stays in the summary
    }
  }
  summary_.max_depth_seen = std::max(meta_depth_, walker_->max_depth_seen());
  phase_ = Phase::kFinished;
  return std::move(summary_);
}

StreamScanner::StreamScanner(ScanLimits limits, std::optional<std::uint64_t> expected_size)
    : impl_(std::make_unique<Impl>(limits, expected_size)) {}

StreamScanner::~StreamScanner() = default;

void StreamScanner::feed(std::span<const std::byte> chunk) {
  impl_->feed(reinterpret_cast<const std::uint8_t*>(chunk.data()), chunk.size());
}

bool StreamScanner::not_dicom() const { return impl_->phase_ == Impl::Phase::kNotDicom; }

Result<ScanSummary> StreamScanner::finish() { return impl_->finish(); }

}  // namespace custos::dicom
