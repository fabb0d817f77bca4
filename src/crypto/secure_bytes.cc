// libsodium initialisation and the secret buffer type.
#include "crypto/secure_bytes.h"

#include <sodium.h>

#include <cstring>
#include <mutex>
#include <string>

namespace custos::crypto {

Status ensure_sodium() {
  static std::once_flag once;
  static int result = -1;
  std::call_once(once, [] { result = ::sodium_init(); });
  // 0: initialised now, 1: already initialised (by another library in the process).
  if (result < 0) return fail(ErrorCode::kInternal, "libsodium failed to initialise");
  return {};
}

void SecureBytes::Free::operator()(unsigned char* p) const { ::sodium_free(p); }

Result<SecureBytes> SecureBytes::allocate(std::size_t size) {
  if (auto s = ensure_sodium(); !s) return fail(s.error());
  SecureBytes out;
  if (size == 0) return out;
  // sodium_malloc locks the pages when RLIMIT_MEMLOCK allows and carries on unlocked
  // otherwise; guard pages and zeroing on free still apply.
  auto* p = static_cast<unsigned char*>(::sodium_malloc(size));
  if (p == nullptr) return fail(ErrorCode::kInternal, "cannot allocate protected memory for a key");
  std::memset(p, 0, size);
  out.ptr_.reset(p);
  out.size_ = size;
  return out;
}

Result<SecureBytes> SecureBytes::copy_of(std::span<const std::byte> bytes) {
  auto out = allocate(bytes.size());
  if (!out) return out;
  if (!bytes.empty()) std::memcpy(out->data(), bytes.data(), bytes.size());
  return out;
}

Result<SecretKey> SecretKey::zeroed() {
  auto bytes = SecureBytes::allocate(kKeyBytes);
  if (!bytes) return fail(bytes.error());
  return SecretKey(std::move(*bytes));
}

Result<SecretKey> SecretKey::random() {
  auto key = zeroed();
  if (!key) return key;
  ::randombytes_buf(key->data(), kKeyBytes);
  return key;
}

Result<SecretKey> SecretKey::copy_of(std::span<const std::byte> bytes) {
  if (bytes.size() != kKeyBytes) {
    return fail(ErrorCode::kInvalidArgument,
                "a key must be " + std::to_string(kKeyBytes) + " bytes");
  }
  auto key = zeroed();
  if (!key) return key;
  std::memcpy(key->data(), bytes.data(), kKeyBytes);
  return key;
}

void random_bytes(std::span<std::byte> out) {
  // sodium_init only fails without a random source; randombytes_buf would then abort,
  // which is the right outcome for a process about to make keys.
  (void)ensure_sodium();
  if (!out.empty()) ::randombytes_buf(out.data(), out.size());
}

bool equal_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return ::sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace custos::crypto
