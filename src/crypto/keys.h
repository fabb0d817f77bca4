// Envelope keys: one random master key per vault, wrapped under the passphrase, the recovery
// key and a key file in vault.json, so a new passphrase re-wraps it and re-encrypts nothing.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "crypto/kdf.h"
#include "crypto/key_file.h"
#include "crypto/recovery_key.h"
#include "crypto/secure_bytes.h"

namespace custos::crypto {

// The vault master key. Never stored in plaintext; only sub-keys derived from it are
// handed to the stores. Move-only.
class MasterKey {
 public:
  explicit MasterKey(SecretKey key) : key_(std::move(key)) {}
  [[nodiscard]] const SecretKey& key() const { return key_; }

 private:
  SecretKey key_;
};

// A new random master key. Errors: kInternal (no protected memory).
[[nodiscard]] Result<MasterKey> generate_master_key();

// The master key encrypted with XChaCha20-Poly1305 (IETF AEAD) under a wrapping key.
struct WrappedKey {
  std::array<std::uint8_t, 24> nonce{};       // random per wrapping
  std::array<std::uint8_t, 48> ciphertext{};  // 32-byte key + 16-byte tag
};

struct PassphraseSlot {
  KdfParams kdf;
  Salt salt{};
  WrappedKey wrapped;
};

// Everything vault.json holds about keys (its "encryption" object). Public data only: a
// reader of it learns the KDF cost and nothing that helps to guess a secret.
struct KeyBlock {
  std::array<std::uint8_t, 16> master_key_check{};  // keyed BLAKE2b of a constant
  std::optional<PassphraseSlot> passphrase;
  std::optional<WrappedKey> recovery;
  std::optional<WrappedKey> key_file;
};

// The JSON object text (docs/formats/encryption.md), for vault.json's "encryption" member.
[[nodiscard]] std::string key_block_json(const KeyBlock& block);
// Errors: kCorruption when the text is not a valid key block (or its KDF parameters are out
// of range); kUnsupported for an unknown scheme.
[[nodiscard]] Result<KeyBlock> parse_key_block(std::string_view json_text);

// A new master key with a passphrase slot and a recovery slot, for `init`. The recovery
// key's text() is shown to the owner once.
struct NewVaultKeys {
  MasterKey master;
  KeyBlock block;
  RecoveryKey recovery;
};
// Errors: kInvalidArgument for an empty passphrase; kInternal.
[[nodiscard]] Result<NewVaultKeys> create_vault_keys(std::string_view passphrase,
                                                     const KdfParams& params);

// Add or replace one slot of `block` (a new random salt and nonce every time). The block
// must belong to `master` (its master_key_check matches), or kInvalidArgument; a block with
// no slot yet adopts `master`. set_passphrase: kInvalidArgument for an empty passphrase.
[[nodiscard]] Status set_passphrase(KeyBlock& block, const MasterKey& master,
                                    std::string_view passphrase, const KdfParams& params);
[[nodiscard]] Status set_recovery_key(KeyBlock& block, const MasterKey& master,
                                      const RecoveryKey& recovery);
[[nodiscard]] Status set_key_file(KeyBlock& block, const MasterKey& master,
                                  const KeyFileSecret& key_file);

// Unwrap the master key. A wrong secret fails with kUnauthenticated ("wrong passphrase",
// "wrong recovery key", "wrong key file") and nothing else; kNotFound when the vault has no
// such slot; kCorruption when the block is inconsistent. The passphrase variant takes the
// Argon2id time of the block's parameters, whether the passphrase is right or not.
[[nodiscard]] Result<MasterKey> unlock_with_passphrase(const KeyBlock& block,
                                                       std::string_view passphrase);
[[nodiscard]] Result<MasterKey> unlock_with_recovery_key(const KeyBlock& block,
                                                         const RecoveryKey& recovery);
[[nodiscard]] Result<MasterKey> unlock_with_key_file(const KeyBlock& block,
                                                     const KeyFileSecret& key_file);

// The block with a new passphrase slot (new salt, `params`) and every other slot unchanged:
// the master key, and so every stored object, stays as it is (restic's `key passwd`).
// `master` comes from an unlock of this block (by old passphrase or recovery key).
[[nodiscard]] Result<KeyBlock> rewrap_passphrase(const KeyBlock& block, const MasterKey& master,
                                                 std::string_view new_passphrase,
                                                 const KdfParams& params);

// Separate keys for separate uses, so that one use cannot be turned against another
// (crypto_kdf_derive_from_key, BLAKE2b). Numbers and contexts are part of the format.
enum class SubkeyPurpose : std::uint64_t {
  kBlobKeyWrap = 1,       // wraps the per-object data keys of EncryptingBlobStore
  kIndex = 2,             // SQLCipher raw key of index.db
  kAuditLog = 3,          // encryption of the audit log
  kAuditSigningSeed = 4,  // Ed25519 seed (crypto_sign_seed_keypair) for audit checkpoints
};
[[nodiscard]] Result<SecretKey> derive_subkey(const MasterKey& master, SubkeyPurpose purpose);
// The general form: `context` must be exactly 8 characters. Errors: kInvalidArgument.
[[nodiscard]] Result<SecretKey> derive_subkey(const MasterKey& master, std::uint64_t subkey_id,
                                              std::string_view context);

// SQLCipher's raw-key form of a key, x'<64 hex digits>' (67 bytes, no NUL), in protected
// memory: pass data()/size() to sqlite3_key(), or quote it for PRAGMA key = "x'...'".
[[nodiscard]] Result<SecureBytes> sqlcipher_raw_key(const SecretKey& index_key);

}  // namespace custos::crypto
