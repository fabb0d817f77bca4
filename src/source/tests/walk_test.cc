// walk(): what kind of input is what (file, folder, zip by name or by signature), and the
// errors an unusable input gives.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "source/source.h"
#include "source/tests/test_support.h"
#include "source/tests/zip_writer.h"

namespace custos::source {
namespace {

using testing::make_zip;
using testing::random_bytes;
using testing::RecordingSink;
using testing::sha256_hex;
using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

TEST(Walk, SingleFileIsOneItemWithItsSizeAndBytes) {
  TempDir tmp;
  const fs::path file = tmp.path() / "CT000001.dcm";
  const std::string bytes = random_bytes(2 * 1024 * 1024 + 5, 2);
  write_file(file, bytes);
  RecordingSink sink;
  ASSERT_TRUE(walk(file, WalkOptions{}, sink));
  ASSERT_EQ(sink.items.size(), 1u);
  const auto& got = sink.items[0];
  EXPECT_EQ(got.item.display_path, file.string());
  ASSERT_TRUE(got.item.size.has_value());
  EXPECT_EQ(*got.item.size, bytes.size());
  EXPECT_FALSE(got.item.referenced_by_dicomdir);
  EXPECT_FALSE(got.error);
  EXPECT_EQ(got.sha256, sha256_hex(bytes));
  EXPECT_TRUE(sink.rejected.empty());
  EXPECT_TRUE(sink.missing.empty());
}

TEST(Walk, EmptyFileIsOneEmptyItem) {
  TempDir tmp;
  const fs::path file = tmp.path() / "empty";
  write_file(file, "");
  RecordingSink sink;
  ASSERT_TRUE(walk(file, WalkOptions{}, sink));
  ASSERT_EQ(sink.items.size(), 1u);
  EXPECT_EQ(sink.items[0].bytes_read, 0u);
  EXPECT_EQ(sink.items[0].item.size, std::optional<std::uint64_t>(0));
}

TEST(Walk, MissingInputIsNotFoundNamingThePath) {
  TempDir tmp;
  const fs::path missing = tmp.path() / "no such folder";
  RecordingSink sink;
  auto s = walk(missing, WalkOptions{}, sink);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_NE(s.error().message.find(missing.string()), std::string::npos) << s.error().message;
  EXPECT_TRUE(sink.items.empty());
}

TEST(Walk, UnreadableInputIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads everything";
  TempDir tmp;
  const fs::path file = tmp.path() / "locked.dcm";
  write_file(file, "x");
  ASSERT_EQ(::chmod(file.c_str(), 0), 0);
  const fs::path dir = tmp.path() / "locked";
  fs::create_directory(dir);
  ASSERT_EQ(::chmod(dir.c_str(), 0), 0);
  for (const auto& input : {file, dir}) {
    RecordingSink sink;
    auto s = walk(input, WalkOptions{}, sink);
    ASSERT_FALSE(s) << input;
    EXPECT_EQ(s.error().code, ErrorCode::kPermissionDenied);
    EXPECT_NE(s.error().message.find(input.string()), std::string::npos);
  }
}

TEST(Walk, FifoInputIsRefusedWithoutBlocking) {
  TempDir tmp;
  const fs::path fifo = tmp.path() / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  RecordingSink sink;
  auto s = walk(fifo, WalkOptions{}, sink);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

TEST(Walk, ZipIsRecognisedByUpperCaseExtension) {
  TempDir tmp;
  const fs::path zip = tmp.path() / "EXPORT.ZIP";
  ASSERT_EQ(make_zip(zip, {{"a.dcm", "alpha"}}), "");
  RecordingSink sink;
  ASSERT_TRUE(walk(zip, WalkOptions{}, sink));
  ASSERT_EQ(sink.items.size(), 1u);
  EXPECT_EQ(sink.items[0].item.display_path, zip.string() + "!/a.dcm");
  EXPECT_EQ(sink.items[0].sha256, sha256_hex("alpha"));
}

TEST(Walk, ZipIsRecognisedBySignatureWhateverItsName) {
  TempDir tmp;
  const fs::path zip = tmp.path() / "download";
  ASSERT_EQ(make_zip(zip, {{"a.dcm", "alpha"}, {"b.dcm", "beta"}}), "");
  RecordingSink sink;
  ASSERT_TRUE(walk(zip, WalkOptions{}, sink));
  ASSERT_EQ(sink.items.size(), 2u);
  EXPECT_EQ(sink.items[1].item.display_path, zip.string() + "!/b.dcm");
}

// A DICOM file whose preamble starts like a zip (a polyglot) is imported as the file it is.
TEST(Walk, DicomFileWithZipSignatureInItsPreambleStaysOneFile) {
  TempDir tmp;
  const fs::path file = tmp.path() / "IM0001";
  std::string bytes = "PK\x03\x04" + std::string(124, '\0') + "DICM" + random_bytes(300, 5);
  write_file(file, bytes);
  RecordingSink sink;
  ASSERT_TRUE(walk(file, WalkOptions{}, sink));
  ASSERT_EQ(sink.items.size(), 1u);
  EXPECT_EQ(sink.items[0].item.display_path, file.string());
  EXPECT_EQ(sink.items[0].sha256, sha256_hex(bytes));
  EXPECT_TRUE(sink.rejected.empty());
}

TEST(Walk, ZipInsideAFolderIsAPlainItem) {
  TempDir tmp;
  ASSERT_EQ(make_zip(tmp.path() / "study.zip", {{"a.dcm", "alpha"}}), "");
  RecordingSink sink;
  ASSERT_TRUE(walk(tmp.path(), WalkOptions{}, sink));
  ASSERT_EQ(sink.items.size(), 1u);
  EXPECT_EQ(sink.items[0].item.display_path, (tmp.path() / "study.zip").string());
}

}  // namespace
}  // namespace custos::source
