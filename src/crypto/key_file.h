// A key file for unattended servers: 256 random bits in a 0600 file that unlocks the vault
// instead of a typed passphrase. Full entropy, so no slow key derivation is needed.
#pragma once

#include <filesystem>

#include "base/error.h"
#include "crypto/secure_bytes.h"

namespace custos::crypto {

// The secret read from (or written to) a key file. Move-only.
class KeyFileSecret {
 public:
  [[nodiscard]] const SecretKey& secret() const { return key_; }

 private:
  friend Result<KeyFileSecret> create_key_file(const std::filesystem::path& path);
  friend Result<KeyFileSecret> read_key_file(const std::filesystem::path& path);
  explicit KeyFileSecret(SecretKey key) : key_(std::move(key)) {}
  SecretKey key_;
};

// Writes a new key file: "custos-key-file-v1\n" then the secret in base64 and "\n", mode
// 0600, created exclusively (never overwrites), fsynced with its directory.
// Errors: kIoError when the file exists; as posix_file.h for other I/O failures.
[[nodiscard]] Result<KeyFileSecret> create_key_file(const std::filesystem::path& path);

// Reads a key file. Refuses a file that group or others may read (as ssh does with private
// keys): kPermissionDenied. kInvalidArgument when the file is not a custos key file;
// kNotFound / kIoError as posix_file.h.
[[nodiscard]] Result<KeyFileSecret> read_key_file(const std::filesystem::path& path);

}  // namespace custos::crypto
