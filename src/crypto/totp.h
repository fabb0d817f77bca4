// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP, HMAC-SHA-1, 6 digits, 30 s
// steps) and the single-use recovery codes that stand in for a lost authenticator.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/sha256.h"

namespace custos::crypto {

inline constexpr std::size_t kTotpSecretBytes = 20;  // 160 bits (RFC 4226 recommends)
inline constexpr int kTotpDigits = 6;
inline constexpr std::int64_t kTotpStepSeconds = 30;
inline constexpr std::size_t kRecoveryCodeCount = 10;

// RFC 4648 base32, upper case, no padding (what authenticator apps expect).
[[nodiscard]] std::string base32_encode(std::span<const std::uint8_t> bytes);
// Case-insensitive, spaces and padding ignored. nullopt on a bad character.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base32_decode(std::string_view text);

// 160 random bits, base32.
[[nodiscard]] std::string generate_totp_secret();

// RFC 4226 HOTP value (`digits` digits, zero-padded) for `counter`.
[[nodiscard]] std::string hotp(std::span<const std::uint8_t> key, std::uint64_t counter,
                               int digits = kTotpDigits);
// The time step of `t` (Unix seconds / 30).
[[nodiscard]] std::int64_t totp_step(std::chrono::system_clock::time_point t);
// The code for time `t`. Empty when the secret is not base32.
[[nodiscard]] std::string totp_code(std::string_view secret_base32,
                                    std::chrono::system_clock::time_point t);
// The step whose code equals `code` among the steps now-window..now+window that are later
// than `last_used_step` (so a code is accepted once), compared in constant time; nullopt
// when none matches.
[[nodiscard]] std::optional<std::int64_t> totp_match(std::string_view secret_base32,
                                                     std::string_view code,
                                                     std::chrono::system_clock::time_point now,
                                                     std::int64_t last_used_step, int window = 1);
// otpauth://totp/<issuer>:<account>?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
[[nodiscard]] std::string otpauth_uri(std::string_view issuer, std::string_view account,
                                      std::string_view secret_base32);

// Ten codes of 80 random bits, shown as "abcd-efgh-ijkl-mnop" (base32, lower case).
[[nodiscard]] std::vector<std::string> generate_recovery_codes(std::size_t n = kRecoveryCodeCount);
// SHA-256 (hex) of the code with case, spaces and dashes removed: what the index keeps. The
// codes carry 80 random bits, so a fast hash is enough (no dictionary to try).
[[nodiscard]] std::string recovery_code_hash(std::string_view code);
// Whether `code` looks like a recovery code rather than a 6-digit TOTP code.
[[nodiscard]] bool looks_like_recovery_code(std::string_view code);

}  // namespace custos::crypto
