// Incremental, iterative scanner of a DICOM byte stream (Part 10 file or bare dataset).
// Why: it runs before DCMTK sees any byte. It decides whether a file is DICOM at all,
// refuses hostile structure that crashes or exhausts DCMTK 3.6.7 (deep nesting, lengths
// beyond the bytes present, deflate bombs; see SECURITY.md) and keeps in memory only the
// header prefix that the index needs, so memory stays bounded whatever the file size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"

namespace custos::dicom {

struct ScanLimits {
  // Sequences nested in one another (an item belongs to its sequence's level; encapsulated
  // pixel data counts as a sequence). A top-level sequence is level 1.
  std::uint32_t max_depth = 64;
  std::size_t max_header_bytes = 64u << 20;       // dataset prefix kept in memory
  std::uint64_t max_inflate_ratio = 200;          // deflated transfer syntax
  std::uint64_t max_inflated_bytes = 4ull << 30;  // absolute cap on inflated dataset
};

// How the dataset (after the meta group) is encoded.
enum class Encoding { kImplicitLittle, kExplicitLittle, kExplicitBig, kDeflatedExplicitLittle };

struct ScanSummary {
  bool has_preamble = false;  // 128-byte preamble followed by "DICM"
  bool has_meta = false;      // a group 0002 file meta information
  // (0002,0010) when present; otherwise the UID of the encoding guessed for a bare dataset.
  std::string transfer_syntax_uid;
  std::string media_storage_sop_class_uid;  // (0002,0002), empty when absent
  Encoding encoding = Encoding::kExplicitLittle;
  // The group 0002 elements exactly as in the file (explicit VR little endian), without
  // preamble and "DICM". Empty when there is no meta group.
  std::vector<std::byte> meta_bytes;
  // The dataset's bytes (inflated when deflated) from its start up to, not including, the
  // first top-level element whose group is above 0x0028 (all identifying attributes sort
  // before it), or the whole dataset when there is no such element.
  std::vector<std::byte> dataset_prefix;
  // Set when the preamble is neither all zero nor a TIFF header: a possible polyglot
  // executable (CVE-2019-11687). The file is still DICOM; the caller flags it.
  std::optional<std::string> preamble_warning;
  std::uint32_t max_depth_seen = 0;
  std::uint64_t bytes_seen = 0;  // raw bytes fed
};

// Feed the stream in chunks of any size, then call finish(). Not thread-safe.
class StreamScanner {
 public:
  // expected_size: the stream's total size when known up front (lets declared lengths
  // beyond the end be refused before reading further).
  explicit StreamScanner(ScanLimits limits = {},
                         std::optional<std::uint64_t> expected_size = std::nullopt);
  ~StreamScanner();
  StreamScanner(const StreamScanner&) = delete;
  StreamScanner& operator=(const StreamScanner&) = delete;

  // Consumes the next chunk. Once the stream is known not to be DICOM, or is refused,
  // later calls return at once (the caller may keep feeding, e.g. to finish a hash).
  void feed(std::span<const std::byte> chunk);

  // Whether the first bytes show the stream is not DICOM at all (a program, a JPEG, text).
  // Only meaningful once at least 132 bytes were fed or finish() was called.
  [[nodiscard]] bool not_dicom() const;

  // End of stream. Errors:
  //  - kUnsupported "not a DICOM file": the stream does not look like DICOM (skip, don't reject);
  //  - kRejected with a reason naming the element and offset: truncated value, length
  //    beyond the end, nesting deeper than max_depth, header prefix over max_header_bytes,
  //    inflate ratio/absolute cap exceeded, corrupt deflate stream, malformed items.
  [[nodiscard]] Result<ScanSummary> finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace custos::dicom
