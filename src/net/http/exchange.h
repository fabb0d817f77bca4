// The bridge between a handler thread and the connection's I/O thread: what Request,
// BodyReader and ResponseWriter call into. Internal to the module (no Boost here either).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace custos::http::detail {

using Fields = std::vector<std::pair<std::string, std::string>>;

// Implemented by the connection. Each call blocks the calling (handler) thread until the
// I/O thread has done the work, so at most one operation is in flight per connection and
// the only buffers are the caller's: back-pressure in both directions, bounded memory.
class Exchange {
 public:
  virtual ~Exchange() = default;
  // Up to out.size() body bytes; 0 at the end of the body. Sends 100 Continue first when
  // the client asked for it. Enforces the route's body limit (answers 413 itself).
  virtual Result<std::size_t> read_body(std::span<std::byte> out) = 0;
  // Status line and headers. content_length nullopt = chunked (unless the status has no body).
  virtual Status write_head(int status, const Fields& fields,
                            std::optional<std::uint64_t> content_length) = 0;
  // Body bytes, framed as the head said (a chunk when chunked). Not called for HEAD.
  virtual Status write_body(std::span<const std::byte> data) = 0;
  // write_body, with `alongside` run on the calling thread while the I/O thread writes.
  // Returns the write's error, else alongside's.
  virtual Status write_body_while(std::span<const std::byte> data,
                                  const std::function<Status()>& alongside) = 0;
  // Ends the body (the last chunk when chunked).
  virtual Status finish_body() = 0;
  // The connection must close after this response (set before write_head to announce it).
  virtual void force_close() = 0;
};

}  // namespace custos::http::detail
