// DICOMDIR references: pydicom's real DICOMDIRs in every encoding, and crafted ones that
// try to escape the folder, repeat files or crash the parser.
#include "dicom/dicomdir.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace custos::dicom {
namespace {

namespace fs = std::filesystem;

const fs::path kTestFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
const fs::path kDirs = kTestFiles / "dicomdirtests";

class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/custos-dicomdir-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Writes a DICOMDIR with one IMAGE record per ReferencedFileID value ('\'-separated).
void write_dicomdir(const fs::path& path, const std::vector<std::string>& ids) {
  DcmFileFormat file;
  file.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPClassUID,
                                         UID_MediaStorageDirectoryStorage);
  file.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, "1.2.3.4");
  DcmDataset* ds = file.getDataset();
  ASSERT_TRUE(ds->putAndInsertString(DCM_FileSetID, "TEST").good());
  // DCMTK takes the meta SOP class from the dataset when it writes the file.
  ASSERT_TRUE(ds->putAndInsertString(DCM_SOPClassUID, UID_MediaStorageDirectoryStorage).good());
  auto seq = std::make_unique<DcmSequenceOfItems>(DCM_DirectoryRecordSequence);
  for (const auto& id : ids) {
    auto item = std::make_unique<DcmItem>();
    ASSERT_TRUE(item->putAndInsertString(DCM_DirectoryRecordType, "IMAGE").good());
    ASSERT_TRUE(item->putAndInsertString(DCM_ReferencedFileID, id.c_str()).good());
    ASSERT_TRUE(seq->append(item.release()).good());  // the sequence owns it now
  }
  ASSERT_TRUE(ds->insert(seq.release()).good());  // the dataset owns it now
  const OFCondition saved = file.saveFile(path.c_str(), EXS_LittleEndianExplicit);
  ASSERT_TRUE(saved.good()) << saved.text();
}

