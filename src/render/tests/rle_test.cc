// The RLE decoder on crafted frames (PS3.5 Annex G): literal and replicate runs, the
// no-op byte, and every malformed header or segment refused as corruption.
#include <gtest/gtest.h>

#include <vector>

#include "render/rle.h"

namespace custos::render {
namespace {

PixelDescription grey8(int rows, int columns) {
  PixelDescription d;
  d.transfer_syntax_uid = "1.2.840.10008.1.2.5";
  d.rows = rows;
  d.columns = columns;
  d.bits_allocated = 8;
  d.bits_stored = 8;
  d.high_bit = 7;
  return d;
}

// A frame with the given segments (offsets filled in).
std::vector<std::byte> frame(const std::vector<std::vector<int>>& segments) {
  std::vector<std::byte> out(64);
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::byte>(v >> (8 * i));
  };
  put32(0, static_cast<std::uint32_t>(segments.size()));
  for (std::size_t s = 0; s < segments.size(); ++s) {
    put32(4 + 4 * s, static_cast<std::uint32_t>(out.size()));
    for (int b : segments[s]) out.push_back(static_cast<std::byte>(b));
  }
  return out;
}

TEST(Rle, LiteralAndReplicateRuns) {
  // literal 3 bytes (n=2), replicate 0x09 four times (n=-3), no-op (-128), literal 1.
  const auto f = frame({{2, 1, 2, 3, 0xFD, 9, 0x80, 0, 7}});
  auto d = decode_rle(grey8(2, 4), f);
  ASSERT_TRUE(d.has_value()) << d.error().message;
  EXPECT_EQ(d->data8, (std::vector<std::uint8_t>{1, 2, 3, 9, 9, 9, 9, 7}));
}

TEST(Rle, SixteenBitsTakesHighByteSegmentFirst) {
  PixelDescription d = grey8(1, 2);
  d.bits_allocated = d.bits_stored = 16;
  d.high_bit = 15;
  const auto f = frame({{1, 0x12, 0x34}, {1, 0x56, 0x78}});
  auto out = decode_rle(d, f);
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(out->data16, (std::vector<std::uint16_t>{0x1256, 0x3478}));
}

TEST(Rle, RgbSegmentsAreInterleaved) {
  PixelDescription d = grey8(1, 2);
  d.samples_per_pixel = 3;
  d.photometric = "RGB";
  const auto f = frame({{1, 1, 2}, {1, 3, 4}, {1, 5, 6}});
  auto out = decode_rle(d, f);
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(out->data8, (std::vector<std::uint8_t>{1, 3, 5, 2, 4, 6}));
}

TEST(Rle, MalformedFramesAreCorruption) {
  const PixelDescription d = grey8(2, 4);
  // Header too short.
  std::vector<std::byte> tiny(10);
  EXPECT_EQ(decode_rle(d, tiny).error().code, ErrorCode::kCorruption);
  // Wrong number of segments.
  EXPECT_EQ(decode_rle(d, frame({{0xF9, 1}, {0xF9, 1}})).error().code, ErrorCode::kCorruption);
  // A segment that decodes to too few bytes.
  EXPECT_EQ(decode_rle(d, frame({{0xFE, 1}})).error().code, ErrorCode::kCorruption);
  // A literal run longer than the data left.
  EXPECT_EQ(decode_rle(d, frame({{20, 1, 2}})).error().code, ErrorCode::kCorruption);
  // An offset beyond the frame.
  auto f = frame({{0xF9, 1}});
  f[4] = std::byte{0xff};
  EXPECT_EQ(decode_rle(d, f).error().code, ErrorCode::kCorruption);
  // An offset inside the header.
  f = frame({{0xF9, 1}});
  f[4] = std::byte{8};
  EXPECT_EQ(decode_rle(d, f).error().code, ErrorCode::kCorruption);
}

TEST(Rle, ExtraOutputIsDropped) {
  // Encoders may pad a segment; output past the frame is ignored.
  auto d = decode_rle(grey8(2, 4), frame({{0xF9, 5, 0}}));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->data8, std::vector<std::uint8_t>(8, 5));
}

TEST(Rle, HugeImageFromATinyFrameIsRefusedBeforeAllocating) {
  auto d = decode_rle(grey8(20000, 20000), frame({{0x81, 1}}));
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kCorruption);
}

}  // namespace
}  // namespace custos::render
