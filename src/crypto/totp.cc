// TOTP with OpenSSL's HMAC-SHA-1 (libsodium has no SHA-1; RFC 6238 authenticators use it).
#include "crypto/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>

#include "crypto/secure_bytes.h"

namespace custos::crypto {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string uri_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string normalize_code(std::string_view code) {
  std::string out;
  for (const char c : code) {
    if (c == '-' || c == ' ') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

std::string base32_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const auto b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::optional<std::vector<std::uint8_t>> base32_decode(std::string_view text) {
  std::vector<std::uint8_t> out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == ' ' || c == '=' || c == '-') continue;
    const auto pos = kAlphabet.find(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    if (pos == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(pos);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>((buffer >> (bits - 8)) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

std::string generate_totp_secret() {
  (void)ensure_sodium();
  std::array<std::byte, kTotpSecretBytes> raw{};
  random_bytes(raw);
  std::array<std::uint8_t, kTotpSecretBytes> u{};
  for (std::size_t i = 0; i < raw.size(); ++i) u[i] = std::to_integer<std::uint8_t>(raw[i]);
  return base32_encode(u);
}

std::string hotp(std::span<const std::uint8_t> key, std::uint64_t counter, int digits) {
  std::array<unsigned char, 8> msg{};
  for (int i = 7; i >= 0; --i) {
    msg[static_cast<std::size_t>(i)] = static_cast<unsigned char>(counter & 0xFF);
    counter >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  if (::HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), msg.data(), msg.size(),
             mac.data(), &len) == nullptr || len < 20) {
    return {};
  }
  const unsigned offset = mac[len - 1] & 0x0F;
  const std::uint32_t bin = (static_cast<std::uint32_t>(mac[offset] & 0x7F) << 24) |
                            (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                            (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                            static_cast<std::uint32_t>(mac[offset + 3]);
  std::uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  std::string code = std::to_string(bin % mod);
  return std::string(static_cast<std::size_t>(digits) - code.size(), '0') + code;
}

std::int64_t totp_step(std::chrono::system_clock::time_point t) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return secs < 0 ? 0 : secs / kTotpStepSeconds;
}

std::string totp_code(std::string_view secret_base32, std::chrono::system_clock::time_point t) {
  auto key = base32_decode(secret_base32);
  if (!key || key->empty()) return {};
  return hotp(*key, static_cast<std::uint64_t>(totp_step(t)));
}

std::optional<std::int64_t> totp_match(std::string_view secret_base32, std::string_view code,
                                       std::chrono::system_clock::time_point now,
                                       std::int64_t last_used_step, int window) {
  auto key = base32_decode(secret_base32);
  if (!key || key->empty() || code.size() != static_cast<std::size_t>(kTotpDigits)) {
    return std::nullopt;
  }
  const std::int64_t current = totp_step(now);
  std::optional<std::int64_t> found;
  for (std::int64_t s = current - window; s <= current + window; ++s) {
    if (s < 0 || s <= last_used_step) continue;
    const std::string expected = hotp(*key, static_cast<std::uint64_t>(s));
    if (equal_constant_time(std::as_bytes(std::span(expected.data(), expected.size())),
                            std::as_bytes(std::span(code.data(), code.size())))) {
      if (!found) found = s;
    }
  }
  return found;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account,
                        std::string_view secret_base32) {
  return "otpauth://totp/" + uri_escape(issuer) + ":" + uri_escape(account) +
         "?secret=" + std::string(secret_base32) + "&issuer=" + uri_escape(issuer) +
         "&algorithm=SHA1&digits=6&period=30";
}

std::vector<std::string> generate_recovery_codes(std::size_t n) {
  (void)ensure_sodium();
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::array<std::byte, 10> raw{};
    random_bytes(raw);
    std::array<std::uint8_t, 10> u{};
    for (std::size_t k = 0; k < raw.size(); ++k) u[k] = std::to_integer<std::uint8_t>(raw[k]);
    std::string b = normalize_code(base32_encode(u));  // 16 characters
    out.push_back(b.substr(0, 4) + "-" + b.substr(4, 4) + "-" + b.substr(8, 4) + "-" +
                  b.substr(12, 4));
  }
  return out;
}

std::string recovery_code_hash(std::string_view code) {
  const std::string n = normalize_code(code);
  return to_hex(sha256_of(std::as_bytes(std::span(n.data(), n.size()))));
}

bool looks_like_recovery_code(std::string_view code) { return normalize_code(code).size() == 16; }

}  // namespace custos::crypto
