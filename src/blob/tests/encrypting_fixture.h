// The fixture of the encrypting blob store tests: an EncryptingBlobStore over a
// FileBlobStore in a temporary directory, for the chunk algorithm a subclass names.
#pragma once

#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "blob/encrypting_blob_store.h"
#include "blob/file_blob_store.h"
#include "crypto/secure_bytes.h"

namespace custos::blob::test_support {
namespace fs = std::filesystem;
using Bytes = std::vector<std::byte>;

inline Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  crypto::random_bytes(out);
  return out;
}

inline Bytes slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Bytes out(raw.size());
  std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

inline void spit(const fs::path& path, std::span<const std::byte> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// What a reader delivered before it stopped, and how it stopped.
struct ReadOutcome {
  bool opened = false;
  Bytes delivered;
  std::optional<Error> error;
};

// The fixture, for the chunk algorithm a subclass names.
class EncryptingBlobStoreBase : public ::testing::Test {
 protected:
  [[nodiscard]] virtual ChunkAlgorithm algorithm() const = 0;
  [[nodiscard]] std::size_t overhead() const { return chunk_overhead(algorithm()); }

  void SetUp() override {
    char tmpl[] = "/tmp/custos-encblob-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    auto master = crypto::generate_master_key();
    ASSERT_TRUE(master);
    master_.emplace(std::move(*master));
    reopen({});
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(root_);
  }

  void reopen(const EncryptingBlobStoreOptions& options) { reopen(options, *master_); }
  // New objects use the fixture's algorithm whatever `options` says.
  void reopen(EncryptingBlobStoreOptions options, const crypto::MasterKey& master) {
    options.algorithm = algorithm();
    store_.reset();
    auto files = FileBlobStore::open({root_ / "blobs", root_ / "tmp"});
    ASSERT_TRUE(files) << files.error().message;
    files_ = files->get();  // not owned: kept to find the stored files
    auto store = EncryptingBlobStore::open(std::move(*files), master, options);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }

  BlobId put(std::span<const std::byte> bytes, std::size_t piece = 4096) {
    auto w = store_->create();
    EXPECT_TRUE(w) << w.error().message;
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
      EXPECT_TRUE((*w)->write(bytes.subspan(at, std::min(piece, bytes.size() - at))));
    }
    EXPECT_TRUE((*w)->finish());
    const BlobId id{sha256_of(bytes)};
    const Publication pub{w->get(), id};
    const auto results = store_->publish(std::span(&pub, 1));
    EXPECT_TRUE(results.at(0)) << results.at(0).error().message;
    return id;
  }

  ReadOutcome read(const BlobId& id, std::size_t buffer = 5000) {
    ReadOutcome out;
    auto r = store_->open(id);
    if (!r) {
      out.error = r.error();
      return out;
    }
    out.opened = true;
    Bytes buf(buffer);
    for (;;) {
      auto n = (*r)->read(buf);
      if (!n) {
        out.error = n.error();
        return out;
      }
      if (*n == 0) return out;
      out.delivered.insert(out.delivered.end(), buf.begin(), buf.begin() + static_cast<long>(*n));
    }
  }

  // The damaged object must fail with kCorruption before its end. With `authentic_prefix`,
  // whatever it delivered before failing must be a prefix of the original: never a wrong
  // byte. (An object copied whole under another id is made of authentic chunks of that other
  // object; only its final chunk, which names the id, gives it away.)
  void expect_detected(const BlobId& id, const Bytes& original, const std::string& what,
                       bool authentic_prefix = true) {
    const ReadOutcome o = read(id);
    ASSERT_TRUE(o.error.has_value()) << what << ": damage went unnoticed";
    EXPECT_EQ(o.error->code, ErrorCode::kCorruption) << what << ": " << o.error->message;
    EXPECT_EQ(o.error->message,
              "stored object " + id.hex() + " failed authentication: damaged or tampered")
        << what;
    ASSERT_LT(o.delivered.size(), original.size() + 1) << what;
    if (authentic_prefix) {
      EXPECT_TRUE(std::equal(o.delivered.begin(), o.delivered.end(), original.begin())) << what;
    }
  }

  // Offsets worth damaging in an object of `stored` bytes in `chunk`-byte chunks: every
  // header byte, the tag byte and MAC of every chunk, and every 7th byte in between (7 is
  // prime to 8, so flipping bit offset % 8 reaches every bit position).
  [[nodiscard]] std::vector<std::size_t> probe_offsets(std::size_t stored,
                                                       std::size_t chunk) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < stored; ++i) {
      const std::size_t in_chunk =
          i < kEncryptedHeaderBytes ? 0
                                    : (i - kEncryptedHeaderBytes) % (chunk + overhead());
      const bool header = i < kEncryptedHeaderBytes;
      const bool chunk_edge = !header && (in_chunk < 2 || in_chunk + overhead() >=
                                                              chunk + overhead());
      if (header || chunk_edge || i % 7 == 0 || i + overhead() >= stored) {
        out.push_back(i);
      }
    }
    return out;
  }

  // An object header laid out by hand from docs/formats/encryption.md: version 1, this
  // algorithm byte and chunk size, `stream_header` as bytes 88-111 (their first 24 bytes are
  // used), and `data_key` wrapped under this vault's blob sub-key with a random nonce.
  [[nodiscard]] std::vector<unsigned char> hand_header(unsigned char algorithm_byte,
                                                       std::size_t chunk,
                                                       const unsigned char* data_key,
                                                       const unsigned char* stream_header) const {
    auto wrap_key = crypto::derive_subkey(*master_, crypto::SubkeyPurpose::kBlobKeyWrap);
    EXPECT_TRUE(wrap_key);
    std::vector<unsigned char> h(kEncryptedHeaderBytes);
    std::memcpy(h.data(), "CUSTOSB1", 8);
    h[8] = 1;  // version
    h[9] = algorithm_byte;
    h[12] = chunk & 0xff;
    h[13] = (chunk >> 8) & 0xff;
    std::memcpy(h.data() + 88, stream_header, 24);
    randombytes_buf(h.data() + 16, 24);
    std::string ad = "custos blob data key v1";
    ad.append(reinterpret_cast<const char*>(h.data()), 16);
    ad.append(reinterpret_cast<const char*>(h.data()) + 88, 24);
    crypto_aead_xchacha20poly1305_ietf_encrypt(h.data() + 40, nullptr, data_key, 32,
                                               reinterpret_cast<const unsigned char*>(ad.data()),
                                               ad.size(), nullptr, h.data() + 16, wrap_key->data());
    return h;
  }
  // The associated data that binds a final chunk to `id`.
  static std::string id_ad(const BlobId& id) {
    std::string ad = "custos blob id v1";
    ad.append(reinterpret_cast<const char*>(id.digest.data()), id.digest.size());
    return ad;
  }

  fs::path root_;
  std::optional<crypto::MasterKey> master_;
  FileBlobStore* files_ = nullptr;
  std::unique_ptr<EncryptingBlobStore> store_;
};

}  // namespace custos::blob::test_support
