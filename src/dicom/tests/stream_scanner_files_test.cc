// StreamScanner on pydicom's real files in every encoding, checked against DCMTK: what DCMTK
// reads must scan with the same transfer syntax and keep the study UID in the prefix; cuts
// and random corruption must be refused cleanly, identically for every chunking.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/oflog/oflog.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "dicom/stream_scanner.h"
#include "dicom/tests/stream_scanner_test_util.h"

namespace custos::dicom {
namespace {

using namespace custos::dicom::scan_test;  // the stream builders
namespace fs = std::filesystem;

const fs::path kTestFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

std::vector<fs::path> pydicom_files() {
  std::vector<fs::path> out;
  if (!fs::is_directory(kTestFiles)) return out;
  for (const auto& e : fs::recursive_directory_iterator(kTestFiles)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

#define SKIP_WITHOUT_PYDICOM() \
  if (!fs::is_directory(kTestFiles)) GTEST_SKIP() << "no pydicom test files"

bool is_non_dicom_name(const fs::path& p) {
  const std::string name = p.filename().string();
  const std::string ext = p.extension().string();
  return name == "README.txt" || name == "README" || ext == ".json" || ext == ".gz" ||
         ext == ".dump";
}

// What DCMTK reports for a file: whether it reads, and its transfer syntax and UIDs.
struct DcmtkView {
  bool ok = false;
  std::string ts, sop_class, study_uid;
};

DcmtkView dcmtk_view(const fs::path& p) {
  OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
  DcmFileFormat ff;
  DcmtkView v;
  v.ok = ff.loadFile(p.c_str()).good();
  if (!v.ok) return v;
  OFString s;
  if (ff.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, s).good()) v.ts = s.c_str();
  if (v.ts.empty()) v.ts = DcmXfer(ff.getDataset()->getOriginalXfer()).getXferID();
  if (ff.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, s).good()) {
    v.sop_class = s.c_str();
  }
  if (ff.getDataset()->findAndGetOFString(DCM_StudyInstanceUID, s).good()) v.study_uid = s.c_str();
  return v;
}

// ---- real files ----

TEST(StreamScannerFiles, EveryFileDcmtkReadsScansOkWithItsSyntaxAndStudyUid) {
  SKIP_WITHOUT_PYDICOM();
  int ok = 0;
  for (const fs::path& p : pydicom_files()) {
    SCOPED_TRACE(p.string());
    const Bytes data = read_file(p);
    const DcmtkView dcmtk = dcmtk_view(p);
    const auto r = scan(data, 0, {}, data.size());
    if (p.filename() == "SC_rgb_jpeg.dcm") continue;  // mislabelled: see MislabelledImplicit...
    if (!dcmtk.ok) {
      EXPECT_FALSE(r.has_value()) << describe(r);
      continue;
    }
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ++ok;
    EXPECT_EQ(r->transfer_syntax_uid, dcmtk.ts);
    EXPECT_EQ(r->media_storage_sop_class_uid, dcmtk.sop_class);
    // These two hold only private elements of groups above 0028: the prefix ends before them.
    if (p.filename() != "UN_sequence.dcm" && p.filename() != "priv_SQ.dcm") {
      EXPECT_FALSE(r->dataset_prefix.empty());
    }
    if (!dcmtk.study_uid.empty()) {
      EXPECT_TRUE(contains(r->dataset_prefix, dcmtk.study_uid));
    }
    EXPECT_EQ(r->bytes_seen, data.size());
    EXPECT_EQ(r->has_meta, !r->meta_bytes.empty());
    EXPECT_LE(r->max_depth_seen, 8u);
  }
  EXPECT_GT(ok, 150);
}

// The meta group says explicit VR, the dataset is implicit VR. DCMTK fails on it; pydicom
// reads it by believing the bytes, and so do we: the syntax stays as declared, the encoding
// used to parse is implicit.
TEST(StreamScannerFiles, MislabelledImplicitDatasetIsReadAsImplicit) {
  SKIP_WITHOUT_PYDICOM();
  const Bytes data = read_file(kTestFiles / "SC_rgb_jpeg.dcm");
  for (const auto& r : {scan(data), scan(data, 1, {}, data.size())}) {
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->transfer_syntax_uid, "1.2.840.10008.1.2.4.50");
    EXPECT_EQ(r->encoding, Encoding::kImplicitLittle);
    EXPECT_TRUE(contains(r->dataset_prefix, "1.2.826.0.1.3680043.8.498.13331179108403236084039838123417806584"));
  }
}

TEST(StreamScannerFiles, TruncatedAndBrokenFilesAreRejectedAndOthersAreNotDicom) {
  SKIP_WITHOUT_PYDICOM();
  for (const char* name : {"MR_truncated.dcm", "rtplan_truncated.dcm"}) {
    SCOPED_TRACE(name);
    const Bytes data = read_file(kTestFiles / name);
    for (const auto& r : {scan(data), scan(data, 0, {}, data.size())}) {
      ASSERT_FALSE(r.has_value());
      EXPECT_EQ(r.error().code, ErrorCode::kRejected);
    }
  }
  const Bytes mr = read_file(kTestFiles / "MR_truncated.dcm");
  EXPECT_NE(scan(mr).error().message.find("(7fe0,0010)"), std::string::npos);
  EXPECT_NE(scan(mr).error().message.find("truncated"), std::string::npos);
  // CT_small.dcm without its meta group and cut one byte off: no plausible first element.
  EXPECT_EQ(scan(read_file(kTestFiles / "no_meta.dcm")).error().code, ErrorCode::kUnsupported);
  int non_dicom = 0;
  for (const fs::path& p : pydicom_files()) {
    if (!is_non_dicom_name(p)) continue;
    SCOPED_TRACE(p.string());
    ++non_dicom;
    StreamScanner s;
    const Bytes data = read_file(p);
    s.feed({reinterpret_cast<const std::byte*>(data.data()), data.size()});
    EXPECT_TRUE(s.not_dicom());
    const auto r = s.finish();
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
    EXPECT_EQ(r.error().message, "not a DICOM file");
  }
  EXPECT_GE(non_dicom, 7);
}

TEST(StreamScannerFiles, SpecialFormsAreRecognised) {
  SKIP_WITHOUT_PYDICOM();
  auto file = [](const char* n) { return scan(read_file(kTestFiles / n)); };
  const auto big = file("ExplVR_BigEndNoMeta.dcm");
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->encoding, Encoding::kExplicitBig);
  EXPECT_FALSE(big->has_preamble);
  EXPECT_FALSE(big->has_meta);
  const auto little = file("ExplVR_LitEndNoMeta.dcm");
  ASSERT_TRUE(little.has_value());
  EXPECT_EQ(little->transfer_syntax_uid, kExplicitLeUid);
  const auto dfl = file("image_dfl.dcm");
  ASSERT_TRUE(dfl.has_value());
  EXPECT_EQ(dfl->encoding, Encoding::kDeflatedExplicitLittle);
  EXPECT_TRUE(contains(dfl->dataset_prefix, "1.3.6.1.4.1.5962.1.1.0.0.0.977067309.6001.0"));
  const auto no_ts = file("meta_missing_tsyntax.dcm");
  ASSERT_TRUE(no_ts.has_value());
  EXPECT_TRUE(no_ts->has_meta);
  EXPECT_EQ(no_ts->transfer_syntax_uid, kImplicitLeUid);
  EXPECT_EQ(no_ts->max_depth_seen, 2u);
  const auto no_gl = file("no_meta_group_length.dcm");
  ASSERT_TRUE(no_gl.has_value());
  EXPECT_EQ(no_gl->encoding, Encoding::kImplicitLittle);
  // A TIFF header in the preamble (dual-personality files) is not a warning.
  const auto tiff = file("MR_small_padded.dcm");
  ASSERT_TRUE(tiff.has_value());
  EXPECT_FALSE(tiff->preamble_warning.has_value());
}

