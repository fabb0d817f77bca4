// Memory for secrets (keys, key-derivation output) and the small helpers every use of
// libsodium needs: one-time initialisation, random bytes and constant-time comparison.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <utility>

#include "base/error.h"

namespace custos::crypto {

// Initialises libsodium once per process (std::call_once). Every public entry point of
// this module calls it, so callers never have to. Errors: kInternal when libsodium cannot
// initialise (no usable random source).
[[nodiscard]] Status ensure_sodium();

// A buffer for secret bytes in sodium_malloc'ed memory: guard pages around it, locked into
// RAM where the memlock limit allows (so it is not written to swap), and zeroed when freed.
// Move-only, so a secret has exactly one owner. Not thread-safe for concurrent writes;
// concurrent reads of an unchanging buffer are fine.
class SecureBytes {
 public:
  SecureBytes() = default;
  // A zero-filled buffer of `size` bytes. Errors: kInternal when the allocation fails.
  [[nodiscard]] static Result<SecureBytes> allocate(std::size_t size);
  // A new buffer holding a copy of `bytes`.
  [[nodiscard]] static Result<SecureBytes> copy_of(std::span<const std::byte> bytes);

  // A moved-from buffer is empty (size 0), never a dangling span.
  SecureBytes(SecureBytes&& other) noexcept
      : ptr_(std::move(other.ptr_)), size_(std::exchange(other.size_, 0)) {}
  SecureBytes& operator=(SecureBytes&& other) noexcept {
    ptr_ = std::move(other.ptr_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }
  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] unsigned char* data() { return ptr_.get(); }
  [[nodiscard]] const unsigned char* data() const { return ptr_.get(); }
  [[nodiscard]] std::span<std::byte> bytes() {
    return {reinterpret_cast<std::byte*>(ptr_.get()), size_};
  }
  [[nodiscard]] std::span<const std::byte> bytes() const {
    return {reinterpret_cast<const std::byte*>(ptr_.get()), size_};
  }

 private:
  // sodium_free zeroes the region before unmapping it.
  struct Free {
    void operator()(unsigned char* p) const;
  };
  std::unique_ptr<unsigned char, Free> ptr_;
  std::size_t size_ = 0;
};

inline constexpr std::size_t kKeyBytes = 32;

// A 256-bit symmetric key in SecureBytes. Move-only; clone() makes an explicit copy.
class SecretKey {
 public:
  // A fresh key from the CSPRNG.
  [[nodiscard]] static Result<SecretKey> random();
  // Errors: kInvalidArgument when `bytes` is not kKeyBytes long.
  [[nodiscard]] static Result<SecretKey> copy_of(std::span<const std::byte> bytes);
  // An all-zero key for a derivation to fill in place through data().
  [[nodiscard]] static Result<SecretKey> zeroed();
  [[nodiscard]] Result<SecretKey> clone() const { return copy_of(bytes()); }

  [[nodiscard]] unsigned char* data() { return bytes_.data(); }
  [[nodiscard]] const unsigned char* data() const { return bytes_.data(); }
  [[nodiscard]] std::span<const std::byte> bytes() const { return bytes_.bytes(); }

 private:
  explicit SecretKey(SecureBytes bytes) : bytes_(std::move(bytes)) {}
  SecureBytes bytes_;
};

// Fills `out` from the operating system's CSPRNG (libsodium randombytes_buf). Keys and
// nonces always come from here: a replaceable random source would be a way to weaken them.
void random_bytes(std::span<std::byte> out);

// Compares in time independent of the contents (sodium_memcmp). Different sizes compare
// unequal; the sizes themselves are not secret.
[[nodiscard]] bool equal_constant_time(std::span<const std::byte> a, std::span<const std::byte> b);

}  // namespace custos::crypto
