// DICOM JSON checked value by value against pydicom's to_json_dict(), and parsed back with
// nlohmann to prove it is valid JSON.
#include "dicomweb/dataset_json.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>

#include "dicomweb/tests/test_util.h"

namespace custos::dicomweb {
namespace {

namespace fs = std::filesystem;

TEST(DatasetJson, MatchesPydicomValueByValue) {
  const fs::path tmp = fs::temp_directory_path() / ("custos_json_" + std::to_string(getpid()));
  fs::create_directories(tmp);
  for (const char* name : {"CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm",
                           "MR_small_bigendian.dcm", "rtplan.dcm", "rtstruct.dcm",
                           "test-SR.dcm", "waveform_ecg.dcm", "SC_rgb_rle_2frame.dcm",
                           "reportsi.dcm", "JPEG2000.dcm"}) {
    const auto bytes = test::read_file(test::pydicom_files() / name);
    const auto ds = dicom::read_elements(bytes);
    ASSERT_TRUE(ds) << name << ": " << ds.error().message;
    JsonOptions options;
    options.bulk_threshold = 1u << 30;  // pydicom never makes text bulk data
    options.bulk_uri_prefix = "http://h/bulk";
    std::string json;
    ASSERT_TRUE(write_dataset_json(*ds, options, string_sink(json)));
    ASSERT_TRUE(nlohmann::json::accept(json)) << name;
    const fs::path ours = tmp / (std::string(name) + ".json");
    std::ofstream(ours) << json;
    int status = 0;
    const std::string diff =
        test::run("/usr/bin/python3 " CUSTOS_SOURCE_DIR "/src/dicomweb/tests/compare_json.py '" +
                      (test::pydicom_files() / name).string() + "' '" + ours.string() + "' 2>&1",
                  &status);
    EXPECT_EQ(status, 0) << name << "\n" << diff;
  }
  fs::remove_all(tmp);
}

TEST(DatasetJson, CharacterSetsMatchPydicom) {
  const fs::path dir = test::pydicom_files().parent_path() / "charset_files";
  const fs::path tmp = fs::temp_directory_path() / ("custos_cs_" + std::to_string(getpid()));
  fs::create_directories(tmp);
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".dcm") continue;
    const std::string name = entry.path().filename().string();
    const auto bytes = test::read_file(entry.path());
    const auto ds = dicom::read_elements(bytes);
    ASSERT_TRUE(ds) << name;
    JsonOptions options;
    options.bulk_threshold = 1u << 30;
    std::string json;
    ASSERT_TRUE(write_dataset_json(*ds, options, string_sink(json)));
    ASSERT_TRUE(nlohmann::json::accept(json)) << name;
    const fs::path ours = tmp / (name + ".json");
    std::ofstream(ours) << json;
    int status = 0;
    const std::string diff = test::run(
        "/usr/bin/python3 " CUSTOS_SOURCE_DIR "/src/dicomweb/tests/compare_json.py '" +
            entry.path().string() + "' '" + ours.string() + "' 2>&1",
        &status);
    EXPECT_EQ(status, 0) << name << "\n" << diff;
    ++compared;
  }
  EXPECT_GT(compared, 10);
  fs::remove_all(tmp);
}

TEST(DatasetJson, ShapesOfTheModel) {
  const auto bytes = test::read_file(test::pydicom_files() / "CT_small.dcm");
  const auto ds = dicom::read_elements(bytes);
  ASSERT_TRUE(ds);
  const auto json = instance_metadata_json(bytes, {"http://h/dicom-web", "1.2", "1.3", "1.4"});
  ASSERT_TRUE(json);
  const auto j = nlohmann::json::parse(*json);
  EXPECT_FALSE(j.contains("00020010"));  // meta group left out
  EXPECT_EQ(j["00100010"]["vr"], "PN");
  EXPECT_EQ(j["00100010"]["Value"][0]["Alphabetic"], "CompressedSamples^CT1");
  EXPECT_EQ(j["00280010"]["Value"][0], 128);
  EXPECT_EQ(j["00200013"]["Value"][0], 1);            // IS as a number
  EXPECT_DOUBLE_EQ(j["00280030"]["Value"][1], 0.661468);  // DS as a number
  EXPECT_EQ(j["7FE00010"]["BulkDataURI"],
            "http://h/dicom-web/studies/1.2/series/1.3/instances/1.4/bulk/7FE00010");
  EXPECT_FALSE(j["7FE00010"].contains("Value"));
}

