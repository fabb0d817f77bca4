// How a handler answers: a whole body with send(), or a stream with begin/write/end.
// Why: bounded memory for multi-gigabyte downloads; the framework owns framing headers.
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

namespace custos::http {

namespace detail {
class Exchange;
}

// Not thread-safe (one handler thread); valid during the handler call.
// Errors of every Status: kInvalidArgument for misuse (headers after begin, a header the
// framework owns, CR/LF in a value, more bytes than the Content-Length), kIoError when the
// client went away or body_timeout passed.
class ResponseWriter {
 public:
  ResponseWriter(detail::Exchange* exchange, bool head_only)
      : exchange_(exchange), head_only_(head_only) {}

  void set_status(int status) { status_ = status; }
  // Adds a header (repeat the name to send it twice). Content-Length, Transfer-Encoding and
  // Connection belong to the framework: setting them makes begin()/send() fail
  // (kInvalidArgument) and the framework answers 500. Use set_content_length instead.
  void set_header(std::string_view name, std::string_view value);
  // A streamed body of this exact length instead of chunked encoding.
  void set_content_length(std::uint64_t length) { content_length_ = length; }
  void set_actor(std::string_view actor) { actor_ = actor; }  // for the access log

  // The whole response at once (Content-Length framing).
  [[nodiscard]] Status send(int status, std::string_view content_type, std::string_view body);
  // Streaming: begin sends status+headers (chunked unless set_content_length), write blocks
  // while the socket's buffer is full (bounded memory), end finishes.
  [[nodiscard]] Status begin();
  [[nodiscard]] Status write(std::span<const std::byte> data);
  [[nodiscard]] Status write(std::string_view data);
  // write(data), with `check` run on this thread while the bytes go out: for a check of
  // what is being sent (a hash) that need not delay it. When `check` fails the response is
  // cut off where it stands (the connection closes; end() will not complete it), so a
  // client never receives a complete answer holding bytes that failed; its error is
  // returned. A failed write's error comes first.
  [[nodiscard]] Status write_while(std::span<const std::byte> data,
                                   const std::function<Status()>& check);
  [[nodiscard]] Status end();
  // JSON {"error":{"code":...,"message":...}} with this status.
  [[nodiscard]] Status error(int status, std::string_view code, std::string_view message);

  bool started() const { return started_; }
  bool ended() const { return ended_; }
  bool head_only() const { return head_only_; }  // HEAD: headers are sent, bodies discarded
  int status() const { return status_; }
  const std::string& actor() const { return actor_; }
  std::uint64_t bytes_out() const { return bytes_out_; }
  bool has_header(std::string_view name) const;

 private:
  // Starts the response if needed and counts `n` more body bytes; refuses them after the
  // end, after a cut, or beyond the Content-Length.
  Status admit(std::size_t n);
  Status flush();

  detail::Exchange* exchange_;
  bool head_only_;
  int status_ = 200;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::optional<std::uint64_t> content_length_;
  std::string actor_;
  std::string misuse_;  // first misuse seen, reported by begin()
  std::string pending_;  // small writes are gathered up to kFlushBytes
  bool started_ = false, ended_ = false;
  bool cut_ = false;  // write_while's check failed: the answer stays incomplete
  std::uint64_t bytes_out_ = 0;
};

}  // namespace custos::http
