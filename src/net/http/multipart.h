// Multipart bodies (RFC 2046): a streaming parser for STOW-RS and uploads, and a writer for
// WADO-RS multipart/related responses. Why: parts may be gigabytes; neither side ever holds
// more than a part's header block and a boundary's length of data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "net/http/media_type.h"
#include "net/http/response.h"

namespace custos::http {

struct MultipartLimits {
  std::size_t max_header_bytes = 8 * 1024;    // one part's header block
  std::size_t max_headers = 32;               // per part
  std::size_t max_preamble_bytes = 64 * 1024; // before the first boundary
  std::size_t max_parts = 1000000;
};

struct PartHeaders {
  std::vector<std::pair<std::string, std::string>> fields;  // names lower-case, values trimmed
  std::optional<std::string_view> get(std::string_view lower_name) const;
};

// Thread safety: one thread. Errors (kInvalidArgument, sticky once returned): no boundary in
// the first max_preamble_bytes, junk after a boundary, too many headers, a header block or
// line too long, a malformed or folded header line, too many parts, and from finish() a body
// that ended before the closing boundary. A callback's error stops parsing and is returned.
class MultipartParser {
 public:
  struct Callbacks {
    std::function<Status(const PartHeaders&)> on_part_begin;
    std::function<Status(std::span<const std::byte>)> on_part_data;  // any chunking
    std::function<Status()> on_part_end;
  };

  // kInvalidArgument for a boundary that is not 1-70 RFC 2046 characters.
  [[nodiscard]] static Result<MultipartParser> create(std::string_view boundary, Callbacks callbacks,
                                                      MultipartLimits limits = {});
  // The boundary parameter of a multipart/* Content-Type.
  [[nodiscard]] static Result<std::string> boundary_of(const MediaType& content_type);

  [[nodiscard]] Status feed(std::span<const std::byte> data);
  [[nodiscard]] Status feed(std::string_view data) {
    return feed(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data.data()), data.size()));
  }
  // After the last byte: kInvalidArgument unless the closing delimiter was seen.
  [[nodiscard]] Status finish();
  bool done() const { return state_ == State::kEpilogue; }
  std::size_t parts() const { return parts_; }

 private:
  enum class State { kPreamble, kAfterDelimiter, kHeaders, kBody, kEpilogue, kError };
  MultipartParser(std::string delimiter, Callbacks callbacks, MultipartLimits limits);
  Status step(bool* progressed);
  Status error(std::string message);
  Status emit(std::size_t n);

  std::string delimiter_;  // "\r\n--" + boundary
  Callbacks cb_;
  MultipartLimits limits_;
  State state_ = State::kPreamble;
  std::string buf_;
  std::size_t pos_ = 0;  // consumed bytes of buf_
  std::size_t preamble_ = 0, parts_ = 0;
  PartHeaders headers_;
  std::size_t header_bytes_ = 0;
  Error error_;
};

// Writes a multipart response through a ResponseWriter (chunked). Boundary: 192 random bits.
// Thread safety: the handler thread. Errors are those of ResponseWriter.
class MultipartWriter {
 public:
  // subtype "related" or "mixed"; params such as {"type", "application/dicom"}.
  explicit MultipartWriter(ResponseWriter& out, std::string_view subtype = "related",
                           std::vector<std::pair<std::string, std::string>> params = {});
  const std::string& boundary() const { return boundary_; }
  std::string content_type() const;
  // Sets Content-Type and starts the response (status from the ResponseWriter, 200 default),
  // chunked; or, given the body's exact length (encoded_length), with a Content-Length.
  [[nodiscard]] Status begin(std::optional<std::uint64_t> length = std::nullopt);
  // The length of the whole body this writer produces for parts with these headers and
  // bodies of these sizes, written in this order, and end().
  struct PartShape {
    std::vector<std::pair<std::string, std::string>> headers;
    std::uint64_t body_bytes = 0;
  };
  [[nodiscard]] std::uint64_t encoded_length(const std::vector<PartShape>& parts) const;
  [[nodiscard]] Status begin_part(const std::vector<std::pair<std::string, std::string>>& headers);
  [[nodiscard]] Status write(std::span<const std::byte> data);
  [[nodiscard]] Status write(std::string_view data);
  // ResponseWriter::write_while: `check` runs while `data` goes out; its failure cuts the
  // response off.
  [[nodiscard]] Status write_while(std::span<const std::byte> data,
                                   const std::function<Status()>& check) {
    return out_.write_while(data, check);
  }
  // The closing delimiter, then ResponseWriter::end.
  [[nodiscard]] Status end();

 private:
  ResponseWriter& out_;
  std::string subtype_;
  std::vector<std::pair<std::string, std::string>> params_;
  std::string boundary_;
  bool in_part_ = false;
};

}  // namespace custos::http
