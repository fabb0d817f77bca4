// JPEG through libjpeg(-turbo)'s classic API. libjpeg reports errors by calling error_exit,
// which must not return: it longjmps back here, past only trivially destructible frames.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <jpeglib.h>

#include "render/encoders.h"

namespace custos::render {
namespace {

struct ErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
};

[[noreturn]] void on_error(j_common_ptr info) {
  auto* manager = reinterpret_cast<ErrorManager*>(info->err);
  std::longjmp(manager->jump, 1);
}

void on_message(j_common_ptr) {}

// Everything that lives across setjmp is plain data (no destructors to skip).
bool compress(const Image8& image, int quality, unsigned char** out, unsigned long* out_size) {
  jpeg_compress_struct info;
  ErrorManager errors;
  info.err = jpeg_std_error(&errors.base);
  errors.base.error_exit = on_error;
  errors.base.output_message = on_message;
  if (setjmp(errors.jump) != 0) {
    jpeg_destroy_compress(&info);
    return false;
  }
  jpeg_create_compress(&info);
  jpeg_mem_dest(&info, out, out_size);
  info.image_width = static_cast<JDIMENSION>(image.width);
  info.image_height = static_cast<JDIMENSION>(image.height);
  info.input_components = image.channels;
  info.in_color_space = image.channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  info.dct_method = JDCT_ISLOW;
  jpeg_start_compress(&info, TRUE);
  const std::size_t stride = static_cast<std::size_t>(image.width) * image.channels;
  while (info.next_scanline < info.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(image.pixels.data() + info.next_scanline * stride);
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  return true;
}

}  // namespace

Result<std::string> encode_jpeg(const Image8& image, int quality) {
  if (image.width <= 0 || image.height <= 0 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() < static_cast<std::size_t>(image.width) * image.height *
                                static_cast<std::size_t>(image.channels)) {
    return fail(ErrorCode::kInternal, "JPEG encoder: inconsistent image");
  }
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const bool ok = compress(image, quality < 1 ? 1 : quality > 100 ? 100 : quality, &buffer, &size);
  const std::unique_ptr<unsigned char, decltype(&std::free)> owned(buffer, &std::free);
  if (!ok || buffer == nullptr) return fail(ErrorCode::kInternal, "JPEG encoding failed");
  return std::string(reinterpret_cast<const char*>(buffer), size);
}

}  // namespace custos::render
