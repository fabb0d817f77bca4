// Argon2id key derivation from the owner's passphrase (libsodium crypto_pwhash, ALG_ARGON2ID13),
// its parameters, and their calibration to a target time on the machine that creates a vault.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "crypto/secure_bytes.h"

namespace custos::crypto {

inline constexpr std::size_t kSaltBytes = 16;
using Salt = std::array<std::uint8_t, kSaltBytes>;

// Argon2id cost: passes over memory (opslimit) and memory in bytes (memlimit). Stored in
// vault.json beside the salt, so a vault keeps the cost it was created with.
struct KdfParams {
  std::uint64_t opslimit = 0;
  std::size_t memlimit = 0;
  friend bool operator==(const KdfParams&, const KdfParams&) = default;
};

// 96 MiB, 16 passes: about 0.5 s on the reference machine, and within the 150 MB memory
// budget of a command (docs/adr/0004). Used by `init` unless the caller calibrates.
[[nodiscard]] KdfParams default_kdf_params();

// libsodium's minimum (8 KiB, 1 pass): milliseconds. Only for tests; never for a real vault.
[[nodiscard]] KdfParams minimal_kdf_params();

// Limits applied to parameters read from vault.json, which is not trusted: an edited file
// must not make unlocking allocate terabytes or run for hours. Errors: kCorruption.
[[nodiscard]] Status check_kdf_params(const KdfParams& params);

// A new random salt.
[[nodiscard]] Salt random_salt();

// Derives the 256-bit passphrase key. The passphrase is used as the exact UTF-8 bytes given
// (no normalisation, no trimming). Slow by design: takes the time the parameters imply.
// Errors: kCorruption for out-of-range parameters; kInternal when memory runs out.
[[nodiscard]] Result<SecretKey> derive_passphrase_key(std::string_view passphrase, const Salt& salt,
                                                      const KdfParams& params);

struct Calibration {
  KdfParams params;
  std::chrono::milliseconds measured{0};  // CPU time of one derivation with `params`
};

// Picks the number of passes so that one derivation with `memlimit` bytes takes about
// `target` of CPU time here (at least 1 pass, at most 64); `measured` is the CPU time of one
// derivation with the result. Takes about five times `target` to run. Errors: as
// derive_passphrase_key.
[[nodiscard]] Result<Calibration> calibrate_kdf(
    std::chrono::milliseconds target = std::chrono::milliseconds(500),
    std::size_t memlimit = std::size_t{256} << 20);

}  // namespace custos::crypto
