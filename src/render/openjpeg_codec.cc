// OpenJPEG adapter, run only inside decoder worker processes: JPEG 2000 (lossless and
// lossy, raw codestream or JP2 file) decoded from memory. OpenJPEG applies the inverse
// component transform itself, so YBR_RCT / YBR_ICT frames come out as RGB.
#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "render/native.h"
#include "render/worker_protocol.h"

namespace custos::render {
namespace {

struct Source {
  const std::byte* data;
  std::size_t size;
  std::size_t pos;
};

OPJ_SIZE_T read_cb(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* s = static_cast<Source*>(user);
  if (s->pos >= s->size) return static_cast<OPJ_SIZE_T>(-1);
  const std::size_t k = std::min<std::size_t>(n, s->size - s->pos);
  std::memcpy(buffer, s->data + s->pos, k);
  s->pos += k;
  return k;
}

OPJ_OFF_T skip_cb(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<Source*>(user);
  if (n < 0) {
    const auto back = static_cast<std::size_t>(-n);
    if (back > s->pos) return -1;
    s->pos -= back;
    return n;
  }
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(n), s->size - s->pos);
  s->pos += k;
  return static_cast<OPJ_OFF_T>(k);
}

OPJ_BOOL seek_cb(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<Source*>(user);
  if (n < 0 || static_cast<std::size_t>(n) > s->size) return OPJ_FALSE;
  s->pos = static_cast<std::size_t>(n);
  return OPJ_TRUE;
}

void quiet(const char*, void*) {}

struct CodecDeleter {
  void operator()(opj_codec_t* c) const { opj_destroy_codec(c); }
};
struct StreamDeleter {
  void operator()(opj_stream_t* s) const { opj_stream_destroy(s); }
};
struct ImageDeleter {
  void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};

Result<NativeFrame> bad(const std::string& why) {
  return fail(ErrorCode::kCorruption, "could not decode the JPEG 2000 frame: " + why);
}

}  // namespace

Result<NativeFrame> openjpeg_decode(const DecodeRequest& request) {
  const PixelDescription& d = request.description;
  std::vector<std::byte> joined;
  for (const auto& f : request.fragments) joined.insert(joined.end(), f.begin(), f.end());
  if (joined.size() < 12) return bad("too short");
  static constexpr unsigned char kJp2[] = {0, 0, 0, 0x0c, 'j', 'P', ' ', ' '};
  const bool jp2 = std::memcmp(joined.data(), kJp2, sizeof kJp2) == 0;
  std::unique_ptr<opj_codec_t, CodecDeleter> codec(
      opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
  if (!codec) return bad("no decoder");
  opj_set_info_handler(codec.get(), quiet, nullptr);
  opj_set_warning_handler(codec.get(), quiet, nullptr);
  opj_set_error_handler(codec.get(), quiet, nullptr);
  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  if (!opj_setup_decoder(codec.get(), &parameters)) return bad("setup failed");

  Source source{joined.data(), joined.size(), 0};
  std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(1 << 16, OPJ_TRUE));
  if (!stream) return bad("no stream");
  opj_stream_set_user_data(stream.get(), &source, nullptr);
  opj_stream_set_user_data_length(stream.get(), joined.size());
  opj_stream_set_read_function(stream.get(), read_cb);
  opj_stream_set_skip_function(stream.get(), skip_cb);
  opj_stream_set_seek_function(stream.get(), seek_cb);

  opj_image_t* raw = nullptr;
  if (!opj_read_header(stream.get(), codec.get(), &raw)) return bad("unreadable header");
  std::unique_ptr<opj_image_t, ImageDeleter> image(raw);
  if (image->numcomps != static_cast<OPJ_UINT32>(d.samples_per_pixel)) {
    return bad(std::to_string(image->numcomps) + " components where the dataset says " +
               std::to_string(d.samples_per_pixel));
  }
  if (image->x1 - image->x0 != static_cast<OPJ_UINT32>(d.columns) ||
      image->y1 - image->y0 != static_cast<OPJ_UINT32>(d.rows)) {
    return bad("its size differs from the dataset's");
  }
  if (!opj_decode(codec.get(), stream.get(), image.get()) ||
      !opj_end_decompress(codec.get(), stream.get())) {
    return bad("the codestream is damaged");
  }
  const std::size_t pixels = static_cast<std::size_t>(d.rows) * static_cast<std::size_t>(d.columns);
  for (OPJ_UINT32 c = 0; c < image->numcomps; ++c) {
    const opj_image_comp_t& comp = image->comps[c];
    if (comp.data == nullptr || comp.w != static_cast<OPJ_UINT32>(d.columns) ||
        comp.h != static_cast<OPJ_UINT32>(d.rows) || comp.prec == 0 || comp.prec > 16) {
      return bad("a component is subsampled or deeper than 16 bits");
    }
  }
  NativeFrame out;
  out.description = d;
  out.description.transfer_syntax_uid = "1.2.840.10008.1.2.1";
  out.description.planar_configuration = 0;
  if (d.samples_per_pixel == 3 && d.photometric != "YBR_FULL") out.description.photometric = "RGB";
  const int bytes_per = d.bits_allocated / 8;
  out.bytes.resize(pixels * static_cast<std::size_t>(d.samples_per_pixel * bytes_per));
  auto* o = reinterpret_cast<std::uint8_t*>(out.bytes.data());
  const std::size_t spp = static_cast<std::size_t>(d.samples_per_pixel);
  for (std::size_t c = 0; c < spp; ++c) {
    const OPJ_INT32* src = image->comps[c].data;
    for (std::size_t i = 0; i < pixels; ++i) {
      const auto v = static_cast<std::uint32_t>(src[i]);
      std::uint8_t* dst = o + (i * spp + c) * static_cast<std::size_t>(bytes_per);
      dst[0] = static_cast<std::uint8_t>(v);
      if (bytes_per == 2) dst[1] = static_cast<std::uint8_t>(v >> 8);
    }
  }
  // The values are written as they were coded; the dataset's bits stored and pixel
  // representation decide their meaning (as pydicom does when they disagree).
  out.description.high_bit = d.bits_stored - 1;
  return out;
}

}  // namespace custos::render
