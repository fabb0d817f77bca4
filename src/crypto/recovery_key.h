// The printable recovery key: 256 random bits the owner writes down at `init`, which can
// unlock the vault when the passphrase is forgotten. Shown as 8 groups of 7 characters.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "crypto/secure_bytes.h"

namespace custos::crypto {

// Text form: the 32 key bytes followed by a 3-byte checksum (BLAKE2b of the key), 280 bits,
// in Crockford's base32 (digits and capitals without I, L, O, U): 56 characters shown as
// "XXXXXXX-XXXXXXX-...". The checksum catches a mistyped key before any unlock is tried.
// Move-only; not thread-safe for concurrent moves.
class RecoveryKey {
 public:
  [[nodiscard]] const SecretKey& secret() const { return key_; }
  // The 8 groups joined by '-'. The caller shows it once to the owner; it must not be
  // logged or stored.
  [[nodiscard]] std::string text() const;

 private:
  friend Result<RecoveryKey> generate_recovery_key();
  friend Result<RecoveryKey> parse_recovery_key(std::string_view text);
  explicit RecoveryKey(SecretKey key) : key_(std::move(key)) {}
  SecretKey key_;
};

// A new recovery key from the CSPRNG. Errors: kInternal (no protected memory).
[[nodiscard]] Result<RecoveryKey> generate_recovery_key();

// Parses what the owner typed: case-insensitive; spaces, tabs and '-' anywhere are ignored;
// O reads as 0 and I, L as 1 (the usual misreadings). Errors: kInvalidArgument naming the
// problem (wrong length, a character that cannot be in a recovery key, or a typo caught by
// the checksum) without echoing the key.
[[nodiscard]] Result<RecoveryKey> parse_recovery_key(std::string_view text);

}  // namespace custos::crypto
