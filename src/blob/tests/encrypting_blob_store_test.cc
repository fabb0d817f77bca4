// EncryptingBlobStore over a FileBlobStore in a temporary directory: round trips, nothing
// readable on disk, and damage of every kind ends in kCorruption before the end.
#include "blob/encrypting_blob_store.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/posix_file.h"
#include "blob/tests/encrypting_fixture.h"

namespace custos::blob {
namespace {
namespace fs = std::filesystem;
using test_support::Bytes;
using test_support::EncryptingBlobStoreBase;
using test_support::random_bytes;
using test_support::ReadOutcome;
using test_support::slurp;
using test_support::spit;

// Every behaviour, for each chunk algorithm.
class EncryptingBlobStoreTest : public EncryptingBlobStoreBase,
                                public ::testing::WithParamInterface<ChunkAlgorithm> {
 protected:
  [[nodiscard]] ChunkAlgorithm algorithm() const override { return GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(Algorithms, EncryptingBlobStoreTest,
                         ::testing::Values(ChunkAlgorithm::kXChaCha20Poly1305,
                                           ChunkAlgorithm::kAes256Gcm),
                         [](const auto& info) {
                           return info.param == ChunkAlgorithm::kAes256Gcm
                                      ? std::string("Aes256Gcm")
                                      : std::string("XChaCha20Poly1305");
                         });

TEST_P(EncryptingBlobStoreTest, RoundTripsEverySizeAroundTheChunkBoundaries) {
  constexpr std::size_t kChunk = std::size_t{64} << 10;
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, kChunk - 1, kChunk, kChunk + 1,
                                 2 * kChunk, std::size_t{5'000'000}}) {
    const Bytes data = random_bytes(size);
    const BlobId id = put(data, 100'000);
    auto r = store_->open(id);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ((*r)->size(), size);
    const ReadOutcome o = read(id, 1 << 20);
    ASSERT_FALSE(o.error) << size << ": " << o.error->message;
    EXPECT_TRUE(o.delivered == data) << "size " << size;
    EXPECT_EQ(fs::file_size(files_->path_of(id)), encrypted_size(size, kChunk, algorithm())) << size;
  }
}

TEST_P(EncryptingBlobStoreTest, SmallWritesAndReadsAcrossChunksRoundTrip) {
  reopen({.chunk_bytes = 1024});
  const Bytes data = random_bytes(10'000);
  const BlobId id = put(data, 7);
  const ReadOutcome o = read(id, 3);
  ASSERT_FALSE(o.error) << o.error->message;
  EXPECT_TRUE(o.delivered == data);
}

TEST_P(EncryptingBlobStoreTest, ChunkSizeIsReadFromEachObject) {
  reopen({.chunk_bytes = 1024});
  const Bytes data = random_bytes(5000);
  const BlobId id = put(data);
  reopen({});  // 64 KiB for new objects; the old one still says 1 KiB
  const ReadOutcome o = read(id);
  ASSERT_FALSE(o.error) << o.error->message;
  EXPECT_TRUE(o.delivered == data);
}

TEST_P(EncryptingBlobStoreTest, StoredFileHoldsNoSixteenByteWindowOfThePlaintext) {
  // Text that repeats (as DICOM headers do) and random bytes: neither may show through.
  std::string text;
  while (text.size() < 300'000) text += "PatientName=DOE^JANE PatientID=123456 Modality=CT ";
  Bytes data(text.size());
  std::memcpy(data.data(), text.data(), text.size());
  const Bytes noise = random_bytes(100'000);
  data.insert(data.end(), noise.begin(), noise.end());
  const BlobId id = put(data);
  const Bytes stored = slurp(files_->path_of(id));
  ASSERT_GT(stored.size(), data.size());

  auto key_of = [](const std::byte* p) {
    std::uint64_t k;
    std::memcpy(&k, p, sizeof k);
    return k;
  };
  std::vector<std::pair<std::uint64_t, std::size_t>> windows;
  windows.reserve(stored.size());
  for (std::size_t i = 0; i + 16 <= stored.size(); ++i) windows.emplace_back(key_of(&stored[i]), i);
  std::sort(windows.begin(), windows.end());
  std::size_t found = 0;
  for (std::size_t i = 0; i + 16 <= data.size(); ++i) {
    const std::uint64_t k = key_of(&data[i]);
    auto it = std::lower_bound(windows.begin(), windows.end(), std::make_pair(k, std::size_t{0}));
    for (; it != windows.end() && it->first == k; ++it) {
      if (std::memcmp(&stored[it->second], &data[i], 16) == 0) ++found;
    }
  }
  EXPECT_EQ(found, 0u);
}

TEST_P(EncryptingBlobStoreTest, OneFlippedBitIsDetectedInEveryRegion) {
  reopen({.chunk_bytes = 1024});
  const Bytes data = random_bytes(3500);  // three full chunks and a final one of 428 bytes
  const BlobId id = put(data);
  const fs::path path = files_->path_of(id);
  const Bytes stored = slurp(path);
  ASSERT_EQ(stored.size(), encrypted_size(data.size(), 1024, algorithm()));
  for (const std::size_t at : probe_offsets(stored.size(), 1024)) {
    Bytes damaged = stored;
    damaged[at] ^= std::byte{static_cast<unsigned char>(1u << (at % 8))};
    spit(path, damaged);
    expect_detected(id, data, "bit flipped at " + std::to_string(at));
    if (HasFatalFailure()) return;
    // The header is authenticated as a whole when the data key is unwrapped: damage to it
    // stops open(), before any chunk is read.
    if (at < kEncryptedHeaderBytes) {
      EXPECT_FALSE(read(id).opened) << "header byte " << at;
    }
  }
  spit(path, stored);
  EXPECT_TRUE(read(id).delivered == data);
}

TEST_P(EncryptingBlobStoreTest, FlippedBitInHeaderMiddleOrLastChunkOfALargeObjectIsDetected) {
  const Bytes data = random_bytes(1'000'000);
  const BlobId id = put(data, 65'536);
  const fs::path path = files_->path_of(id);
  const Bytes stored = slurp(path);
  for (const std::size_t at :
       {std::size_t{3}, std::size_t{9}, std::size_t{13}, std::size_t{40}, std::size_t{100},
        stored.size() / 2, stored.size() - 20, stored.size() - 1}) {
    Bytes damaged = stored;
    damaged[at] ^= std::byte{0x10};
    spit(path, damaged);
    expect_detected(id, data, "bit flipped at " + std::to_string(at));
  }
}

TEST_P(EncryptingBlobStoreTest, TruncationIsDetectedAtEveryChunkBoundaryAndInside) {
  reopen({.chunk_bytes = 1024});
  const Bytes data = random_bytes(3 * 1024);  // exactly three chunks: the last one is final
  const BlobId id = put(data);
  const fs::path path = files_->path_of(id);
  const Bytes stored = slurp(path);
  for (const std::size_t len : probe_offsets(stored.size(), 1024)) {
    spit(path, std::span(stored).first(len));
    expect_detected(id, data, "truncated to " + std::to_string(len));
    if (HasFatalFailure()) return;
  }
}

TEST_P(EncryptingBlobStoreTest, AppendedBytesAreDetected) {
  reopen({.chunk_bytes = 1024});
  const Bytes data = random_bytes(2000);
  const BlobId id = put(data);
  const fs::path path = files_->path_of(id);
  Bytes stored = slurp(path);
  for (const std::size_t extra : {1, 17, 1041}) {
    Bytes longer = stored;
    const Bytes tail = random_bytes(extra);
    longer.insert(longer.end(), tail.begin(), tail.end());
    spit(path, longer);
    expect_detected(id, data, std::to_string(extra) + " bytes appended");
  }
}

TEST_P(EncryptingBlobStoreTest, ObjectCopiedUnderAnotherIdIsDetected) {
  const Bytes a = random_bytes(100'000);
  const Bytes b = random_bytes(100'000);
  const BlobId id_a = put(a);
  const BlobId id_b = put(b);
  // Same key, same size, valid chunks: only the id bound into the final chunk tells them
  // apart, so the reader fails at that chunk, before the end.
  fs::copy_file(files_->path_of(id_a), files_->path_of(id_b), fs::copy_options::overwrite_existing);
  expect_detected(id_b, b, "object a under the name of b", /*authentic_prefix=*/false);
  const ReadOutcome still_a = read(id_a);
  ASSERT_FALSE(still_a.error);
  EXPECT_TRUE(still_a.delivered == a);
}

TEST_P(EncryptingBlobStoreTest, ObjectsOfAnotherVaultDoNotOpen) {
  const Bytes data = random_bytes(1000);
  const BlobId id = put(data);
  auto other = crypto::generate_master_key();
  ASSERT_TRUE(other);
  reopen({}, *other);
  expect_detected(id, data, "opened with another vault's key");
}

TEST_P(EncryptingBlobStoreTest, PlaintextObjectIsNotServed) {
  const std::string text = "an object stored without encryption";
  auto w = files_->create();
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(custos::as_bytes(text)));
  ASSERT_TRUE((*w)->finish());
  const BlobId id{sha256_of(custos::as_bytes(text))};
  const Publication pub{w->get(), id};
  ASSERT_TRUE(files_->publish(std::span(&pub, 1)).at(0));
  Bytes original(text.size());
  std::memcpy(original.data(), text.data(), text.size());
  expect_detected(id, original, "plaintext object");
}

TEST_P(EncryptingBlobStoreTest, BatchPublishesEachWriterUnderItsId) {
  std::vector<Bytes> contents;
  std::vector<std::unique_ptr<BlobWriter>> writers;
  std::vector<Publication> batch;
  for (int i = 0; i < 5; ++i) {
    contents.push_back(random_bytes(static_cast<std::size_t>(i) * 40'000));
    auto w = store_->create();
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->write(contents.back()));
    ASSERT_TRUE((*w)->finish());
    writers.push_back(std::move(*w));
    batch.push_back({writers.back().get(), BlobId{sha256_of(contents.back())}});
  }
  // A writer of another store in the batch fails alone.
  auto foreign = files_->create();
  ASSERT_TRUE(foreign);
  batch.insert(batch.begin() + 2, Publication{foreign->get(), BlobId{}});
  const auto results = store_->publish(batch);
  ASSERT_EQ(results.size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (i == 2) {
      ASSERT_FALSE(results[i]);
      EXPECT_EQ(results[i].error().code, ErrorCode::kInternal);
      continue;
    }
    ASSERT_TRUE(results[i]) << results[i].error().message;
    const ReadOutcome o = read(batch[i].id);
    ASSERT_FALSE(o.error);
    EXPECT_TRUE(o.delivered == contents[i < 2 ? i : i - 1]);
  }
}

TEST_P(EncryptingBlobStoreTest, UnpublishedWriterLeavesNothingAndOtherCallsDelegate) {
  {
    auto w = store_->create();
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->write(random_bytes(200'000)));
  }
  const Bytes data = random_bytes(1000);
  const BlobId id = put(data);
  std::vector<std::pair<BlobId, std::uint64_t>> listed;
  ASSERT_TRUE(store_->for_each([&](const BlobId& i, std::uint64_t size) -> Status {
    listed.emplace_back(i, size);
    return {};
  }));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].first, id);
  EXPECT_EQ(listed[0].second, encrypted_size(data.size(), 64 << 10, algorithm()));  // the stored size
  EXPECT_TRUE(*store_->contains(id));
  ASSERT_TRUE(store_->remove(id));
  EXPECT_FALSE(*store_->contains(id));
  auto gone = store_->open(id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

TEST_P(EncryptingBlobStoreTest, WriterRefusesWritesAfterFinishAndAnotherIdAfterPublish) {
  auto w = store_->create();
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(custos::as_bytes("abc")));
  ASSERT_TRUE((*w)->finish());
  EXPECT_FALSE((*w)->write(custos::as_bytes("d")));
  const BlobId id{sha256_of(custos::as_bytes("abc"))};
  const Publication pub{w->get(), id};
  ASSERT_TRUE(store_->publish(std::span(&pub, 1)).at(0));
  const Publication again{w->get(), BlobId{sha256_of(custos::as_bytes("xyz"))}};
  EXPECT_FALSE(store_->publish(std::span(&again, 1)).at(0));
  EXPECT_TRUE(read(id).delivered == Bytes({std::byte{'a'}, std::byte{'b'}, std::byte{'c'}}));
}

TEST_P(EncryptingBlobStoreTest, OptionsOutOfRangeAreRefused) {
  auto files = FileBlobStore::open({root_ / "blobs2", root_ / "tmp2"});
  ASSERT_TRUE(files);
  auto store = EncryptingBlobStore::open(std::move(*files), *master_, {.chunk_bytes = 100});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(EncryptingBlobStoreTest, BytesAddedAfterOpenAreNotServed) {
  const Bytes data = random_bytes(1000);
  const BlobId id = put(data);
  auto r = store_->open(id);
  ASSERT_TRUE(r);
  {
    std::ofstream grow(files_->path_of(id), std::ios::binary | std::ios::app);
    grow << "appended";
  }
  Bytes buf(4096);
  auto n = (*r)->read(buf);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ErrorCode::kCorruption);
}

// Objects built by hand from docs/formats/encryption.md with libsodium: the store reads
// the documented layout, and refuses streams whose tags are out of place even when every
// chunk authenticates (only a holder of the key could make one).
class HandBuiltObjectTest : public EncryptingBlobStoreBase {
 protected:
  [[nodiscard]] ChunkAlgorithm algorithm() const override {
    return ChunkAlgorithm::kXChaCha20Poly1305;
  }
  static constexpr std::size_t kChunk = 1024;
  struct Chunk {
    Bytes plain;
    unsigned char tag;
    bool bind_id;
  };

  void store_by_hand(const BlobId& id, const std::vector<Chunk>& chunks) {
    unsigned char data_key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
    crypto_secretstream_xchacha20poly1305_keygen(data_key);
    crypto_secretstream_xchacha20poly1305_state st;
    unsigned char stream_header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    crypto_secretstream_xchacha20poly1305_init_push(&st, stream_header, data_key);
    const std::string bound = id_ad(id);
    std::vector<unsigned char> file = hand_header(1, kChunk, data_key, stream_header);
    for (const Chunk& c : chunks) {
      std::vector<unsigned char> out(c.plain.size() + overhead());
      crypto_secretstream_xchacha20poly1305_push(
          &st, out.data(), nullptr, reinterpret_cast<const unsigned char*>(c.plain.data()),
          c.plain.size(),
          c.bind_id ? reinterpret_cast<const unsigned char*>(bound.data()) : nullptr,
          c.bind_id ? bound.size() : 0, c.tag);
      file.insert(file.end(), out.begin(), out.end());
    }
    const fs::path path = files_->path_of(id);
    fs::create_directories(path.parent_path());
    spit(path, std::as_bytes(std::span(file)));
  }
};

TEST_F(HandBuiltObjectTest, DocumentedLayoutReads) {
  const Bytes a = random_bytes(kChunk);
  const Bytes b = random_bytes(100);
  Bytes all = a;
  all.insert(all.end(), b.begin(), b.end());
  const BlobId id{sha256_of(all)};
  store_by_hand(id, {{a, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, false},
                     {b, crypto_secretstream_xchacha20poly1305_TAG_FINAL, true}});
  const ReadOutcome o = read(id);
  ASSERT_FALSE(o.error) << o.error->message;
  EXPECT_TRUE(o.delivered == all);
}

TEST_F(HandBuiltObjectTest, StreamWithoutFinalTagIsRefused) {
  const Bytes a = random_bytes(kChunk);
  const Bytes b = random_bytes(100);
  const BlobId id{sha256_of(a)};
  store_by_hand(id, {{a, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, false},
                     {b, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, true}});
  expect_detected(id, a, "last chunk not final");
}

TEST_F(HandBuiltObjectTest, FinalTagBeforeTheEndIsRefused) {
  const Bytes a = random_bytes(kChunk);
  const Bytes b = random_bytes(100);
  const BlobId id{sha256_of(a)};
  store_by_hand(id, {{a, crypto_secretstream_xchacha20poly1305_TAG_FINAL, false},
                     {b, crypto_secretstream_xchacha20poly1305_TAG_FINAL, true}});
  expect_detected(id, a, "final chunk followed by another");
}

// Peak resident memory of this process in kB, after the peak has been reset to now.
long reset_and_read_peak_kb(bool reset) {
  if (reset) {
    std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM (Linux >= 4.0)
  }
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

TEST_P(EncryptingBlobStoreTest, TwoHundredMegabytesStreamInBoundedMemory) {
  constexpr std::size_t kTotal = std::size_t{200} << 20;
  constexpr std::size_t kPiece = std::size_t{1} << 20;
  Bytes piece = random_bytes(kPiece);
  Bytes buf(kPiece);
  const long start_kb = reset_and_read_peak_kb(true);
  ASSERT_GT(start_kb, 0);

  Sha256 written;
  auto w = store_->create();
  ASSERT_TRUE(w);
  for (std::size_t at = 0; at < kTotal; at += kPiece) {
    std::memcpy(piece.data(), &at, sizeof at);  // every piece differs
    written.update(piece);
    ASSERT_TRUE((*w)->write(piece));
  }
  ASSERT_TRUE((*w)->finish());
  const BlobId id{written.finish()};
  const Publication pub{w->get(), id};
  ASSERT_TRUE(store_->publish(std::span(&pub, 1)).at(0));
  w->reset();
  const long written_kb = reset_and_read_peak_kb(false);
  EXPECT_LT(written_kb - start_kb, 64 * 1024) << "writing buffered the object";

  auto r = store_->open(id);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->size(), kTotal);
  Sha256 read_back;
  std::uint64_t total = 0;
  for (;;) {
    auto n = (*r)->read(buf);
    ASSERT_TRUE(n) << n.error().message;
    if (*n == 0) break;
    read_back.update(std::span(buf).first(*n));
    total += *n;
  }
  EXPECT_EQ(total, kTotal);
  EXPECT_EQ(read_back.finish(), id.digest);
  const long peak_kb = reset_and_read_peak_kb(false);
  std::printf("peak resident memory grew by %ld kB while writing and reading %zu MB\n",
              peak_kb - start_kb, kTotal >> 20);
  EXPECT_LT(peak_kb - start_kb, 64 * 1024);
}

}  // namespace
}  // namespace custos::blob

namespace custos::blob {
namespace {

// The importer knows the id when the last byte is written: finish_as seals the object then,
// so publishing only renames it, and publishing it under another id is refused.
TEST_P(EncryptingBlobStoreTest, FinishAsSealsEarlyAndPublishesOnlyUnderThatId) {
  const Bytes data = random_bytes(200000);
  const BlobId id{sha256_of(data)};
  auto w = store_->create();
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(data));
  ASSERT_TRUE((*w)->finish_as(id));
  const BlobId other{sha256_of(std::as_bytes(std::span("other", 5)))};
  const Publication wrong{w->get(), other};
  EXPECT_FALSE(store_->publish(std::span(&wrong, 1)).at(0));
  const Publication right{w->get(), id};
  ASSERT_TRUE(store_->publish(std::span(&right, 1)).at(0));
  const ReadOutcome back = read(id);
  EXPECT_FALSE(back.error) << back.error->message;
  EXPECT_EQ(back.delivered, data);
}

}  // namespace
}  // namespace custos::blob
