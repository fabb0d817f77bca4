// A BlobStore decorator that encrypts every object at rest with its own data key, in
// authenticated chunks (format: docs/formats/encryption.md; why: docs/adr/0004).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "blob/blob_store.h"
#include "blob/chunk_cipher.h"
#include "crypto/keys.h"

namespace custos::blob {

struct EncryptingBlobStoreOptions {
  // Plaintext bytes per chunk, recorded in each object's header so that a later change
  // does not affect reading. Between kMinChunkBytes and kMaxChunkBytes.
  std::size_t chunk_bytes = std::size_t{64} << 10;
  // The chunk AEAD of new objects, also recorded in each header; objects of either
  // algorithm are read. Default: the fastest on this CPU (docs/adr/0012).
  ChunkAlgorithm algorithm = fastest_chunk_algorithm();
};

inline constexpr std::size_t kMinChunkBytes = std::size_t{1} << 10;
inline constexpr std::size_t kMaxChunkBytes = std::size_t{16} << 20;
// Header of every encrypted object. Each chunk adds chunk_overhead(algorithm) bytes.
inline constexpr std::size_t kEncryptedHeaderBytes = 112;

// Stored size of an object of `plaintext_size` bytes: the header plus one overhead per chunk
// (an empty object still has one, empty, final chunk).
[[nodiscard]] std::uint64_t encrypted_size(std::uint64_t plaintext_size, std::size_t chunk_bytes,
                                           ChunkAlgorithm algorithm);

// Thread-safe like every BlobStore: the key is read-only after open(); each writer and
// reader it hands out is used by one thread at a time.
//
// Writers stream: memory per writer is one chunk of plaintext and about 1 MiB of sealed
// chunks (written to the inner store in batches) while writing and at most one
// chunk (the held-back tail) between finish() and publish(). The final chunk is encrypted
// at publish(), when the object's id is known, and carries the id as associated data.
// Readers hold one chunk of plaintext and one of ciphertext and return bytes only from
// chunks that have been authenticated. Any authentication failure, truncation or trailing
// data is kCorruption: "stored object <id> failed authentication: damaged or tampered".
class EncryptingBlobStore final : public BlobStore {
 public:
  // Owns `inner`. Keeps only the blob-wrapping sub-key derived from `master`
  // (crypto::SubkeyPurpose::kBlobKeyWrap), not the master key itself.
  // Errors: kInvalidArgument for a chunk size out of range; kInternal.
  [[nodiscard]] static Result<std::unique_ptr<EncryptingBlobStore>> open(
      std::unique_ptr<BlobStore> inner, const crypto::MasterKey& master,
      const EncryptingBlobStoreOptions& options = {});

  Result<std::unique_ptr<BlobWriter>> create() override;
  // Seals each writer (final chunk bound to its id, inner writer finished) and hands the
  // inner writers to the inner store's publish(); results keep the batch's order.
  std::vector<Status> publish(std::span<const Publication> batch) override;
  // BlobReader::size() is the plaintext size, computed from the stored size and the chunk
  // size in the header; it is authenticated only when the final chunk has been read.
  Result<std::unique_ptr<BlobReader>> open(const BlobId& id) override;
  Result<bool> contains(const BlobId& id) override;
  Status remove(const BlobId& id) override;
  // Passes the inner store's stored (encrypted) sizes: listing does not open objects.
  Status for_each(const std::function<Status(const BlobId&, std::uint64_t)>& fn) override;

 private:
  EncryptingBlobStore(std::unique_ptr<BlobStore> inner, crypto::SecretKey wrap_key,
                      std::size_t chunk_bytes, ChunkAlgorithm algorithm)
      : inner_(std::move(inner)),
        wrap_key_(std::move(wrap_key)),
        chunk_bytes_(chunk_bytes),
        algorithm_(algorithm) {}

  std::unique_ptr<BlobStore> inner_;
  const crypto::SecretKey wrap_key_;
  const std::size_t chunk_bytes_;
  const ChunkAlgorithm algorithm_;
};

}  // namespace custos::blob
