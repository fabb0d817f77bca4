#include "crypto/api_token.h"

#include <array>
#include <cstddef>

#include "crypto/encoding.h"
#include "crypto/secure_bytes.h"

namespace custos::crypto {
namespace {
constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kEncodedLength = 43;  // unpadded base64url of 32 bytes
}  // namespace

Result<ApiTokenSecret> generate_api_token() {
  if (auto s = ensure_sodium(); !s) return fail(s.error());
  std::array<std::byte, kTokenBytes> raw{};
  random_bytes(raw);
  ApiTokenSecret t;
  t.text = std::string(kApiTokenPrefix) + to_base64url(raw);
  t.sha256 = sha256_of(std::as_bytes(std::span(t.text.data(), t.text.size())));
  return t;
}

Result<Digest> api_token_hash(std::string_view text) {
  std::array<std::byte, kTokenBytes> raw{};
  if (text.size() != kApiTokenPrefix.size() + kEncodedLength || !text.starts_with(kApiTokenPrefix) ||
      !from_base64url(text.substr(kApiTokenPrefix.size()), raw)) {
    return fail(ErrorCode::kUnauthenticated, "not a custos API token");
  }
  return sha256_of(std::as_bytes(std::span(text.data(), text.size())));
}

std::string random_id_256() {
  (void)ensure_sodium();
  std::array<std::byte, 32> raw{};
  random_bytes(raw);
  return to_base64url(raw);
}

}  // namespace custos::crypto
