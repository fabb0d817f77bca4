// What a handler sees of a request: method, target, headers, route parameters, and the body
// as a blocking stream. Why: the application never touches Beast or a socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "net/http/options.h"

namespace custos::http {

namespace detail {
class Exchange;
}

// Streams the request body with back-pressure: nothing is read from the socket until the
// handler asks, and the handler thread blocks while the client is slow.
// Thread safety: one handler thread at a time; valid during the handler call.
class BodyReader {
 public:
  BodyReader(detail::Exchange* exchange, std::uint64_t limit) : exchange_(exchange), limit_(limit) {}
  // Reads up to out.size() bytes; 0 = end of body. Errors: kInvalidArgument (malformed
  // chunking or framing), kRejected when the route's max_body_bytes is exceeded (the
  // framework has then already answered 413 and will close), kIoError when the client went
  // away or body_timeout passed.
  [[nodiscard]] Result<std::size_t> read(std::span<std::byte> out);
  // The whole body; kRejected when it is longer than `limit` (the framework answers 413
  // unless the handler has started a response).
  [[nodiscard]] Result<std::string> read_all(std::size_t limit);
  std::uint64_t bytes_read() const { return bytes_read_; }

 private:
  detail::Exchange* exchange_;
  std::uint64_t limit_;
  std::uint64_t bytes_read_ = 0;
};

// Valid during the handler call only; not thread-safe (one handler thread).
class Request {
 public:
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  struct Parts {  // filled by the framework
    Method method = Method::kGet;
    std::string target, path, route, remote_ip, request_id;
    bool tls = false;
    std::optional<std::uint64_t> content_length;
    Pairs headers;  // names as received
    Pairs params;   // from the route pattern, decoded
    Pairs query;    // decoded, in order
  };
  Request(Parts parts, detail::Exchange* exchange, std::uint64_t max_body_bytes)
      : p_(std::move(parts)), body_(exchange, max_body_bytes) {}

  Method method() const { return p_.method; }  // as received (kHead for HEAD)
  std::string_view target() const { return p_.target; }  // as received
  std::string_view path() const { return p_.path; }      // percent-decoded
  // First header with this name, case-insensitive.
  std::optional<std::string_view> header(std::string_view name) const;
  // The cookie's value from the Cookie header(s), nullopt when absent.
  std::optional<std::string> cookie(std::string_view name) const;
  // The value of {name} in the route pattern ("" when the pattern has no such parameter).
  std::string_view param(std::string_view name) const;
  std::optional<std::string> query_value(std::string_view name) const;  // first, decoded
  const Pairs& query() const { return p_.query; }                       // all, in order
  const Pairs& headers() const { return p_.headers; }
  std::string_view remote_ip() const { return p_.remote_ip; }
  bool tls() const { return p_.tls; }
  std::string_view request_id() const { return p_.request_id; }
  std::optional<std::uint64_t> content_length() const { return p_.content_length; }
  std::string_view route() const { return p_.route; }  // the matched pattern
  BodyReader& body() { return body_; }

 private:
  Parts p_;
  BodyReader body_;
};

}  // namespace custos::http
