// The chunk algorithms: which one new objects use, that a store reads objects of either, and
// AES-256-GCM objects built by hand with OpenSSL from docs/formats/encryption.md.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "blob/chunk_cipher.h"
#include "blob/encrypting_blob_store.h"
#include "blob/tests/encrypting_fixture.h"

namespace custos::blob {
namespace {
namespace fs = std::filesystem;
using test_support::Bytes;
using test_support::random_bytes;
using test_support::ReadOutcome;

// The CPU flags the kernel reports, as a space-separated list.
std::string cpu_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0 || line.rfind("Features", 0) == 0) return " " + line + " ";
  }
  return {};
}

TEST(ChunkAlgorithmTest, NewObjectsUseAesGcmExactlyWhenTheCpuHasItsInstructions) {
  const std::string flags = cpu_flags();
  if (flags.empty()) GTEST_SKIP() << "no CPU flags in /proc/cpuinfo";
#if defined(__x86_64__)
  const bool hardware = flags.find(" aes ") != std::string::npos &&
                        flags.find(" pclmulqdq ") != std::string::npos;
#else
  const bool hardware =
      flags.find(" aes ") != std::string::npos && flags.find(" pmull ") != std::string::npos;
#endif
  EXPECT_EQ(fastest_chunk_algorithm(),
            hardware ? ChunkAlgorithm::kAes256Gcm : ChunkAlgorithm::kXChaCha20Poly1305);
  EXPECT_EQ(EncryptingBlobStoreOptions{}.algorithm, fastest_chunk_algorithm());
}

TEST(ChunkAlgorithmTest, HeaderBytesMapToAlgorithmsAndOverheads) {
  EXPECT_EQ(chunk_algorithm_of(1), ChunkAlgorithm::kXChaCha20Poly1305);
  EXPECT_EQ(chunk_algorithm_of(2), ChunkAlgorithm::kAes256Gcm);
  EXPECT_FALSE(chunk_algorithm_of(0));
  EXPECT_FALSE(chunk_algorithm_of(3));
  EXPECT_EQ(chunk_overhead(ChunkAlgorithm::kXChaCha20Poly1305), 17U);
  EXPECT_EQ(chunk_overhead(ChunkAlgorithm::kAes256Gcm), 16U);
}

// A store whose new objects use one algorithm and a second store over the same files whose
// new objects use the other: each reads what the other wrote (a vault written before and
// after a change of default, or moved to another CPU).
class MixedAlgorithmTest : public test_support::EncryptingBlobStoreBase {
 protected:
  [[nodiscard]] ChunkAlgorithm algorithm() const override { return current_; }
  void use(ChunkAlgorithm a) {
    current_ = a;
    reopen({});
  }
  ChunkAlgorithm current_ = ChunkAlgorithm::kXChaCha20Poly1305;
};

