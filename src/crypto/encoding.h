// Text encodings of binary key material (base64 for vault.json), done
// with libsodium's constant-time codecs so that secrets do not leak through timing.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "crypto/secure_bytes.h"

namespace custos::crypto {

// Standard base64 with padding ("+/="). For public values (nonces, salts, ciphertext).
[[nodiscard]] std::string to_base64(std::span<const std::byte> bytes);

// Decodes standard base64 that must decode to exactly out.size() bytes; false otherwise
// (bad characters, wrong length, trailing garbage). `out` is unspecified on failure.
[[nodiscard]] bool from_base64(std::string_view text, std::span<std::byte> out);

// URL-safe base64 without padding ("-_"), for bearer tokens and session ids.
[[nodiscard]] std::string to_base64url(std::span<const std::byte> bytes);
// Decodes unpadded base64url that must decode to exactly out.size() bytes.
[[nodiscard]] bool from_base64url(std::string_view text, std::span<std::byte> out);

}  // namespace custos::crypto
