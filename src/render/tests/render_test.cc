// Rendered output decodes back (libpng, libjpeg) to the expected size and pixels: PNG
// exactly the windowed values, JPEG within a small error; thumbnails fit their viewport.
#include <gtest/gtest.h>
#include <jpeglib.h>
#include <png.h>

#include <cmath>
#include <cstdio>

#include "render/decoder.h"
#include "render/render.h"
#include "render/tests/test_frames.h"
#include "render/voi.h"

namespace custos::render {
namespace {

struct Picture {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<std::uint8_t> pixels;
};

Picture read_png(const std::string& data) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  Picture p;
  if (!png_image_begin_read_from_memory(&image, data.data(), data.size())) return p;
  const bool colour = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  image.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  p.width = static_cast<int>(image.width);
  p.height = static_cast<int>(image.height);
  p.channels = colour ? 3 : 1;
  p.pixels.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, p.pixels.data(), 0, nullptr)) return Picture{};
  return p;
}

Picture read_jpeg(const std::string& data) {
  jpeg_decompress_struct info;
  jpeg_error_mgr errors;
  info.err = jpeg_std_error(&errors);
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  Picture p;
  if (jpeg_read_header(&info, TRUE) != JPEG_HEADER_OK) return p;
  jpeg_start_decompress(&info);
  p.width = static_cast<int>(info.output_width);
  p.height = static_cast<int>(info.output_height);
  p.channels = info.output_components;
  p.pixels.resize(static_cast<std::size_t>(p.width) * p.height * p.channels);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = p.pixels.data() + static_cast<std::size_t>(info.output_scanline) * p.width * p.channels;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return p;
}

// A 16-bit signed CT-like frame: a gradient from -1024 to 1023 HU plus stripes.
struct Ct {
  PixelDescription d;
  Decoded f;
};
Ct synthetic_ct(int rows, int columns) {
  Ct ct;
  ct.d.rows = ct.f.rows = rows;
  ct.d.columns = ct.f.columns = columns;
  ct.d.pixel_signed = ct.f.is_signed = true;
  ct.d.bits_stored = ct.f.bits_stored = 16;
  ct.f.bits = 16;
  ct.d.rescale_intercept = -1024;
  ct.d.window_centers = {40};
  ct.d.window_widths = {400};
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < columns; ++x) {
      ct.f.data16.push_back(static_cast<std::uint16_t>((x * 2048 / columns) + ((y / 16) % 2) * 40));
    }
  }
  return ct;
}

TEST(Render, PngIsExactlyTheWindowedFrame) {
  const Ct ct = synthetic_ct(64, 96);
  RenderOptions o;
  o.format = Format::kPng;
  auto png = render(ct.d, ct.f, o);
  ASSERT_TRUE(png.has_value()) << png.error().message;
  const Picture p = read_png(*png);
  ASSERT_EQ(p.width, 96);
  ASSERT_EQ(p.height, 64);
  ASSERT_EQ(p.channels, 1);
  const Window w{40, 400, VoiFunction::kLinear};
  for (std::size_t i = 0; i < p.pixels.size(); ++i) {
    const double hu = static_cast<std::int16_t>(ct.f.data16[i]) - 1024.0;
    ASSERT_EQ(p.pixels[i], std::clamp(std::lround(apply_window(hu, w)), 0L, 255L)) << i;
  }
}

TEST(Render, JpegIsCloseToTheWindowedFrame) {
  const Ct ct = synthetic_ct(64, 96);
  RenderOptions o;
  o.quality = 95;
  o.window = Window{0, 2000, VoiFunction::kLinear};
  auto jpeg = render(ct.d, ct.f, o);
  ASSERT_TRUE(jpeg.has_value()) << jpeg.error().message;
  const Picture p = read_jpeg(*jpeg);
  ASSERT_EQ(p.width, 96);
  ASSERT_EQ(p.height, 64);
  ASSERT_EQ(p.channels, 1);
  double total = 0;
  for (std::size_t i = 0; i < p.pixels.size(); ++i) {
    const double hu = static_cast<std::int16_t>(ct.f.data16[i]) - 1024.0;
    total += std::abs(p.pixels[i] - std::lround(apply_window(hu, *o.window)));
  }
  EXPECT_LT(total / static_cast<double>(p.pixels.size()), 1.5);
}

