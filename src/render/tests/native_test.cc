// Native unpacking on crafted frames: masking and sign extension for BitsStored below
// BitsAllocated, byte order, planar colour, MONOCHROME1, and size checks that refuse
// inconsistent descriptions instead of reading past the buffer.
#include <gtest/gtest.h>

#include <vector>

#include "render/decoder.h"
#include "render/native.h"

namespace custos::render {
namespace {

PixelDescription grey16(int rows, int columns, int stored, int high, bool is_signed) {
  PixelDescription d;
  d.transfer_syntax_uid = "1.2.840.10008.1.2.1";
  d.rows = rows;
  d.columns = columns;
  d.bits_allocated = 16;
  d.bits_stored = stored;
  d.high_bit = high;
  d.pixel_signed = is_signed;
  return d;
}

std::vector<std::byte> le16(std::initializer_list<unsigned> values) {
  std::vector<std::byte> out;
  for (unsigned v : values) {
    out.push_back(static_cast<std::byte>(v & 0xff));
    out.push_back(static_cast<std::byte>(v >> 8));
  }
  return out;
}

TEST(Native, TwelveBitsSignedAreMaskedAndSignExtended) {
  // Overlay bits above bit 11 must be ignored; 0x800 is -2048 in 12-bit two's complement.
  const auto bytes = le16({0xF800, 0x07FF, 0x1FFF, 0x0001});
  auto f = unpack_native(grey16(2, 2, 12, 11, true), bytes);
  ASSERT_TRUE(f.has_value()) << f.error().message;
  ASSERT_EQ(f->bits, 16);
  EXPECT_EQ(static_cast<std::int16_t>(f->data16[0]), -2048);
  EXPECT_EQ(static_cast<std::int16_t>(f->data16[1]), 2047);
  EXPECT_EQ(static_cast<std::int16_t>(f->data16[2]), -1);
  EXPECT_EQ(static_cast<std::int16_t>(f->data16[3]), 1);
}

TEST(Native, HighBitAboveBitsStoredShiftsDown) {
  // 12 bits stored in bits 4..15 (high bit 15).
  const auto bytes = le16({0xFFF0, 0x0010});
  auto f = unpack_native(grey16(1, 2, 12, 15, false), bytes);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->data16[0], 0x0FFF);
  EXPECT_EQ(f->data16[1], 0x0001);
}

TEST(Native, BigEndianIsSwapped) {
  const std::vector<std::byte> bytes{std::byte{0x01}, std::byte{0x02}};
  auto f = unpack_native(grey16(1, 1, 16, 15, false), bytes, ByteOrder::kBig);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->data16[0], 0x0102);
}

TEST(Native, EightBitSignedWidensToSixteen) {
  PixelDescription d = grey16(1, 2, 8, 7, true);
  d.bits_allocated = 8;
  const std::vector<std::byte> bytes{std::byte{0x80}, std::byte{0x7f}};
  auto f = unpack_native(d, bytes);
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->bits, 16);
  EXPECT_EQ(static_cast<std::int16_t>(f->data16[0]), -128);
  EXPECT_EQ(static_cast<std::int16_t>(f->data16[1]), 127);
}

TEST(Native, PlanarRgbBecomesInterleaved) {
  PixelDescription d = grey16(1, 2, 8, 7, false);
  d.bits_allocated = 8;
  d.samples_per_pixel = 3;
  d.photometric = "RGB";
  d.planar_configuration = 1;
  std::vector<std::byte> bytes;
  for (int v : {1, 2, 3, 4, 5, 6}) bytes.push_back(static_cast<std::byte>(v));  // RR GG BB
  auto f = unpack_native(d, bytes);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->data8, (std::vector<std::uint8_t>{1, 3, 5, 2, 4, 6}));
}

TEST(Native, YbrFullGreyPointsStayGrey) {
  PixelDescription d = grey16(1, 1, 8, 7, false);
  d.bits_allocated = 8;
  d.samples_per_pixel = 3;
  d.photometric = "YBR_FULL";
  const std::vector<std::byte> bytes{std::byte{200}, std::byte{128}, std::byte{128}};
  auto f = unpack_native(d, bytes);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->data8, (std::vector<std::uint8_t>{200, 200, 200}));
}

TEST(Native, Monochrome1IsRecorded) {
  PixelDescription d = grey16(1, 1, 16, 15, false);
  d.photometric = "MONOCHROME1";
  auto f = unpack_native(d, le16({5}));
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->monochrome1);
}

TEST(Native, ShortBufferIsCorruption) {
  const auto bytes = le16({1, 2, 3});
  auto f = unpack_native(grey16(2, 2, 16, 15, false), bytes);
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code, ErrorCode::kCorruption);
}

TEST(Native, InconsistentDescriptionsAreRefused) {
  const auto bytes = le16({1, 2, 3, 4});
  PixelDescription d = grey16(2, 2, 17, 16, false);
  EXPECT_EQ(unpack_native(d, bytes).error().code, ErrorCode::kCorruption);
  d = grey16(2, 2, 12, 8, false);  // high bit below bits stored - 1
  EXPECT_EQ(unpack_native(d, bytes).error().code, ErrorCode::kCorruption);
  d = grey16(0, 2, 16, 15, false);
  EXPECT_EQ(unpack_native(d, bytes).error().code, ErrorCode::kCorruption);
  d = grey16(2, 2, 16, 15, false);
  d.bits_allocated = 32;
  d.bits_stored = 32;
  d.high_bit = 31;
  EXPECT_EQ(unpack_native(d, bytes).error().code, ErrorCode::kUnsupported);
  d = grey16(2, 2, 16, 15, false);
  d.samples_per_pixel = 3;  // MONOCHROME2 with three samples
  EXPECT_EQ(unpack_native(d, bytes).error().code, ErrorCode::kCorruption);
  d = grey16(60000, 60000, 16, 15, false);  // 7 GB: refused, not allocated
  EXPECT_FALSE(unpack_native(d, bytes).has_value());
}

TEST(Native, UnknownTransferSyntaxNamesTheUid) {
  PixelDescription d = grey16(1, 1, 16, 15, false);
  d.transfer_syntax_uid = "1.2.840.10008.1.2.4.100";
  const auto bytes = le16({1});
  const std::vector<std::span<const std::byte>> spans{bytes};
  auto f = decode_in_process(d, spans);
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(f.error().message.find("1.2.840.10008.1.2.4.100"), std::string::npos);
  EXPECT_FALSE(supported_transfer_syntax("1.2.840.10008.1.2.4.100"));
  EXPECT_TRUE(supported_transfer_syntax("1.2.840.10008.1.2.4.80"));
}

TEST(Native, SeveralSpansAreJoined) {
  const auto a = le16({1});
  const auto b = le16({2});
  const std::vector<std::span<const std::byte>> spans{a, b};
  auto f = decode_in_process(grey16(1, 2, 16, 15, false), spans);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->data16, (std::vector<std::uint16_t>{1, 2}));
}

}  // namespace
}  // namespace custos::render
