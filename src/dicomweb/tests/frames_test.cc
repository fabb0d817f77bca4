// Frames of native and encapsulated files equal pydicom's, bulk data ranges, image attributes.
#include "dicomweb/frames.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <sstream>

#include "dicom/tests/stream_scanner_test_util.h"
#include "dicomweb/tests/test_util.h"

namespace custos::dicomweb {
namespace {

std::string md5(const std::string& s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(s.data(), s.size(), d, &len, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[d[i] >> 4]);
    out.push_back(kHex[d[i] & 15]);
  }
  return out;
}

TEST(Frames, EqualPydicomFrames) {
  for (const char* name :
       {"rtdose.dcm", "rtdose_expb.dcm", "rtdose_rle.dcm", "SC_rgb_rle_2frame.dcm",
        "SC_rgb_rle_16bit_2frame.dcm", "SC_rgb_rle_32bit_2frame.dcm", "JPEG2000.dcm",
        "MR_small_RLE.dcm", "SC_rgb_jpeg_dcmtk.dcm", "CT_small.dcm", "MR_small_jpeg_ls_lossless.dcm",
        "SC_rgb_small_odd.dcm", "JPEG2000-embedded-sequence-delimiter.dcm", "693_J2KI.dcm"}) {
    const auto path = test::pydicom_files() / name;
    const auto bytes = test::read_file(path);
    const auto ds = dicom::read_elements(bytes);
    ASSERT_TRUE(ds) << name << ds.error().message;
    const auto loc = locate_frames(*ds);
    ASSERT_TRUE(loc) << name << ": " << loc.error().message;
    std::istringstream expected(
        test::run("/usr/bin/python3 " CUSTOS_SOURCE_DIR "/src/dicomweb/tests/frames.py '" +
                  path.string() + "' 2>/dev/null"));
    std::uint32_t n = 0;
    for (std::string want; std::getline(expected, want);) {
      ++n;
      const auto ranges = frame_ranges(*loc, n);
      ASSERT_TRUE(ranges) << name << " frame " << n;
      std::string frame;
      for (const ByteRange& r : *ranges) {
        frame.append(reinterpret_cast<const char*>(bytes.data() + r.offset), r.length);
      }
      EXPECT_EQ(md5(frame), want) << name << " frame " << n;
    }
    EXPECT_EQ(n, loc->frame_count) << name;
    const auto past = frame_ranges(*loc, n + 1);
    ASSERT_FALSE(past);
    EXPECT_EQ(past.error().code, ErrorCode::kNotFound);
    EXPECT_NE(past.error().message.find(std::to_string(n + 1)), std::string::npos);
    EXPECT_FALSE(frame_ranges(*loc, 0));
  }
}

// Two frames of two fragments each ("AB" "C\xFF\xD9", "DE" "F\xFF\xD9" padded to even).
std::vector<std::uint8_t> encapsulated(bool bot, bool eot) {
  using dicom::scan_test::Writer;
  Writer w;
  w.element(0x00280008, "IS", "2 ");
  w.element(0x00280010, "US", std::string("\x01\x00", 2));
  w.element(0x00280011, "US", std::string("\x01\x00", 2));
  const std::string frags[] = {"AB", std::string("C\xFF\xD9\0", 4), "DE", std::string("F\xFF\xD9\0", 4)};
  // Item starts relative to the first fragment: 0, 10, 22, 32.
  if (eot) {
    std::string offsets(16, '\0'), lengths(16, '\0');
    offsets[8] = 22;
    lengths[0] = 6;  // one fragment per frame is required with an EOT: see below
    lengths[8] = 6;
    w.element(0x7FE00001, "OV", offsets);
    w.element(0x7FE00002, "OV", lengths);
  }
  w.header(0x7FE00010, "OB", dicom::scan_test::kUndefined);
  if (bot) {
    w.item(8);
    w.u32(0);
    w.u32(22);
  } else {
    w.item(0);
  }
  for (const auto& f : frags) {
    w.item(static_cast<std::uint32_t>(f.size()));
    w.out.insert(w.out.end(), f.begin(), f.end());
  }
  w.seq_delim();
  return dicom::scan_test::part10("1.2.840.10008.1.2.4.50", w.out);
}

TEST(Frames, OffsetTablesAndEndOfImageMarkers) {
  for (const auto& [bot, eot] : {std::pair{true, false}, {false, false}, {false, true}}) {
    const auto file = encapsulated(bot, eot);
    const auto ds = dicom::read_elements(std::as_bytes(std::span(file.data(), file.size())));
    ASSERT_TRUE(ds) << ds.error().message;
    const auto loc = locate_frames(*ds);
    ASSERT_TRUE(loc) << bot << eot << ": " << loc.error().message;
    ASSERT_EQ(loc->frame_count, 2u);
    for (std::uint32_t n : {1u, 2u}) {
      std::string frame;
      const auto ranges = frame_ranges(*loc, n);
      ASSERT_TRUE(ranges);
      for (const ByteRange& r : *ranges) {
        frame.append(reinterpret_cast<const char*>(file.data() + r.offset), r.length);
      }
      EXPECT_EQ(frame, n == 1 ? std::string("ABC\xFF\xD9\0", 6) : std::string("DEF\xFF\xD9\0", 6))
          << bot << eot << " frame " << n;
    }
  }
}

TEST(Frames, OneBitFramesArePacked) {
  const auto bytes = test::read_file(test::pydicom_files() / "liver_1frame.dcm");
  const auto ds = dicom::read_elements(bytes);
  ASSERT_TRUE(ds);
  const auto loc = locate_frames(*ds);
  ASSERT_TRUE(loc) << loc.error().message;
  const auto r = frame_ranges(*loc, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0].length, 512u * 512 / 8);
  EXPECT_EQ(frame_bit_offset(*loc, 1), 0u);
}