// Explicit VR little endian element helpers, for hostile files DCMTK would never write.
std::string u16(std::uint16_t v) { return {char(v & 0xff), char(v >> 8)}; }
std::string u32(std::uint32_t v) {
  return {char(v & 0xff), char((v >> 8) & 0xff), char((v >> 16) & 0xff), char(v >> 24)};
}
std::string short_element(std::uint16_t g, std::uint16_t e, const char* vr, std::string value) {
  if (value.size() % 2 != 0) value += '\0';
  return u16(g) + u16(e) + vr + u16(static_cast<std::uint16_t>(value.size())) + value;
}
std::string part10_header() {
  std::string meta = short_element(0x0002, 0x0002, "UI", "1.2.840.10008.1.3.10") +
                     short_element(0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1");
  return std::string(128, '\0') + "DICM" + u16(0x0002) + u16(0x0000) + "UL" + u16(4) +
         u32(static_cast<std::uint32_t>(meta.size())) + meta;
}
std::string sequence_start(std::uint32_t length) {
  return u16(0x0004) + u16(0x1220) + "SQ" + u16(0) + u32(length);
}

TEST(Dicomdir, ReadsPydicomDicomdirInRecordOrder) {
  if (!fs::exists(kDirs / "DICOMDIR")) GTEST_SKIP() << "python3-pydicom test files absent";
  auto refs = read_dicomdir_references(kDirs / "DICOMDIR");
  ASSERT_TRUE(refs) << refs.error().message;
  ASSERT_EQ(refs->size(), 31u);
  EXPECT_EQ(refs->front(), "77654033/CR1/6154");
  EXPECT_EQ((*refs)[3], "77654033/CT2/17106");
  EXPECT_EQ((*refs)[14], "98892003/MR1/15820");
  EXPECT_EQ(refs->back(), "98892003/MR700/4648");
  for (const auto& r : *refs) EXPECT_TRUE(fs::is_regular_file(kDirs / r)) << r;
}

TEST(Dicomdir, EveryEncodingVariantGivesTheSameFiles) {
  if (!fs::exists(kDirs / "DICOMDIR")) GTEST_SKIP() << "python3-pydicom test files absent";
  auto base = read_dicomdir_references(kDirs / "DICOMDIR");
  ASSERT_TRUE(base) << base.error().message;
  const std::set<std::string> base_set(base->begin(), base->end());
  for (const char* name :
       {"DICOMDIR-implicit", "DICOMDIR-bigEnd", "DICOMDIR-nopatient", "DICOMDIR-reordered"}) {
    auto refs = read_dicomdir_references(kDirs / name);
    ASSERT_TRUE(refs) << name << ": " << refs.error().message;
    EXPECT_EQ(std::set<std::string>(refs->begin(), refs->end()), base_set) << name;
    EXPECT_EQ(refs->size(), base->size()) << name;
  }
  // In DICOMDIR-nooffset the last record declares more bytes than the file holds. The
  // scanner may refuse that (a length beyond the bytes present); if it is read, it must
  // still list the same files.
  auto nooffset = read_dicomdir_references(kDirs / "DICOMDIR-nooffset");
  if (nooffset) {
    EXPECT_EQ(std::set<std::string>(nooffset->begin(), nooffset->end()), base_set);
  } else {
    EXPECT_EQ(nooffset.error().code, ErrorCode::kRejected) << nooffset.error().message;
  }
}

TEST(Dicomdir, EmptyDicomdirHasNoReferences) {
  if (!fs::exists(kDirs / "DICOMDIR-empty.dcm")) GTEST_SKIP() << "pydicom test files absent";
  auto refs = read_dicomdir_references(kDirs / "DICOMDIR-empty.dcm");
  ASSERT_TRUE(refs) << refs.error().message;
  EXPECT_TRUE(refs->empty());
}

TEST(Dicomdir, ImageFileIsNotADicomdir) {
  if (!fs::exists(kTestFiles / "CT_small.dcm")) GTEST_SKIP() << "pydicom test files absent";
  auto refs = read_dicomdir_references(kTestFiles / "CT_small.dcm");
  ASSERT_FALSE(refs);
  EXPECT_EQ(refs.error().code, ErrorCode::kRejected);
  EXPECT_NE(refs.error().message.find("CT_small.dcm"), std::string::npos) << refs.error().message;
}

TEST(Dicomdir, TextFileIsRejectedAndMissingFileIsNotFound) {
  TempDir tmp;
  write_bytes(tmp.path() / "DICOMDIR", "[autorun]\r\nopen=viewer.exe\r\n");
  auto text = read_dicomdir_references(tmp.path() / "DICOMDIR");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::kRejected);
  EXPECT_EQ(text.error().message.rfind("DICOMDIR " + (tmp.path() / "DICOMDIR").string(), 0), 0u)
      << text.error().message;

  auto missing = read_dicomdir_references(tmp.path() / "nope" / "DICOMDIR");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(Dicomdir, DuplicatesAreRemovedAndSlashWrittenPathsAccepted) {
  TempDir tmp;
  const fs::path file = tmp.path() / "DICOMDIR";
  write_dicomdir(file, {"DICOM\\ST1\\IM1", "DICOM\\ST1\\IM2", "DICOM\\ST1\\IM1", "DICOM/ST1/IM3",
                        "DICOM\\ST1\\IM2"});
  auto refs = read_dicomdir_references(file);
  ASSERT_TRUE(refs) << refs.error().message;
  EXPECT_EQ(*refs, (std::vector<std::string>{"DICOM/ST1/IM1", "DICOM/ST1/IM2", "DICOM/ST1/IM3"}));
}

TEST(Dicomdir, ReferencesEscapingTheFolderAreRejected) {
  TempDir tmp;
  for (const char* id : {"..\\..\\etc\\passwd", "DICOM\\..\\..\\x", "/etc/passwd", "DICOM/../../x",
                         "\\\\server\\share"}) {
    const fs::path file = tmp.path() / "DICOMDIR";
    write_dicomdir(file, {"DICOM\\IM1", id});
    auto refs = read_dicomdir_references(file);
    ASSERT_FALSE(refs) << id;
    EXPECT_EQ(refs.error().code, ErrorCode::kRejected) << id;
    EXPECT_NE(refs.error().message.find("ReferencedFileID"), std::string::npos)
        << refs.error().message;
  }
}

// About 6,000 nested sequences overflow DCMTK 3.6.7's stack: refused before it parses.
TEST(Dicomdir, DeepNestingIsRejectedWithoutCrashing) {
  TempDir tmp;
  std::string bytes = part10_header();
  constexpr int kLevels = 10000;
  for (int i = 0; i < kLevels; ++i) {
    bytes += sequence_start(0xFFFFFFFF);
    bytes += u16(0xFFFE) + u16(0xE000) + u32(0xFFFFFFFF);
  }
  for (int i = 0; i < kLevels; ++i) {
    bytes += u16(0xFFFE) + u16(0xE00D) + u32(0);
    bytes += u16(0xFFFE) + u16(0xE0DD) + u32(0);
  }
  write_bytes(tmp.path() / "DICOMDIR", bytes);
  auto refs = read_dicomdir_references(tmp.path() / "DICOMDIR");
  ASSERT_FALSE(refs);
  EXPECT_EQ(refs.error().code, ErrorCode::kRejected);
}

TEST(Dicomdir, DeclaredLengthBeyondTheFileIsRejected) {
  TempDir tmp;
  write_bytes(tmp.path() / "DICOMDIR",
              part10_header() + sequence_start(0x7FFFFFF0) + std::string(64, '\0'));
  auto refs = read_dicomdir_references(tmp.path() / "DICOMDIR");
  ASSERT_FALSE(refs);
  EXPECT_EQ(refs.error().code, ErrorCode::kRejected);
}

}  // namespace
}  // namespace custos::dicom
