// The AEAD that seals the chunks of one encrypted object, behind one small interface so the
// object format (docs/formats/encryption.md) can name more than one. Internal to the blob
// module: EncryptingBlobStore picks the algorithm for new objects and reads either.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "crypto/keys.h"

namespace custos::blob {

// The algorithm byte of an object header. Values are stored on disk: never renumber.
enum class ChunkAlgorithm : std::uint8_t {
  // libsodium secretstream: portable speed on every CPU.
  kXChaCha20Poly1305 = 1,
  // AES-256-GCM per chunk (OpenSSL): several times faster where the CPU has AES and
  // carry-less multiplication instructions, and slow and not worth it where it has not.
  kAes256Gcm = 2,
};

// AES-256-GCM on a CPU with AES and carry-less multiply instructions (x86-64 AES-NI +
// PCLMULQDQ, ARMv8 AES + PMULL), XChaCha20-Poly1305 everywhere else.
[[nodiscard]] ChunkAlgorithm fastest_chunk_algorithm();

// The algorithm of a header byte, or nothing for an unknown one.
[[nodiscard]] std::optional<ChunkAlgorithm> chunk_algorithm_of(std::uint8_t byte);

// Bytes each chunk adds to its plaintext: secretstream's encrypted tag byte and 16-byte MAC
// (17), or GCM's 16-byte tag (16).
[[nodiscard]] std::size_t chunk_overhead(ChunkAlgorithm algorithm);

// 24 bytes of the object header that belong to the algorithm: secretstream's stream header,
// or for GCM 4 random bytes that prefix every chunk's nonce followed by 20 random bytes.
inline constexpr std::size_t kStreamHeaderBytes = 24;
using StreamHeader = std::array<unsigned char, kStreamHeaderBytes>;
using DataKey = std::array<unsigned char, crypto::kKeyBytes>;

// Seals or opens the chunks of one object, in order. One object, one direction, one thread.
// The chunk that ends the object is sealed `final` with the object's id as associated data;
// opening checks that exactly the last chunk is final, so truncation, reordering and chunks
// moved between objects all fail to authenticate. Key material is wiped on destruction.
class ChunkCipher {
 public:
  virtual ~ChunkCipher() = default;
  ChunkCipher(const ChunkCipher&) = delete;
  ChunkCipher& operator=(const ChunkCipher&) = delete;

  // A new stream under `key`; fills `header`. Nothing on an internal failure.
  [[nodiscard]] static std::unique_ptr<ChunkCipher> for_writing(ChunkAlgorithm algorithm,
                                                               const DataKey& key,
                                                               StreamHeader& header);
  // The stream `header` starts under `key`; nothing when the header is refused.
  [[nodiscard]] static std::unique_ptr<ChunkCipher> for_reading(ChunkAlgorithm algorithm,
                                                               const DataKey& key,
                                                               const StreamHeader& header);

  // `out` is exactly plain.size() + chunk_overhead(). False on an internal failure.
  [[nodiscard]] virtual bool seal(std::span<const std::byte> plain, bool final,
                                  std::span<const unsigned char> ad,
                                  std::span<std::byte> out) = 0;
  // Opens the next chunk into `plain` (at least cipher.size() - overhead bytes) and returns
  // its plaintext size, when it authenticates with `ad` and is final exactly when
  // `expect_final`; nothing otherwise.
  [[nodiscard]] virtual std::optional<std::size_t> open(std::span<const std::byte> cipher,
                                                        bool expect_final,
                                                        std::span<const unsigned char> ad,
                                                        std::span<std::byte> plain) = 0;
  // Forgets the key now (the destructor does it too).
  virtual void wipe() = 0;

 protected:
  ChunkCipher() = default;
};

}  // namespace custos::blob