TEST(Frames, NoPixelDataIsNotFound) {
  const auto bytes = test::read_file(test::pydicom_files() / "rtplan.dcm");
  const auto ds = dicom::read_elements(bytes);
  ASSERT_TRUE(ds);
  EXPECT_EQ(locate_frames(*ds).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(image_attributes(*ds).error().code, ErrorCode::kNotFound);
}

TEST(BulkData, TopLevelAndNested) {
  const auto bytes = test::read_file(test::pydicom_files() / "waveform_ecg.dcm");
  const auto ds = dicom::read_elements(bytes);
  ASSERT_TRUE(ds);
  const auto r = bulk_range(*ds, "54000100/0/54001010");
  ASSERT_TRUE(r) << r.error().message;
  const auto* seq = ds->find(0x54000100);
  const auto* data = ds->find_in_item(ds->children(ds->index_of(*seq))[0], 0x54001010);
  EXPECT_EQ(*r, (ByteRange{data->offset, data->length}));
  EXPECT_EQ(bulk_range(*ds, "54000100/7/54001010").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(bulk_range(*ds, "54000100").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bulk_range(*ds, "5400x100").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bulk_range(*ds, "00091001").error().code, ErrorCode::kNotFound);
  const auto ct = test::read_file(test::pydicom_files() / "CT_small.dcm");
  const auto cds = dicom::read_elements(ct);
  const auto px = bulk_range(*cds, "7fe00010");
  ASSERT_TRUE(px);
  EXPECT_EQ(px->length, 128u * 128 * 2);
}

TEST(ImageAttributes, ReadsWhatTheRendererNeeds) {
  const auto bytes = test::read_file(test::pydicom_files() / "CT_small.dcm");
  const auto ds = dicom::read_elements(bytes);
  ASSERT_TRUE(ds);
  const auto a = image_attributes(*ds);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->rows, 128u);
  EXPECT_EQ(a->bits_allocated, 16u);
  EXPECT_EQ(a->bits_stored, 16u);
  EXPECT_EQ(a->pixel_representation, 1u);
  EXPECT_EQ(a->photometric_interpretation, "MONOCHROME2");
  EXPECT_DOUBLE_EQ(a->rescale_slope, 1.0);
  EXPECT_DOUBLE_EQ(a->rescale_intercept, -1024.0);
  EXPECT_DOUBLE_EQ(*a->pixel_spacing_row, 0.661468);
  EXPECT_EQ(a->transfer_syntax_uid, "1.2.840.10008.1.2.1");
  const auto mr = test::read_file(test::pydicom_files() / "MR_small.dcm");
  const auto mds = dicom::read_elements(mr);
  const auto m = image_attributes(*mds);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->window_centers.empty());
}

}  // namespace
}  // namespace custos::dicomweb
