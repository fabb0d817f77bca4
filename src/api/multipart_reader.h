// Pull-style reading of a multipart request body: the import pipeline asks for bytes
// (source::ByteReader), while the framework's MultipartParser pushes them. Between the two
// sits at most one body chunk of parsed events, so a multi-gigabyte upload of many files
// streams through bounded memory with back-pressure to the client.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "net/http/multipart.h"
#include "net/http/request.h"
#include "source/source.h"

namespace custos::api {

// Not thread-safe (the handler thread).
class MultipartReader final : public source::ByteReader {
 public:
  // kInvalidArgument when the boundary is unusable.
  [[nodiscard]] static Result<std::unique_ptr<MultipartReader>> open(http::BodyReader& body,
                                                                     std::string boundary);

  // Skips what is left of the current part and returns the next part's headers; nullopt
  // after the last part. Errors: malformed multipart, or the body failed (client gone,
  // over the route's limit).
  [[nodiscard]] Result<std::optional<http::PartHeaders>> next_part();
  // The current part's bytes; 0 at its end.
  Result<std::size_t> read(std::span<std::byte> buf) override;

 private:
  struct Event {
    enum class Kind { kBegin, kData, kEnd } kind;
    http::PartHeaders headers;
    std::vector<std::byte> data;
    std::size_t taken = 0;
  };
  explicit MultipartReader(http::BodyReader& body) : body_(body) {}
  // Reads one body chunk into the parser. false at the end of the body.
  Result<bool> pump();

  http::BodyReader& body_;
  std::optional<http::MultipartParser> parser_;
  std::deque<Event> events_;
  std::vector<std::byte> chunk_;
  bool body_done_ = false;
  bool in_part_ = false;
};

// "filename" of a Content-Disposition header value, or "".
[[nodiscard]] std::string disposition_filename(std::string_view value);

}  // namespace custos::api
