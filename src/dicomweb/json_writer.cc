#include "dicomweb/json_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace custos::dicomweb {

JsonWriter::JsonWriter(Sink sink, std::size_t chunk) : sink_(std::move(sink)), chunk_(chunk) {
  buf_.reserve(std::min<std::size_t>(chunk, 16 * 1024));
}

void JsonWriter::string(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  buf_.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    buf_.append(s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"': buf_.append("\\\""); break;
      case '\\': buf_.append("\\\\"); break;
      case '\n': buf_.append("\\n"); break;
      case '\r': buf_.append("\\r"); break;
      case '\t': buf_.append("\\t"); break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        buf_.append(esc, sizeof esc);
      }
    }
  }
  buf_.append(s.substr(run));
  buf_.push_back('"');
  if (buf_.size() >= chunk_) flush();
}

void JsonWriter::integer(std::int64_t v) {
  char b[24];
  const auto r = std::to_chars(b, b + sizeof b, v);
  buf_.append(b, r.ptr);
}

void JsonWriter::unsigned_integer(std::uint64_t v) {
  char b[24];
  const auto r = std::to_chars(b, b + sizeof b, v);
  buf_.append(b, r.ptr);
}

void JsonWriter::number(double v) {
  if (!std::isfinite(v)) {
    buf_.append("null");
    return;
  }
  char b[32];
  const auto r = std::to_chars(b, b + sizeof b, v);
  buf_.append(b, r.ptr);
}

void JsonWriter::key(std::string_view k) {
  comma();
  string(k);
  buf_.push_back(':');
}

void JsonWriter::flush() {
  if (buf_.empty()) return;
  if (status_) status_ = sink_(buf_);
  buf_.clear();
}

Status JsonWriter::finish() {
  flush();
  return status_;
}

Sink string_sink(std::string& out) {
  return [&out](std::string_view s) -> Status {
    out.append(s);
    return {};
  };
}

}  // namespace custos::dicomweb
