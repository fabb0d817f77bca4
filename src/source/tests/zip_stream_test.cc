// Zips that arrive as a stream (browser uploads): the same entries, bytes and refusals as a
// zip on disk, read forward only, with the expansion ratio checked as bytes arrive.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "source/tests/test_support.h"
#include "source/tests/zip_writer.h"
#include "source/zip_source.h"

namespace custos::source {
namespace {

using testing::make_zip;
using testing::random_bytes;
using testing::RecordingSink;
using testing::sha256_hex;
using testing::TempDir;
namespace fs = std::filesystem;

// Hands out a string in small, uneven pieces, like a network body; can fail part way.
class PieceReader final : public ByteReader {
 public:
  explicit PieceReader(std::string data, std::size_t fail_at = std::string::npos)
      : data_(std::move(data)), fail_at_(fail_at) {}
  Result<std::size_t> read(std::span<std::byte> buf) override {
    if (pos_ >= fail_at_) return fail(ErrorCode::kIoError, "upload interrupted");
    const std::size_t piece = 1 + (calls_++ * 7919) % 65536;
    std::size_t n = std::min({buf.size(), piece, data_.size() - pos_});
    if (fail_at_ != std::string::npos) n = std::min(n, fail_at_ - pos_);
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    consumed_ = pos_;
    return n;
  }
  std::size_t consumed_ = 0;

 private:
  std::string data_;
  std::size_t fail_at_;
  std::size_t pos_ = 0;
  std::size_t calls_ = 0;
};

TEST(ZipStream, DeliversEveryEntryWithItsExactBytes) {
  TempDir tmp;
  const std::string big = random_bytes(2 * 1024 * 1024 + 5, 11);
  const fs::path zip = tmp.path() / "upload.zip";
  ASSERT_EQ(make_zip(zip, {{"CD/DICOMDIR", "dir"}, {"CD/IMG/1", big}, {"CD/IMG/2", ""}}), "");
  PieceReader reader(testing::read_file(zip));
  RecordingSink sink;
  walk_zip_stream(reader, "upload.zip", WalkOptions{}, sink);
  EXPECT_TRUE(sink.rejected.empty()) << sink.rejected[0].reason;
  ASSERT_EQ(sink.items.size(), 3u);
  EXPECT_EQ(sink.items[0].item.display_path, "upload.zip!/CD/DICOMDIR");
  EXPECT_EQ(sink.items[1].sha256, sha256_hex(big));
  EXPECT_EQ(sink.items[1].bytes_read, big.size());
  EXPECT_EQ(sink.items[2].bytes_read, 0u);
}

TEST(ZipStream, ZipSlipAndLinksAreRefused) {
  TempDir tmp;
  const fs::path zip = tmp.path() / "evil.zip";
  ASSERT_EQ(make_zip(zip, {{"../escape", "x"}, {"ok", "fine"}}), "");
  PieceReader reader(testing::read_file(zip));
  RecordingSink sink;
  walk_zip_stream(reader, "evil.zip", WalkOptions{}, sink);
  ASSERT_EQ(sink.items.size(), 1u);
  EXPECT_EQ(sink.items[0].item.display_path, "evil.zip!/ok");
  ASSERT_EQ(sink.rejected.size(), 1u);
  EXPECT_EQ(sink.rejected[0].path, "evil.zip!/../escape");
}

TEST(ZipStream, BombIsStoppedByTheRatioOfBytesConsumedSoFar) {
  TempDir tmp;
  const fs::path zip = tmp.path() / "bomb.zip";
  ASSERT_EQ(make_zip(zip, {{"bomb.bin", "", 300ull << 20}, {"after", "x"}}), "");
  const std::string bytes = testing::read_file(zip);
  WalkOptions options;
  options.ratio_floor_bytes = 1 << 20;
  PieceReader reader(bytes);
  RecordingSink sink;
  walk_zip_stream(reader, "bomb.zip", options, sink);
  ASSERT_GE(sink.items.size(), 1u);
  ASSERT_TRUE(sink.items[0].error);
  EXPECT_NE(sink.items[0].error->message.find("zip bomb?"), std::string::npos);
  EXPECT_LE(sink.items[0].bytes_read, 200 * bytes.size());
  EXPECT_EQ(sink.find("bomb.zip!/after"), nullptr);
}

TEST(ZipStream, AnInterruptedUploadRejectsTheArchiveAndDeliversNothingHalfRead) {
  TempDir tmp;
  const std::string a = random_bytes(300 * 1024, 3);
  const std::string b = random_bytes(300 * 1024, 4);
  const fs::path zip = tmp.path() / "cut.zip";
  ASSERT_EQ(make_zip(zip, {{"a", a}, {"b", b}}), "");
  const std::string bytes = testing::read_file(zip);
  PieceReader reader(bytes, bytes.size() / 2 + 1000);
  RecordingSink sink;
  walk_zip_stream(reader, "cut.zip", WalkOptions{}, sink);
  EXPECT_FALSE(sink.rejected.empty());
  for (const auto& got : sink.items) {
    if (!got.error) {
      EXPECT_EQ(got.item.display_path, "cut.zip!/a");
      EXPECT_EQ(got.sha256, sha256_hex(a));
    }
  }
}

TEST(ZipStream, GarbageIsRejectedUnderTheUploadName) {
  PieceReader reader(random_bytes(10000, 9));
  RecordingSink sink;
  walk_zip_stream(reader, "junk.zip", WalkOptions{}, sink);
  EXPECT_TRUE(sink.items.empty());
  ASSERT_FALSE(sink.rejected.empty());
  EXPECT_EQ(sink.rejected[0].path, "junk.zip");
}

}  // namespace
}  // namespace custos::source
