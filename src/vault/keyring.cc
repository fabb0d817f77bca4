#include "vault/keyring.h"

namespace custos::vault {

Result<VaultKeys> unlock_keys(const Descriptor& descriptor, const Unlock& unlock) {
  auto block = crypto::parse_key_block(descriptor.key_block);
  if (!block) return fail(block.error());
  Result<crypto::MasterKey> master = fail(ErrorCode::kInvalidArgument,
                                          "the vault is encrypted: give its passphrase "
                                          "(CUSTOS_PASSPHRASE, --passphrase-file or the prompt)");
  if (unlock.key_file) {
    auto secret = crypto::read_key_file(*unlock.key_file);
    if (!secret) return fail(secret.error());
    master = crypto::unlock_with_key_file(*block, *secret);
  } else if (unlock.recovery_key) {
    auto key = crypto::parse_recovery_key(*unlock.recovery_key);
    if (!key) return fail(key.error());
    master = crypto::unlock_with_recovery_key(*block, *key);
  } else if (unlock.passphrase) {
    master = crypto::unlock_with_passphrase(*block, *unlock.passphrase);
  }
  if (!master) return fail(master.error());
  return VaultKeys{std::move(*master), std::move(*block)};
}

}  // namespace custos::vault