TEST(DatasetJson, InvalidNumbersAreDroppedEmptyValuesAreNull) {
  // An explicit VR little endian dataset built by hand.
  std::vector<std::uint8_t> b;
  auto el = [&](std::uint32_t tag, const char* vr, std::string v) {
    b.insert(b.end(), {static_cast<std::uint8_t>(tag >> 16), static_cast<std::uint8_t>(tag >> 24),
                       static_cast<std::uint8_t>(tag), static_cast<std::uint8_t>(tag >> 8),
                       static_cast<std::uint8_t>(vr[0]), static_cast<std::uint8_t>(vr[1]),
                       static_cast<std::uint8_t>(v.size()), static_cast<std::uint8_t>(v.size() >> 8)});
    b.insert(b.end(), v.begin(), v.end());
  };
  el(0x00081030, "LO", "A\\\\\"q\"\x01");
  el(0x00100010, "PN", "Doe^J=\xe5\xb1\xb1\xe7\x94\xb0\\ ");
  el(0x00180050, "DS", "1.5\\abc\\ +2 ");
  el(0x00200013, "IS", "x1");
  el(0x00201041, "DS", "");
  const auto ds = dicom::read_elements(std::as_bytes(std::span(b.data(), b.size())));
  ASSERT_TRUE(ds) << ds.error().message;
  std::string json;
  ASSERT_TRUE(write_dataset_json(*ds, {}, string_sink(json)));
  const auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["00081030"]["Value"], nlohmann::json::parse(R"(["A", null, "\"q\"\u0001"])"));
  EXPECT_EQ(j["00100010"]["Value"][0]["Ideographic"], "\xe5\xb1\xb1\xe7\x94\xb0");
  EXPECT_TRUE(j["00100010"]["Value"][1].is_null());
  EXPECT_EQ(j["00180050"]["Value"], nlohmann::json::parse("[1.5, 2]"));
  EXPECT_FALSE(j["00200013"].contains("Value"));
  EXPECT_EQ(j["00201041"], nlohmann::json::parse(R"({"vr":"DS"})"));
}

// Private creators are LO (PS3.5 7.8.1) even where the file says UN (as
// J2K_pixelrep_mismatch.dcm does) or has implicit VR; other UN elements stay binary.
TEST(DatasetJson, PrivateCreatorsAreLo) {
  std::vector<std::uint8_t> b;
  auto un = [&](std::uint32_t tag, std::string v) {
    b.insert(b.end(), {static_cast<std::uint8_t>(tag >> 16), static_cast<std::uint8_t>(tag >> 24),
                       static_cast<std::uint8_t>(tag), static_cast<std::uint8_t>(tag >> 8), 'U', 'N',
                       0, 0, static_cast<std::uint8_t>(v.size()),
                       static_cast<std::uint8_t>(v.size() >> 8), 0, 0});
    b.insert(b.end(), v.begin(), v.end());
  };
  un(0x00090010, "HMC ");
  un(0x00091001, "HMC ");   // a private value: stays UN
  un(0x00100011, "ABCD");   // even group: not private
  un(0x00190100, "XY");     // element above 00FF: not a creator
  const auto ds = dicom::read_elements(std::as_bytes(std::span(b.data(), b.size())));
  ASSERT_TRUE(ds) << ds.error().message;
  std::string json;
  JsonOptions o;
  o.inline_binary = true;
  ASSERT_TRUE(write_dataset_json(*ds, o, string_sink(json)));
  const auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["00090010"], nlohmann::json::parse(R"({"vr":"LO","Value":["HMC"]})"));
  EXPECT_EQ(j["00091001"]["vr"], "UN");
  EXPECT_EQ(j["00100011"]["vr"], "UN");
  EXPECT_EQ(j["00190100"]["vr"], "UN");
}

TEST(DatasetJson, NestedBulkDataPath) {
  const auto bytes = test::read_file(test::pydicom_files() / "waveform_ecg.dcm");
  const auto ds = dicom::read_elements(bytes);
  ASSERT_TRUE(ds);
  JsonOptions o;
  o.bulk_uri_prefix = "B";
  std::string json;
  ASSERT_TRUE(write_dataset_json(*ds, o, string_sink(json)));
  const auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["54000100"]["Value"][0]["54001010"]["BulkDataURI"], "B/54000100/0/54001010");
}

// A figure, not a test of speed: ms per instance for a 512 KiB CT-like file.
TEST(DatasetJson, MetadataCostPerCtInstance) {
  auto bytes = test::read_file(test::pydicom_files() / "CT_small.dcm");
  const auto ds = dicom::read_elements(bytes);
  ASSERT_TRUE(ds);
  // Grow pixel data to 512x512x2 bytes: rewrite (7FE0,0010)'s length and append zeros.
  const dicom::Element* px = ds->find(0x7FE00010);
  ASSERT_NE(px, nullptr);
  std::vector<std::byte> big(bytes.begin(), bytes.begin() + static_cast<long>(px->offset));
  const std::uint32_t len = 512 * 512 * 2;
  std::memcpy(big.data() + px->offset - 4, &len, 4);
  big.resize(big.size() + len);
  const int n = 200;
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t total = 0;
  for (int i = 0; i < n; ++i) {
    const auto json = instance_metadata_json(big, {"http://h", "1", "2", "3"});
    ASSERT_TRUE(json);
    total += json->size();
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / n;
  std::printf("metadata JSON of a %zu KiB CT instance: %.3f ms per instance (%zu bytes)\n",
              big.size() / 1024, ms, total / n);
}

}  // namespace
}  // namespace custos::dicomweb
