// Argon2id password hashing through crypto_pwhash_str (libsodium).
#include "crypto/password.h"

#include <sodium.h>

#include "crypto/secure_bytes.h"

namespace custos::crypto {

PasswordHashParams default_password_params() { return {3, 128ull << 20}; }

PasswordHashParams weakest_password_params() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

Status check_password_policy(std::string_view password) {
  if (password.empty()) return fail(ErrorCode::kInvalidArgument, "the password is empty");
  if (password.size() > kMaxPasswordLength) {
    return fail(ErrorCode::kInvalidArgument,
                "the password is longer than " + std::to_string(kMaxPasswordLength) + " bytes");
  }
  std::size_t code_points = 0;
  for (const char c : password) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++code_points;
  }
  if (code_points < kMinPasswordLength) {
    return fail(ErrorCode::kInvalidArgument, "the password is too short (at least " +
                                                 std::to_string(kMinPasswordLength) +
                                                 " characters)");
  }
  return {};
}

Result<std::string> hash_password(std::string_view password, const PasswordHashParams& params) {
  if (auto s = check_password_policy(password); !s) return fail(s.error());
  if (auto s = ensure_sodium(); !s) return fail(s.error());
  char out[crypto_pwhash_STRBYTES] = {};
  if (::crypto_pwhash_str_alg(out, password.data(), password.size(), params.opslimit,
                              params.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return fail(ErrorCode::kInternal, "cannot hash the password (out of memory)");
  }
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  if (!ensure_sodium() || hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string h(hash);  // NUL-terminated copy
  return ::crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

bool password_needs_rehash(std::string_view hash, const PasswordHashParams& params) {
  if (!ensure_sodium() || hash.size() >= crypto_pwhash_STRBYTES) return true;
  const std::string h(hash);
  return ::crypto_pwhash_str_needs_rehash(h.c_str(), params.opslimit, params.memlimit) != 0;
}

}  // namespace custos::crypto