TEST(StreamScannerFiles, EveryChunkingGivesTheSameSummary) {
  SKIP_WITHOUT_PYDICOM();
  for (const fs::path& p : pydicom_files()) {
    SCOPED_TRACE(p.string());
    const Bytes data = read_file(p);
    const std::string whole = describe(scan(data));
    for (std::size_t chunk : {1, 7, 4096}) EXPECT_EQ(describe(scan(data, chunk)), whole);
    EXPECT_EQ(describe(scan(data, 13, {}, data.size())), describe(scan(data, 0, {}, data.size())));
  }
}

// Offsets where a top-level element (of the meta group or of a dataset with only
// defined lengths at top level) ends.
std::set<std::size_t> top_level_ends(const Bytes& f, bool explicit_dataset) {
  std::set<std::size_t> ends{132};
  std::size_t pos = 132;
  while (pos + 8 <= f.size()) {
    const bool meta = f[pos] == 2 && f[pos + 1] == 0;
    const bool expl = meta || explicit_dataset;
    const std::string vr(reinterpret_cast<const char*>(&f[pos + 4]), 2);
    std::size_t header = 8;
    std::uint32_t len = 0;
    if (expl && long_vr(vr)) {
      header = 12;
      std::memcpy(&len, &f[pos + 8], 4);
    } else if (expl) {
      len = static_cast<std::uint32_t>(f[pos + 6] | f[pos + 7] << 8);
    } else {
      std::memcpy(&len, &f[pos + 4], 4);
    }
    pos += header + len;
    ends.insert(pos);
  }
  return ends;
}