TEST(Render, RgbPngKeepsColours) {
  Decoded f;
  f.rows = 2;
  f.columns = 2;
  f.samples = 3;
  f.data8 = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
  PixelDescription d;
  d.samples_per_pixel = 3;
  d.photometric = "RGB";
  RenderOptions o;
  o.format = Format::kPng;
  const Picture p = read_png(*render(d, f, o));
  ASSERT_EQ(p.channels, 3);
  EXPECT_EQ(p.pixels, f.data8);
  o.format = Format::kJpeg;
  const Picture j = read_jpeg(*render(d, f, o));
  EXPECT_EQ(j.channels, 3);
  EXPECT_EQ(j.width, 2);
}

TEST(Render, ThumbnailFitsTheViewportKeepingAspect) {
  const Ct ct = synthetic_ct(256, 512);
  RenderOptions o;
  o.format = Format::kPng;
  o.viewport = Viewport{};
  Picture p = read_png(*render(ct.d, ct.f, o));
  EXPECT_EQ(p.width, 128);
  EXPECT_EQ(p.height, 64);
  // Never enlarged.
  const Ct small = synthetic_ct(32, 48);
  p = read_png(*render(small.d, small.f, o));
  EXPECT_EQ(p.width, 48);
  EXPECT_EQ(p.height, 32);
  EXPECT_EQ(fit_viewport(100, 1000, {128, 128}).width, 13);
}

TEST(Render, AreaAveragingAveragesBlocks) {
  const std::vector<std::uint8_t> src{0, 100, 50, 50, 200, 100, 50, 50};  // 4x2
  const auto out = downscale(src, 4, 2, 1, {2, 1});
  EXPECT_EQ(out, (std::vector<std::uint8_t>{100, 50}));
}

TEST(Render, Monochrome1IsInverted) {
  Ct ct = synthetic_ct(16, 16);
  RenderOptions o;
  o.format = Format::kPng;
  const Picture normal = read_png(*render(ct.d, ct.f, o));
  ct.f.monochrome1 = true;
  const Picture inverted = read_png(*render(ct.d, ct.f, o));
  ASSERT_EQ(normal.pixels.size(), inverted.pixels.size());
  for (std::size_t i = 0; i < normal.pixels.size(); ++i) {
    ASSERT_EQ(normal.pixels[i], 255 - inverted.pixels[i]);
  }
}

TEST(Render, BadOptionsAndBuffersAreRefused) {
  Ct ct = synthetic_ct(8, 8);
  RenderOptions o;
  o.window = Window{0, 0, VoiFunction::kLinear};
  EXPECT_EQ(render(ct.d, ct.f, o).error().code, ErrorCode::kInvalidArgument);
  o.window.reset();
  o.viewport = Viewport{0, 10};
  EXPECT_EQ(render(ct.d, ct.f, o).error().code, ErrorCode::kInvalidArgument);
  o.viewport.reset();
  ct.f.data16.pop_back();
  EXPECT_EQ(render(ct.d, ct.f, o).error().code, ErrorCode::kCorruption);
}

TEST(Render, RealFilesRenderToTheirSize) {
  if (testing::frames_dir().empty()) GTEST_SKIP() << "pydicom test files absent";
  for (const std::string name : {"ct_small", "mr_small", "rgb_rle", "ybr422_native"}) {
    const testing::Case c = testing::load_case(name);
    const auto fragments = testing::load_fragments(name, 0);
    const testing::Spans spans(fragments);
    auto f = decode_in_process(c.description, spans.spans);
    ASSERT_TRUE(f.has_value()) << name;
    for (const Format format : {Format::kJpeg, Format::kPng}) {
      RenderOptions o;
      o.format = format;
      auto out = render(c.description, *f, o);
      ASSERT_TRUE(out.has_value()) << name;
      const Picture p = format == Format::kPng ? read_png(*out) : read_jpeg(*out);
      EXPECT_EQ(p.width, c.description.columns) << name;
      EXPECT_EQ(p.height, c.description.rows) << name;
      EXPECT_EQ(p.channels, c.description.samples_per_pixel) << name;
    }
  }
}

}  // namespace
}  // namespace custos::render
