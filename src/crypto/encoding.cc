// Base64 through libsodium (constant-time, no table lookups indexed by secrets).
#include "crypto/encoding.h"

#include <sodium.h>

namespace custos::crypto {

std::string to_base64(std::span<const std::byte> bytes) {
  (void)ensure_sodium();
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  ::sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size(), kVariant);
  out.resize(out.size() - 1);  // the encoder writes a terminating NUL
  return out;
}

bool from_base64(std::string_view text, std::span<std::byte> out) {
  (void)ensure_sodium();
  std::size_t len = 0;
  const char* end = nullptr;
  const int rc =
      ::sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                          text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL);
  return rc == 0 && len == out.size() && end == text.data() + text.size();
}

std::string to_base64url(std::span<const std::byte> bytes) {
  (void)ensure_sodium();
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  ::sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size(), kVariant);
  out.resize(out.size() - 1);
  return out;
}

bool from_base64url(std::string_view text, std::span<std::byte> out) {
  (void)ensure_sodium();
  std::size_t len = 0;
  const char* end = nullptr;
  const int rc = ::sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                                     text.data(), text.size(), nullptr, &len, &end,
                                     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return rc == 0 && len == out.size() && end == text.data() + text.size();
}

}  // namespace custos::crypto
