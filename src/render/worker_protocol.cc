#include "render/worker_protocol.h"

#include <cstdint>
#include <cstring>
#include <string>

namespace custos::render {
namespace {

class Writer {
 public:
  void u32(std::uint32_t v) { raw(&v, sizeof v); }
  void i32(std::int32_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void bytes(std::span<const std::byte> b) {
    u32(static_cast<std::uint32_t>(b.size()));
    raw(b.data(), b.size());
  }
  void str(const std::string& s) { bytes(std::as_bytes(std::span(s.data(), s.size()))); }
  std::vector<std::byte> take() { return std::move(out_); }

 private:
  void raw(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  std::vector<std::byte> out_;
};

class Reader {
 public:
  explicit Reader(const std::vector<std::byte>& in) : in_(in) {}
  bool ok() const { return ok_; }
  std::uint32_t u32() { std::uint32_t v = 0; raw(&v, sizeof v); return v; }
  std::int32_t i32() { std::int32_t v = 0; raw(&v, sizeof v); return v; }
  double f64() { double v = 0; raw(&v, sizeof v); return v; }
  std::vector<std::byte> bytes() {
    const std::uint32_t n = u32();
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::vector<std::byte> out(in_.begin() + static_cast<std::ptrdiff_t>(pos_),
                               in_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return out;
  }
  std::string str() {
    const auto b = bytes();
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }

 private:
  void raw(void* p, std::size_t n) {
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return;
    }
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
  }
  const std::vector<std::byte>& in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

void put_description(Writer& w, const PixelDescription& d) {
  w.str(d.transfer_syntax_uid);
  for (int v : {d.rows, d.columns, d.samples_per_pixel, d.bits_allocated, d.bits_stored,
                d.high_bit, d.pixel_signed ? 1 : 0, d.planar_configuration}) {
    w.i32(v);
  }
  w.str(d.photometric);
}

PixelDescription get_description(Reader& r) {
  PixelDescription d;
  d.transfer_syntax_uid = r.str();
  d.rows = r.i32();
  d.columns = r.i32();
  d.samples_per_pixel = r.i32();
  d.bits_allocated = r.i32();
  d.bits_stored = r.i32();
  d.high_bit = r.i32();
  d.pixel_signed = r.i32() != 0;
  d.planar_configuration = r.i32();
  d.photometric = r.str();
  return d;
}

}  // namespace

std::vector<std::byte> encode_request(Codec codec, const PixelDescription& d,
                                      Fragments fragments) {
  Writer w;
  w.i32(static_cast<std::int32_t>(codec));
  put_description(w, d);
  w.u32(static_cast<std::uint32_t>(fragments.size()));
  for (const auto& f : fragments) w.bytes(f);
  return w.take();
}

Result<DecodeRequest> decode_request(const std::vector<std::byte>& message) {
  Reader r(message);
  DecodeRequest req;
  req.codec = static_cast<Codec>(r.i32());
  req.description = get_description(r);
  const std::uint32_t n = r.u32();
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) req.fragments.push_back(r.bytes());
  if (!r.ok()) return fail(ErrorCode::kInternal, "malformed decode request");
  return req;
}

std::vector<std::byte> encode_reply(const Result<NativeFrame>& reply) {
  Writer w;
  if (!reply) {
    w.i32(static_cast<std::int32_t>(reply.error().code) + 1);
    w.str(reply.error().message);
    return w.take();
  }
  w.i32(0);
  put_description(w, reply->description);
  w.bytes(reply->bytes);
  return w.take();
}

Result<NativeFrame> decode_reply(const std::vector<std::byte>& message) {
  Reader r(message);
  const std::int32_t status = r.i32();
  if (status != 0) {
    std::string text = r.str();
    if (!r.ok() || status < 1 || status > static_cast<int>(ErrorCode::kInternal) + 1) {
      return fail(ErrorCode::kCorruption, "could not decode: malformed reply from the decoder");
    }
    return fail(static_cast<ErrorCode>(status - 1), std::move(text));
  }
  NativeFrame f;
  f.description = get_description(r);
  f.bytes = r.bytes();
  if (!r.ok()) return fail(ErrorCode::kCorruption, "could not decode: malformed reply from the decoder");
  return f;
}

Result<NativeFrame> decode_with_codec(const DecodeRequest& request) {
  switch (request.codec) {
    case Codec::kJpeg:
    case Codec::kJpegLs:
      return dcmtk_decode(request);
    case Codec::kJpeg2000:
      return openjpeg_decode(request);
    default:
      return fail(ErrorCode::kUnsupported, "transfer syntax " +
                                               request.description.transfer_syntax_uid +
                                               " has no isolated decoder");
  }
}

}  // namespace custos::render