// Contract: a stream cut exactly where a top-level element ends is a complete, shorter
// dataset and is accepted; a cut anywhere else (in a header, a value, an open sequence or
// item) is refused as truncated.
TEST(StreamScannerFiles, CutsAtEveryTenthAreRejectedUnlessAtAnElementBoundary) {
  SKIP_WITHOUT_PYDICOM();
  for (auto [name, expl] : {std::pair{"CT_small.dcm", true}, std::pair{"MR_small.dcm", true},
                            std::pair{"rtplan.dcm", false}, std::pair{"rtdose.dcm", false}}) {
    const Bytes full = read_file(kTestFiles / name);
    const std::set<std::size_t> ends = top_level_ends(full, expl);
    ASSERT_TRUE(ends.count(full.size())) << name;
    int accepted = 0;
    for (int tenth = 1; tenth <= 9; ++tenth) {
      for (std::size_t delta : {0, 1, 2}) {
        const std::size_t cut = full.size() * tenth / 10 + delta;
        SCOPED_TRACE(std::string(name) + " cut at " + std::to_string(cut));
        const Bytes part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
        const auto r = scan(part, 0, {}, part.size());
        EXPECT_EQ(describe(r), describe(scan(part, 7, {}, part.size())));
        if (ends.count(cut)) {
          EXPECT_TRUE(r.has_value()) << r.error().message;
          ++accepted;
        } else {
          ASSERT_FALSE(r.has_value());
          EXPECT_EQ(r.error().code, ErrorCode::kRejected);
          EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
        }
      }
    }
    EXPECT_LT(accepted, 27);
  }
}

TEST(StreamScannerFiles, EveryCutOfAFileWithSequencesIsOkOrRejected) {
  SKIP_WITHOUT_PYDICOM();
  for (const char* name : {"JPEG2000.dcm", "meta_missing_tsyntax.dcm", "image_dfl.dcm"}) {
    const Bytes full = read_file(kTestFiles / name);
    for (std::size_t cut = 132; cut < full.size(); cut += 3) {
      const Bytes part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
      const auto r = scan(part);
      if (!r) {
        EXPECT_EQ(r.error().code, ErrorCode::kRejected) << name << " at " << cut;
      }
    }
  }
}

TEST(StreamScannerFiles, RandomByteFlipsNeverCrashAndChunkingStillAgrees) {
  SKIP_WITHOUT_PYDICOM();
  std::mt19937 rng(20240611);
  for (const char* name : {"CT_small.dcm", "JPEG2000.dcm", "rtplan.dcm", "image_dfl.dcm",
                           "ExplVR_BigEnd.dcm", "nested_priv_SQ.dcm", "UN_sequence.dcm"}) {
    const Bytes full = read_file(kTestFiles / name);
    for (int round = 0; round < 150; ++round) {
      Bytes data = full;
      const int flips = 1 + static_cast<int>(rng() % 8);
      for (int i = 0; i < flips; ++i) {
        // Mostly in the header, where structure lives.
        const std::size_t span = std::min<std::size_t>(data.size(), rng() % 2 ? 1024 : data.size());
        data[rng() % span] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      }
      const std::string whole = describe(scan(data));
      EXPECT_EQ(describe(scan(data, 7)), whole) << name << " round " << round;
      EXPECT_EQ(describe(scan(data, 4096, {}, data.size())).substr(0, 2), whole.substr(0, 2))
          << name << " round " << round;
    }
  }
}

}  // namespace
}  // namespace custos::dicom
