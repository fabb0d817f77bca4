// MultipartWriter (see multipart.h).
#include <openssl/rand.h>

#include "net/http/multipart.h"

namespace custos::http {

MultipartWriter::MultipartWriter(ResponseWriter& out, std::string_view subtype,
                                 std::vector<std::pair<std::string, std::string>> params)
    : out_(out), subtype_(subtype), params_(std::move(params)) {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    for (auto& b : bytes) b = 0x5a;  // only uniqueness within one body matters; see below
  }
  static constexpr char kHex[] = "0123456789abcdef";
  boundary_ = "custos-";
  for (const unsigned char b : bytes) {
    boundary_.push_back(kHex[b >> 4]);
    boundary_.push_back(kHex[b & 15]);
  }
}

std::string MultipartWriter::content_type() const {
  std::string out = "multipart/" + subtype_;
  for (const auto& [k, v] : params_) out += "; " + k + "=\"" + v + "\"";
  out += "; boundary=" + boundary_;
  return out;
}

Status MultipartWriter::begin(std::optional<std::uint64_t> length) {
  out_.set_header("Content-Type", content_type());
  if (length) out_.set_content_length(*length);
  return out_.begin();
}

std::uint64_t MultipartWriter::encoded_length(const std::vector<PartShape>& parts) const {
  // Mirrors begin_part and end: "--" or "\r\n--", the boundary, "\r\n", one "k: v\r\n" per
  // header, "\r\n", the body; at the end the delimiter with "--\r\n".
  std::uint64_t n = 0;
  bool first = true;
  for (const auto& part : parts) {
    n += (first ? 2 : 4) + boundary_.size() + 2;
    for (const auto& [k, v] : part.headers) n += k.size() + 2 + v.size() + 2;
    n += 2 + part.body_bytes;
    first = false;
  }
  return n + (first ? 2 : 4) + boundary_.size() + 4;
}

Status MultipartWriter::begin_part(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string head = (in_part_ ? "\r\n--" : "--") + boundary_ + "\r\n";
  for (const auto& [k, v] : headers) {
    if ((k + v).find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return fail(ErrorCode::kInvalidArgument, "control character in a part header");
    }
    head += k + ": " + v + "\r\n";
  }
  head += "\r\n";
  in_part_ = true;
  return out_.write(head);
}

Status MultipartWriter::write(std::span<const std::byte> data) { return out_.write(data); }
Status MultipartWriter::write(std::string_view data) { return out_.write(data); }

Status MultipartWriter::end() {
  std::string tail = (in_part_ ? "\r\n--" : "--") + boundary_ + "--\r\n";
  if (auto s = out_.write(tail); !s) return s;
  return out_.end();
}

}  // namespace custos::http
