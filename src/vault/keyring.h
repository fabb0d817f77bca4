// Unlocking an encrypted vault and deriving the keys each store uses from its master key.
// Why one place: the passphrase, recovery key and key file paths all end in the same
// master key, and every store must get a separate sub-key (docs/adr/0004).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "base/error.h"
#include "crypto/keys.h"
#include "vault/layout.h"

namespace custos::vault {

// The secret the caller has. Exactly one is used, in this order: key file, recovery key,
// passphrase. All may be empty for an unencrypted vault.
struct Unlock {
  std::optional<std::string> passphrase;
  std::optional<std::string> recovery_key;
  std::optional<std::filesystem::path> key_file;
};

struct VaultKeys {
  crypto::MasterKey master;
  crypto::KeyBlock block;
};

// Errors: kUnauthenticated for a wrong secret ("wrong passphrase"), kInvalidArgument when
// the vault is encrypted and no secret was given, kCorruption for a damaged key block.
[[nodiscard]] Result<VaultKeys> unlock_keys(const Descriptor& descriptor, const Unlock& unlock);

}  // namespace custos::vault
