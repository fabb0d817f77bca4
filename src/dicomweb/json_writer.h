// A small streaming JSON text writer: the hot path of DICOMweb answers (metadata, QIDO)
// builds text directly instead of a DOM. Buffers up to a chunk, then hands it to a sink.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace custos::dicomweb {

// Receives the output in pieces; an error stops the writer (later writes are dropped and
// finish() returns it).
using Sink = std::function<Status(std::string_view)>;

// Not thread-safe. The caller writes well-formed JSON (commas are its business except
// through the helpers below); strings are escaped here.
class JsonWriter {
 public:
  explicit JsonWriter(Sink sink, std::size_t chunk = 64 * 1024);
  void raw(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= chunk_) flush();
  }
  void raw(char c) { buf_.push_back(c); }
  // A JSON string; invalid UTF-8 is the caller's job (values are made UTF-8 before).
  void string(std::string_view s);
  void integer(std::int64_t v);
  void unsigned_integer(std::uint64_t v);
  // Shortest text that reads back as v; NaN and infinities become null (not JSON numbers).
  void number(double v);
  // "key": with the comma before it when needed (tracks one level of object members).
  void key(std::string_view k);
  void begin_object() { raw('{'); first_ = true; }
  void end_object() { raw('}'); first_ = false; }
  // Call before each array element or object member written with raw().
  void comma() {
    if (!first_) raw(',');
    first_ = false;
  }
  void reset_first() { first_ = true; }
  // Flushes what is buffered; returns the first sink error, if any.
  [[nodiscard]] Status finish();

 private:
  void flush();
  Sink sink_;
  std::size_t chunk_;
  std::string buf_;
  bool first_ = true;
  Status status_;
};

// Writes into a string (for tests and cached answers).
[[nodiscard]] Sink string_sink(std::string& out);

}  // namespace custos::dicomweb
