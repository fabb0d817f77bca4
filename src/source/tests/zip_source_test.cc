// Zip archives: entries streamed with their exact bytes; zip-slip names, links and
// encrypted entries refused unread; bombs stopped early; corrupt archives reported.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

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
using testing::ZipEntry;
namespace fs = std::filesystem;

std::string display(const fs::path& zip, const std::string& inner) {
  return zip.string() + "!/" + inner;
}

bool has_rejection(const RecordingSink& sink, const std::string& path, const std::string& part) {
  for (const auto& r : sink.rejected) {
    if (r.path == path && r.reason.find(part) != std::string::npos) return true;
  }
  return false;
}

std::string all_rejections(const RecordingSink& sink) {
  std::string out;
  for (const auto& r : sink.rejected) out += "\n  " + r.path + ": " + r.reason;
  return out;
}

TEST(ZipSource, DeliversEveryFileEntryInOrderWithItsExactBytes) {
  TempDir tmp;
  const fs::path inner_zip = tmp.path() / "inner.zip";
  ASSERT_EQ(make_zip(inner_zip, {{"x.dcm", "nested"}}), "");
  const std::string big = random_bytes(3 * 1024 * 1024 + 17, 1);  // several reader chunks
  const std::string inner = testing::read_file(inner_zip);
  const fs::path zip = tmp.path() / "study.zip";
  ASSERT_EQ(make_zip(zip, {{"DICOMDIR", "dir"},
                           {"DICOM/", "", 0, ZipEntry::Type::kDir},
                           {"DICOM/IM000001", big},
                           {"DICOM/empty", ""},
                           {"viewer/inner.zip", inner}}),
            "");

  RecordingSink sink;
  ASSERT_TRUE(walk(zip, WalkOptions{}, sink));
  EXPECT_TRUE(sink.rejected.empty()) << sink.rejected[0].path << ": " << sink.rejected[0].reason;
  ASSERT_EQ(sink.items.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> expected = {{"DICOMDIR", "dir"},
                                                                     {"DICOM/IM000001", big},
                                                                     {"DICOM/empty", ""},
                                                                     {"viewer/inner.zip", inner}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& got = sink.items[i];
    EXPECT_EQ(got.item.display_path, display(zip, expected[i].first));
    EXPECT_FALSE(got.error) << got.error->message;
    EXPECT_EQ(got.bytes_read, expected[i].second.size());
    EXPECT_EQ(got.sha256, sha256_hex(expected[i].second)) << expected[i].first;
    EXPECT_FALSE(got.item.referenced_by_dicomdir);
  }
}

TEST(ZipSource, ZipSlipEntriesAreRefusedWithoutBeingRead) {
  TempDir tmp;
  const fs::path zip = tmp.path() / "evil.zip";
  ASSERT_EQ(make_zip(zip, {{"../../evil", "escape"},
                           {"/abs", "absolute"},
                           {"ok/../../up", "escape in the middle"},
                           {"..\\..\\windows", "backslash escape"},
                           {"C:\\drive", "drive letter"},
                           {"fine/name..dcm", "dots inside a name are fine"}}),
            "");
  RecordingSink sink;
  ASSERT_TRUE(walk(zip, WalkOptions{}, sink));
  ASSERT_EQ(sink.items.size(), 1u);
  EXPECT_EQ(sink.items[0].item.display_path, display(zip, "fine/name..dcm"));
  EXPECT_EQ(sink.items[0].sha256, sha256_hex("dots inside a name are fine"));
  EXPECT_EQ(sink.rejected.size(), 5u) << all_rejections(sink);
  EXPECT_TRUE(has_rejection(sink, display(zip, "../../evil"), "'..'")) << all_rejections(sink);
  EXPECT_TRUE(has_rejection(sink, display(zip, "/abs"), "absolute")) << all_rejections(sink);
  EXPECT_TRUE(has_rejection(sink, display(zip, "ok/../../up"), "'..'")) << all_rejections(sink);
  // libarchive may present a DOS-made name with '/' instead of '\\'; refused either way.
  EXPECT_TRUE(has_rejection(sink, display(zip, "..\\..\\windows"), "'..'") ||
              has_rejection(sink, display(zip, "../../windows"), "'..'"))
      << all_rejections(sink);
  EXPECT_TRUE(has_rejection(sink, display(zip, "C:\\drive"), "absolute") ||
              has_rejection(sink, display(zip, "C:/drive"), "absolute"))
      << all_rejections(sink);
}

TEST(ZipSource, LinksAreRefusedAsNotRegularFiles) {
  TempDir tmp;
  const fs::path zip = tmp.path() / "links.zip";
  ASSERT_EQ(
      make_zip(zip, {{"passwd", "/etc/passwd", 0, ZipEntry::Type::kSymlink}, {"real", "content"}}),
      "");
  RecordingSink sink;
  ASSERT_TRUE(walk(zip, WalkOptions{}, sink));
  ASSERT_EQ(sink.items.size(), 1u);
  EXPECT_EQ(sink.items[0].item.display_path, display(zip, "real"));
  ASSERT_EQ(sink.rejected.size(), 1u);
  EXPECT_TRUE(has_rejection(sink, display(zip, "passwd"), "not a regular file"));
}

TEST(ZipSource, EncryptedEntriesAreRefused) {
  TempDir tmp;
  const fs::path zip = tmp.path() / "locked.zip";
  const std::string made = make_zip(zip, {{"secret.dcm", "hidden"}}, "passphrase");
  if (!made.empty()) GTEST_SKIP() << "libarchive cannot write encrypted zips here: " << made;
  RecordingSink sink;
  ASSERT_TRUE(walk(zip, WalkOptions{}, sink));
  EXPECT_TRUE(sink.items.empty());
  EXPECT_TRUE(has_rejection(sink, display(zip, "secret.dcm"), "encrypted entry"));
}

TEST(ZipSource, BombIsStoppedEarlyAndTheRestOfTheArchiveIsNotRead) {
  TempDir tmp;
  const fs::path zip = tmp.path() / "bomb.zip";
  constexpr std::uint64_t kZeros = 300ull << 20;
  ASSERT_EQ(make_zip(zip, {{"first.txt", "harmless"},
                           {"bomb.bin", "", kZeros},
                           {"after.txt", "never reached"}}),
            "");
  const auto archive_bytes = fs::file_size(zip);
  ASSERT_LT(archive_bytes * 200, kZeros) << "the test archive must compress beyond 200:1";

  WalkOptions options;
  options.ratio_floor_bytes = 1 << 20;
  options.max_archive_ratio = 200;
  RecordingSink sink;
  ASSERT_TRUE(walk(zip, options, sink));
  ASSERT_EQ(sink.items.size(), 2u);
  EXPECT_FALSE(sink.items[0].error);
  const auto& bomb = sink.items[1];
  EXPECT_EQ(bomb.item.display_path, display(zip, "bomb.bin"));
  ASSERT_TRUE(bomb.error);
  EXPECT_EQ(bomb.error->code, ErrorCode::kRejected);
  EXPECT_NE(bomb.error->message.find("zip bomb?"), std::string::npos) << bomb.error->message;
  EXPECT_LE(bomb.bytes_read, 200 * archive_bytes);  // stopped at the limit, not at 300 MB
  EXPECT_EQ(sink.find(display(zip, "after.txt")), nullptr);
  ASSERT_EQ(sink.rejected.size(), 1u);
  EXPECT_EQ(sink.rejected[0].path, zip.string());
  EXPECT_NE(sink.rejected[0].reason.find("zip bomb?"), std::string::npos);
}

TEST(ZipSource, AbsoluteExpansionCapCountsTheWholeArchive) {
  TempDir tmp;
  const fs::path zip = tmp.path() / "many.zip";
  const std::string part = random_bytes(600 * 1024, 7);  // incompressible: ratio stays ~1
  ASSERT_EQ(make_zip(zip, {{"a", part}, {"b", part}, {"c", part}}), "");
  WalkOptions options;
  options.max_archive_expanded_bytes = 1 << 20;
  RecordingSink sink;
  ASSERT_TRUE(walk(zip, options, sink));
  ASSERT_EQ(sink.items.size(), 2u);
  EXPECT_FALSE(sink.items[0].error);
  EXPECT_EQ(sink.items[0].sha256, sha256_hex(part));
  ASSERT_TRUE(sink.items[1].error);
  EXPECT_EQ(sink.items[1].error->code, ErrorCode::kRejected);
  ASSERT_EQ(sink.rejected.size(), 1u);
  EXPECT_EQ(sink.rejected[0].path, zip.string());
}

TEST(ZipSource, TruncatedArchiveIsRejectedWithoutCrashing) {
  TempDir tmp;
  const fs::path whole = tmp.path() / "whole.zip";
  const std::string a = random_bytes(200 * 1024, 3);
  const std::string b = random_bytes(200 * 1024, 4);
  ASSERT_EQ(make_zip(whole, {{"a.dcm", a}, {"b.dcm", b}, {"c.dcm", "c"}}), "");
  std::string bytes = testing::read_file(whole);
  const fs::path cut = tmp.path() / "cut.zip";
  write_file(cut, bytes.substr(0, bytes.size() / 2 + 1000));  // inside b.dcm's data

  RecordingSink sink;
  ASSERT_TRUE(walk(cut, WalkOptions{}, sink));
  EXPECT_FALSE(sink.rejected.empty());
  // Whatever was delivered whole is exact; the damaged entry never passes as complete.
  for (const auto& got : sink.items) {
    if (got.error) continue;
    const bool is_a = got.item.display_path == display(cut, "a.dcm");
    EXPECT_TRUE(is_a) << got.item.display_path << " delivered without error";
    if (is_a) {
      EXPECT_EQ(got.sha256, sha256_hex(a));
    }
  }
}

TEST(ZipSource, DamagedEntryFailsItsReaderAndTheOtherEntriesStillArrive) {
  TempDir tmp;
  const fs::path zip = tmp.path() / "flipped.zip";
  const std::string a = random_bytes(200 * 1024, 5);  // deflate stores it: a flip hits CRC
  const std::string b = random_bytes(1000, 6);
  ASSERT_EQ(make_zip(zip, {{"a.dcm", a}, {"b.dcm", b}}), "");
  std::string bytes = testing::read_file(zip);
  bytes[1000] = static_cast<char>(bytes[1000] ^ 0x5a);  // inside a.dcm's data
  write_file(zip, bytes);

  RecordingSink sink;
  ASSERT_TRUE(walk(zip, WalkOptions{}, sink));
  ASSERT_EQ(sink.items.size(), 2u);
  ASSERT_TRUE(sink.items[0].error) << "a damaged entry must never read as complete";
  EXPECT_EQ(sink.items[0].error->code, ErrorCode::kRejected);
  EXPECT_NE(sink.items[0].error->message.find(display(zip, "a.dcm")), std::string::npos);
  EXPECT_FALSE(sink.items[1].error);
  EXPECT_EQ(sink.items[1].sha256, sha256_hex(b));
}

TEST(ZipSource, RandomBytesBehindAZipSignatureAreRejected) {
  TempDir tmp;
  const fs::path junk = tmp.path() / "junk.zip";
  write_file(junk, "PK\x03\x04" + random_bytes(64 * 1024, 11));
  RecordingSink sink;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(walk(junk, WalkOptions{}, sink));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_FALSE(sink.rejected.empty());
  for (const auto& got : sink.items) EXPECT_TRUE(got.error) << got.item.display_path;
}

TEST(ZipSource, EmptyFileNamedZipIsRejected) {
  TempDir tmp;
  const fs::path empty = tmp.path() / "empty.zip";
  write_file(empty, "");
  RecordingSink sink;
  ASSERT_TRUE(walk(empty, WalkOptions{}, sink));
  EXPECT_TRUE(sink.items.empty());
  ASSERT_EQ(sink.rejected.size(), 1u);
  EXPECT_EQ(sink.rejected[0].path, empty.string());
}

}  // namespace
}  // namespace custos::source