TEST_F(MixedAlgorithmTest, EachObjectIsReadWithTheAlgorithmItsHeaderNames) {
  use(ChunkAlgorithm::kXChaCha20Poly1305);
  const Bytes old_data = random_bytes(200'000);
  const BlobId old_id = put(old_data);
  use(ChunkAlgorithm::kAes256Gcm);
  const Bytes new_data = random_bytes(150'000);
  const BlobId new_id = put(new_data);
  EXPECT_EQ(fs::file_size(files_->path_of(old_id)),
            encrypted_size(old_data.size(), 64 << 10, ChunkAlgorithm::kXChaCha20Poly1305));
  EXPECT_EQ(fs::file_size(files_->path_of(new_id)),
            encrypted_size(new_data.size(), 64 << 10, ChunkAlgorithm::kAes256Gcm));
  for (const ChunkAlgorithm reader : {ChunkAlgorithm::kXChaCha20Poly1305,
                                      ChunkAlgorithm::kAes256Gcm}) {
    use(reader);
    const ReadOutcome a = read(old_id);
    ASSERT_FALSE(a.error) << a.error->message;
    EXPECT_TRUE(a.delivered == old_data);
    const ReadOutcome b = read(new_id);
    ASSERT_FALSE(b.error) << b.error->message;
    EXPECT_TRUE(b.delivered == new_data);
  }
}

TEST_F(MixedAlgorithmTest, AnAlgorithmByteChangedInTheHeaderIsDetected) {
  use(ChunkAlgorithm::kAes256Gcm);
  const Bytes data = random_bytes(3000);
  const BlobId id = put(data);
  Bytes stored = test_support::slurp(files_->path_of(id));
  stored[9] = std::byte{1};  // claims secretstream: the wrapped data key binds the byte
  test_support::spit(files_->path_of(id), stored);
  expect_detected(id, data, "algorithm byte");
}

// AES-256-GCM objects written with OpenSSL straight from the documented layout.
class HandBuiltGcmObjectTest : public test_support::EncryptingBlobStoreBase {
 protected:
  [[nodiscard]] ChunkAlgorithm algorithm() const override { return ChunkAlgorithm::kAes256Gcm; }
  static constexpr std::size_t kChunk = 1024;
  struct Chunk {
    Bytes plain;
    bool final_flag;
    bool bind_id;
  };

  void store_by_hand(const BlobId& id, const std::vector<Chunk>& chunks) {
    unsigned char data_key[32];
    randombytes_buf(data_key, sizeof data_key);
    unsigned char stream_header[24];  // the nonce prefix (first 4) and 20 random bytes
    randombytes_buf(stream_header, sizeof stream_header);
    const std::string bound = id_ad(id);
    std::vector<unsigned char> file = hand_header(2, kChunk, data_key, stream_header);
    const std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(
        EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      const Chunk& c = chunks[i];
      unsigned char nonce[12];
      std::memcpy(nonce, stream_header, 4);
      for (int b = 0; b < 8; ++b) nonce[4 + b] = static_cast<unsigned char>(i >> (8 * b));
      ASSERT_EQ(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, data_key, nonce), 1);
      std::string chunk_ad(1, c.final_flag ? '\1' : '\0');
      if (c.bind_id) chunk_ad += bound;
      int len = 0;
      ASSERT_EQ(EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                                  reinterpret_cast<const unsigned char*>(chunk_ad.data()),
                                  static_cast<int>(chunk_ad.size())),
                1);
      std::vector<unsigned char> out(c.plain.size() + 16);
      if (!c.plain.empty()) {
        ASSERT_EQ(EVP_EncryptUpdate(ctx.get(), out.data(), &len,
                                    reinterpret_cast<const unsigned char*>(c.plain.data()),
                                    static_cast<int>(c.plain.size())),
                  1);
      }
      ASSERT_EQ(EVP_EncryptFinal_ex(ctx.get(), out.data() + c.plain.size(), &len), 1);
      ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16,
                                    out.data() + c.plain.size()),
                1);
      file.insert(file.end(), out.begin(), out.end());
    }
    const fs::path path = files_->path_of(id);
    fs::create_directories(path.parent_path());
    test_support::spit(path, std::as_bytes(std::span(file)));
  }
};

TEST_F(HandBuiltGcmObjectTest, DocumentedLayoutReads) {
  const Bytes a = random_bytes(kChunk);
  const Bytes b = random_bytes(100);
  Bytes all = a;
  all.insert(all.end(), b.begin(), b.end());
  const BlobId id{sha256_of(all)};
  store_by_hand(id, {{a, false, false}, {b, true, true}});
  const ReadOutcome o = read(id);
  ASSERT_FALSE(o.error) << o.error->message;
  EXPECT_TRUE(o.delivered == all);
}

TEST_F(HandBuiltGcmObjectTest, LastChunkWithoutTheFinalFlagIsRefused) {
  const Bytes a = random_bytes(kChunk);
  const Bytes b = random_bytes(100);
  const BlobId id{sha256_of(a)};
  store_by_hand(id, {{a, false, false}, {b, false, true}});
  expect_detected(id, a, "last chunk not final");
}

TEST_F(HandBuiltGcmObjectTest, FinalFlagBeforeTheEndIsRefused) {
  const Bytes a = random_bytes(kChunk);
  const Bytes b = random_bytes(100);
  const BlobId id{sha256_of(a)};
  store_by_hand(id, {{a, true, false}, {b, true, true}});
  expect_detected(id, a, "final chunk followed by another");
}

TEST_F(HandBuiltGcmObjectTest, FinalChunkWithoutTheIdIsRefused) {
  const Bytes b = random_bytes(100);
  const BlobId id{sha256_of(b)};
  store_by_hand(id, {{b, true, false}});
  expect_detected(id, b, "final chunk not bound to the id");
}

}  // namespace
}  // namespace custos::blob
