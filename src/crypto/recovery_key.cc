// Crockford base32 with a BLAKE2b checksum for the recovery key. Intermediate copies of the
// key bits are wiped after use; only the text given to the owner leaves this file.
#include "crypto/recovery_key.h"

#include <sodium.h>

#include <array>
#include <cstring>
#include <string>

namespace custos::crypto {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kChecksumBytes = 3;
constexpr std::size_t kPayloadBytes = kKeyBytes + kChecksumBytes;  // 35 bytes = 280 bits
constexpr std::size_t kChars = kPayloadBytes * 8 / 5;              // 56
constexpr std::size_t kGroup = 7;
static_assert(kPayloadBytes * 8 % 5 == 0);
static_assert(kChars % kGroup == 0);

// Domain-separated so the checksum is not a hash anything else computes of the same key.
void checksum(const unsigned char* key, unsigned char out[kChecksumBytes]) {
  static constexpr char kDomain[] = "custos recovery key checksum v1";
  std::array<unsigned char, crypto_generichash_BYTES_MIN> digest{};
  crypto_generichash_state st;
  ::crypto_generichash_init(&st, nullptr, 0, digest.size());
  ::crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(kDomain),
                              sizeof kDomain - 1);
  ::crypto_generichash_update(&st, key, kKeyBytes);
  ::crypto_generichash_final(&st, digest.data(), digest.size());
  std::memcpy(out, digest.data(), kChecksumBytes);
  ::sodium_memzero(&st, sizeof st);
}

// The 5-bit value of a typed character, or -1.
int decode_char(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (c == 'O') c = '0';
  if (c == 'I' || c == 'L') c = '1';
  for (int v = 0; v < 32; ++v) {
    if (kAlphabet[v] == c) return v;
  }
  return -1;
}

}  // namespace

std::string RecoveryKey::text() const {
  unsigned char payload[kPayloadBytes];
  std::memcpy(payload, key_.data(), kKeyBytes);
  checksum(key_.data(), payload + kKeyBytes);
  std::string out;
  out.reserve(kChars + kChars / kGroup);
  // Big-endian bit stream, 5 bits per character.
  for (std::size_t i = 0; i < kChars; ++i) {
    unsigned v = 0;
    for (std::size_t b = 0; b < 5; ++b) {
      const std::size_t bit = i * 5 + b;
      v = (v << 1) | ((payload[bit / 8] >> (7 - bit % 8)) & 1u);
    }
    if (i > 0 && i % kGroup == 0) out.push_back('-');
    out.push_back(kAlphabet[v]);
  }
  ::sodium_memzero(payload, sizeof payload);
  return out;
}

Result<RecoveryKey> generate_recovery_key() {
  auto key = SecretKey::random();
  if (!key) return fail(key.error());
  return RecoveryKey(std::move(*key));
}

Result<RecoveryKey> parse_recovery_key(std::string_view text) {
  if (auto s = ensure_sodium(); !s) return fail(s.error());
  auto payload = SecureBytes::allocate(kPayloadBytes);
  if (!payload) return fail(payload.error());
  std::size_t n = 0;
  for (const char c : text) {
    if (c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    const int v = decode_char(c);
    if (v < 0) {
      return fail(ErrorCode::kInvalidArgument,
                  "the recovery key contains a character that cannot be in a recovery key");
    }
    if (n < kChars) {
      for (int b = 4; b >= 0; --b) {
        const std::size_t bit = n * 5 + static_cast<std::size_t>(4 - b);
        if ((v >> b) & 1)
          payload->data()[bit / 8] |= static_cast<unsigned char>(0x80u >> (bit % 8));
      }
    }
    ++n;
  }
  if (n != kChars) {
    return fail(ErrorCode::kInvalidArgument, "a recovery key has " + std::to_string(kChars) +
                                                 " characters (8 groups of 7); " +
                                                 std::to_string(n) + " were given");
  }
  unsigned char expected[kChecksumBytes];
  checksum(payload->data(), expected);
  if (::sodium_memcmp(expected, payload->data() + kKeyBytes, kChecksumBytes) != 0) {
    return fail(ErrorCode::kInvalidArgument,
                "the recovery key has a typo (its checksum does not match); check each group");
  }
  auto key = SecretKey::copy_of(payload->bytes().first(kKeyBytes));
  if (!key) return fail(key.error());
  return RecoveryKey(std::move(*key));
}

}  // namespace custos::crypto
