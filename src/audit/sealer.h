// How one audit line is protected at rest. The hash chain covers the plaintext; a sealer
// only turns it into the stored line and back, so an encrypted vault seals every line
// (XChaCha20-Poly1305) and an unencrypted one stores the canonical JSON as it is.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"

namespace custos::audit {

struct OpenedLine {
  std::optional<std::uint64_t> seq;  // the sequence number the line was sealed for, if known
  std::string plaintext;             // canonical entry JSON
};

// Implementations are immutable after construction: thread-safe.
class EntrySealer {
 public:
  virtual ~EntrySealer() = default;
  // "none" or "xchacha20poly1305"; recorded in audit/chain.json.
  [[nodiscard]] virtual std::string_view scheme() const = 0;
  // One stored line (without '\n') for entry `seq`. Errors: kInternal.
  [[nodiscard]] virtual Result<std::string> seal(std::uint64_t seq,
                                                 std::string_view plaintext) const = 0;
  // Errors: kCorruption when the line is not of this scheme; kUnauthenticated when
  // authentication fails (wrong key, or the line was altered or moved).
  [[nodiscard]] virtual Result<OpenedLine> open(std::string_view line) const = 0;
};

// Identity: the line is the canonical JSON.
class PlainSealer final : public EntrySealer {
 public:
  [[nodiscard]] std::string_view scheme() const override { return "none"; }
  [[nodiscard]] Result<std::string> seal(std::uint64_t seq,
                                         std::string_view plaintext) const override;
  [[nodiscard]] Result<OpenedLine> open(std::string_view line) const override;
};

// crypto_aead_xchacha20poly1305_ietf per line: a random 24-byte nonce, the 8-byte
// big-endian sequence number as associated data (a line moved to another position fails
// to open). Line: "x1:<seq>:<base64(nonce || ciphertext || tag)>"; the sequence number is
// in the clear so a missing line is reported as such rather than as a decryption failure.
class AeadSealer final : public EntrySealer {
 public:
  // `key` is copied into locked memory and wiped on destruction. Errors: kInternal when
  // libsodium cannot start.
  [[nodiscard]] static Result<std::unique_ptr<AeadSealer>> create(
      std::span<const std::byte, 32> key);
  ~AeadSealer() override;
  AeadSealer(const AeadSealer&) = delete;
  AeadSealer& operator=(const AeadSealer&) = delete;

  [[nodiscard]] std::string_view scheme() const override { return "xchacha20poly1305"; }
  [[nodiscard]] Result<std::string> seal(std::uint64_t seq,
                                         std::string_view plaintext) const override;
  [[nodiscard]] Result<OpenedLine> open(std::string_view line) const override;

 private:
  AeadSealer() = default;
  std::array<unsigned char, 32> key_{};
};

// Standard base64 with padding (libsodium's ORIGINAL variant), shared with the XML export.
[[nodiscard]] std::string base64_encode(std::span<const std::byte> bytes);
// Errors: kCorruption when the text is not base64.
[[nodiscard]] Result<std::string> base64_decode(std::string_view text);

// Initialises libsodium once per process. Errors: kInternal.
[[nodiscard]] Status ensure_sodium();

}  // namespace custos::audit
