// Signed checkpoints: an Ed25519 signature over {chain id, sequence, hash, time}. The
// owner exports one and keeps it elsewhere; whoever later rewrites the log cannot make it
// agree with that checkpoint without the signing key, which the vault derives from its
// master key.
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
#include "base/sha256.h"

namespace custos::audit {

using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

struct Checkpoint {
  Digest chain_id{};
  std::uint64_t seq = 0;  // 0: the empty log (hash is then the chain id)
  Digest hash{};          // hash of entry `seq`
  std::string time;       // when the checkpoint was signed, UTC with milliseconds
  PublicKey public_key{};
  Signature signature{};
};

// Holds an Ed25519 secret key (wiped on destruction). Immutable: thread-safe.
class CheckpointSigner {
 public:
  // crypto_sign_seed_keypair: the same 32-byte seed always gives the same key, so the vault
  // derives the seed from its master key and never stores the signing key. Errors:
  // kInternal when libsodium cannot start.
  [[nodiscard]] static Result<std::unique_ptr<CheckpointSigner>> from_seed(
      std::span<const std::byte, 32> seed);
  ~CheckpointSigner();
  CheckpointSigner(const CheckpointSigner&) = delete;
  CheckpointSigner& operator=(const CheckpointSigner&) = delete;

  [[nodiscard]] const PublicKey& public_key() const { return public_key_; }
  [[nodiscard]] Checkpoint sign(const Digest& chain_id, std::uint64_t seq, const Digest& hash,
                                std::string time) const;

 private:
  CheckpointSigner() = default;
  PublicKey public_key_{};
  std::array<unsigned char, 64> secret_key_{};
};

// The document the owner keeps: one line of canonical JSON (sorted keys, compact).
// {"chain":hex,"format":"custos-audit-checkpoint","hash":hex,"public_key":hex,"seq":n,
//  "signature":hex,"time":"...","v":1}
[[nodiscard]] std::string checkpoint_json(const Checkpoint& checkpoint);
// Errors: kCorruption when the text is not a checkpoint document.
[[nodiscard]] Result<Checkpoint> parse_checkpoint(std::string_view text);
// The bytes the signature covers: the document without public_key and signature.
[[nodiscard]] std::string checkpoint_signed_bytes(const Checkpoint& checkpoint);

// Checks the signature under the checkpoint's own key, then (when `trusted` is given) that
// this key is the vault's: a checkpoint signed by anyone else proves nothing.
// Errors: kUnauthenticated with a message saying which check failed.
[[nodiscard]] Status verify_checkpoint(const Checkpoint& checkpoint,
                                       const std::optional<PublicKey>& trusted);

[[nodiscard]] std::string hex_of(std::span<const std::uint8_t> bytes);

}  // namespace custos::audit
