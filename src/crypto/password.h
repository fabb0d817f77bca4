// Account passwords: Argon2id hashes in libsodium's self-describing string form
// ("$argon2id$v=19$m=...,t=...,p=1$salt$hash"), so parameters can rise later and old
// hashes still verify (and are re-hashed at the next successful login).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/error.h"

namespace custos::crypto {

inline constexpr std::size_t kMinPasswordLength = 10;
inline constexpr std::size_t kMaxPasswordLength = 1024;

struct PasswordHashParams {
  unsigned long long opslimit = 0;
  std::size_t memlimit = 0;
};

// Between libsodium's "interactive" and "moderate" limits: 3 passes over 128 MiB
// (docs/adr/0007-identity-and-access.md has the measured time).
[[nodiscard]] PasswordHashParams default_password_params();
// The smallest limits libsodium accepts: for tests only, never for stored accounts.
[[nodiscard]] PasswordHashParams weakest_password_params();

// Errors: kInvalidArgument when the password is empty, shorter than kMinPasswordLength
// characters (code points) or longer than kMaxPasswordLength bytes. The message never
// repeats the password.
[[nodiscard]] Status check_password_policy(std::string_view password);

// Argon2id with a fresh random salt. Errors: kInvalidArgument (policy), kInternal (out of
// memory). Thread-safe.
[[nodiscard]] Result<std::string> hash_password(std::string_view password,
                                                const PasswordHashParams& params);
// True when `password` matches `hash` (constant time inside libsodium). A malformed hash is
// simply a mismatch.
[[nodiscard]] bool verify_password(std::string_view hash, std::string_view password);
// True when `hash` was made with other parameters than `params` (re-hash after login).
[[nodiscard]] bool password_needs_rehash(std::string_view hash, const PasswordHashParams& params);

}  // namespace custos::crypto
