// The two chunk AEADs of the object format. Every constant here is part of
// docs/formats/encryption.md.
#include "blob/chunk_cipher.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>
#include <limits>

#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include "crypto/secure_bytes.h"

namespace custos::blob {
namespace {

constexpr std::size_t kGcmTagBytes = 16;
constexpr std::size_t kGcmNonceBytes = 12;
constexpr std::size_t kGcmNoncePrefixBytes = 4;  // from the header; then the chunk index
static_assert(crypto_secretstream_xchacha20poly1305_HEADERBYTES == kStreamHeaderBytes);
static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES == crypto::kKeyBytes);
static_assert(crypto_secretstream_xchacha20poly1305_ABYTES == 17);

const unsigned char* uchars(std::span<const std::byte> s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* uchars(std::span<std::byte> s) { return reinterpret_cast<unsigned char*>(s.data()); }

class SecretstreamCipher final : public ChunkCipher {
 public:
  ~SecretstreamCipher() override { wipe(); }

  bool start_push(const DataKey& key, StreamHeader& header) {
    return ::crypto_secretstream_xchacha20poly1305_init_push(&state_, header.data(),
                                                             key.data()) == 0;
  }
  bool start_pull(const DataKey& key, const StreamHeader& header) {
    return ::crypto_secretstream_xchacha20poly1305_init_pull(&state_, header.data(),
                                                             key.data()) == 0;
  }

  bool seal(std::span<const std::byte> plain, bool final, std::span<const unsigned char> ad,
            std::span<std::byte> out) override {
    unsigned long long len = 0;
    return ::crypto_secretstream_xchacha20poly1305_push(
               &state_, uchars(out), &len, uchars(plain), plain.size(),
               ad.empty() ? nullptr : ad.data(), ad.size(),
               final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                     : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) == 0 &&
           len == out.size();
  }

  std::optional<std::size_t> open(std::span<const std::byte> cipher, bool expect_final,
                                  std::span<const unsigned char> ad,
                                  std::span<std::byte> plain) override {
    unsigned long long len = 0;
    unsigned char tag = 0;
    if (cipher.size() < crypto_secretstream_xchacha20poly1305_ABYTES ||
        ::crypto_secretstream_xchacha20poly1305_pull(&state_, uchars(plain), &len, &tag,
                                                     uchars(cipher), cipher.size(),
                                                     ad.empty() ? nullptr : ad.data(),
                                                     ad.size()) != 0 ||
        expect_final != (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)) {
      return std::nullopt;
    }
    return static_cast<std::size_t>(len);
  }

  void wipe() override { ::sodium_memzero(&state_, sizeof state_); }

 private:
  crypto_secretstream_xchacha20poly1305_state state_{};
};

// AES-256-GCM with the object's data key. The nonce of chunk i is the header's 4-byte prefix
// followed by i as 8 little-endian bytes: unique per chunk under a key used by one object
// only, and a chunk moved to another position fails. Associated data: one byte, 1 for the
// final chunk and 0 otherwise, followed by the caller's.
class GcmCipher final : public ChunkCipher {
 public:
  ~GcmCipher() override { wipe(); }

  bool start(bool encrypt, const DataKey& key, const StreamHeader& header) {
    encrypt_ = encrypt;
    std::memcpy(nonce_prefix_.data(), header.data(), nonce_prefix_.size());
    ctx_.reset(::EVP_CIPHER_CTX_new());
    return ctx_ != nullptr &&
           ::EVP_CipherInit_ex(ctx_.get(), ::EVP_aes_256_gcm(), nullptr, key.data(), nullptr,
                               encrypt ? 1 : 0) == 1;
  }

  bool seal(std::span<const std::byte> plain, bool final, std::span<const unsigned char> ad,
            std::span<std::byte> out) override {
    if (!encrypt_ || out.size() != plain.size() + kGcmTagBytes || !next(final, ad)) return false;
    int len = 0;
    if (!plain.empty() &&
        (::EVP_EncryptUpdate(ctx_.get(), uchars(out), &len, uchars(plain),
                             static_cast<int>(plain.size())) != 1 ||
         static_cast<std::size_t>(len) != plain.size())) {
      return false;
    }
    return ::EVP_EncryptFinal_ex(ctx_.get(), uchars(out) + plain.size(), &len) == 1 &&
           len == 0 &&
           ::EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagBytes,
                                 uchars(out) + plain.size()) == 1;
  }

  std::optional<std::size_t> open(std::span<const std::byte> cipher, bool expect_final,
                                  std::span<const unsigned char> ad,
                                  std::span<std::byte> plain) override {
    if (encrypt_ || cipher.size() < kGcmTagBytes) return std::nullopt;
    const std::size_t n = cipher.size() - kGcmTagBytes;
    if (plain.size() < n || !next(expect_final, ad)) return std::nullopt;
    // OpenSSL takes the expected tag as non-const; it only reads it.
    std::array<unsigned char, kGcmTagBytes> tag{};
    std::memcpy(tag.data(), uchars(cipher) + n, tag.size());
    int len = 0;
    if (n > 0 && (::EVP_DecryptUpdate(ctx_.get(), uchars(plain), &len, uchars(cipher),
                                      static_cast<int>(n)) != 1 ||
                  static_cast<std::size_t>(len) != n)) {
      return std::nullopt;
    }
    if (::EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, tag.size(), tag.data()) != 1 ||
        ::EVP_DecryptFinal_ex(ctx_.get(), uchars(plain) + n, &len) != 1) {
      // Unauthenticated plaintext must not outlive the failure.
      ::sodium_memzero(plain.data(), n);
      return std::nullopt;
    }
    return n;
  }

  void wipe() override { ctx_.reset(); }  // EVP_CIPHER_CTX_free cleanses the key schedule

 private:
  struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { ::EVP_CIPHER_CTX_free(c); }
  };

  // Starts the next chunk: its nonce and the associated data.
  bool next(bool final, std::span<const unsigned char> ad) {
    if (ctx_ == nullptr || index_ == std::numeric_limits<std::uint64_t>::max()) return false;
    std::array<unsigned char, kGcmNonceBytes> nonce{};
    std::memcpy(nonce.data(), nonce_prefix_.data(), nonce_prefix_.size());
    for (std::size_t i = 0; i < 8; ++i) {
      nonce[kGcmNoncePrefixBytes + i] = static_cast<unsigned char>(index_ >> (8 * i));
    }
    ++index_;
    const unsigned char flag = final ? 1 : 0;
    int len = 0;
    return ::EVP_CipherInit_ex(ctx_.get(), nullptr, nullptr, nullptr, nonce.data(), -1) == 1 &&
           ::EVP_CipherUpdate(ctx_.get(), nullptr, &len, &flag, 1) == 1 &&
           (ad.empty() || ::EVP_CipherUpdate(ctx_.get(), nullptr, &len, ad.data(),
                                             static_cast<int>(ad.size())) == 1);
  }

  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx_;
  std::array<unsigned char, kGcmNoncePrefixBytes> nonce_prefix_{};
  std::uint64_t index_ = 0;
  bool encrypt_ = false;
};

}  // namespace

ChunkAlgorithm fastest_chunk_algorithm() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  const bool hardware = __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul");
#elif defined(__aarch64__)
  const unsigned long caps = ::getauxval(AT_HWCAP);
  const bool hardware = (caps & HWCAP_AES) != 0 && (caps & HWCAP_PMULL) != 0;
#else
  const bool hardware = false;
#endif
  return hardware ? ChunkAlgorithm::kAes256Gcm : ChunkAlgorithm::kXChaCha20Poly1305;
}

std::optional<ChunkAlgorithm> chunk_algorithm_of(std::uint8_t byte) {
  switch (byte) {
    case static_cast<std::uint8_t>(ChunkAlgorithm::kXChaCha20Poly1305):
      return ChunkAlgorithm::kXChaCha20Poly1305;
    case static_cast<std::uint8_t>(ChunkAlgorithm::kAes256Gcm):
      return ChunkAlgorithm::kAes256Gcm;
    default:
      return std::nullopt;
  }
}

std::size_t chunk_overhead(ChunkAlgorithm algorithm) {
  return algorithm == ChunkAlgorithm::kAes256Gcm ? kGcmTagBytes
                                                 : crypto_secretstream_xchacha20poly1305_ABYTES;
}

std::unique_ptr<ChunkCipher> ChunkCipher::for_writing(ChunkAlgorithm algorithm,
                                                      const DataKey& key, StreamHeader& header) {
  if (algorithm == ChunkAlgorithm::kAes256Gcm) {
    crypto::random_bytes(std::as_writable_bytes(std::span(header)));
    auto c = std::make_unique<GcmCipher>();
    if (!c->start(true, key, header)) return nullptr;
    return c;
  }
  auto c = std::make_unique<SecretstreamCipher>();
  if (!c->start_push(key, header)) return nullptr;
  return c;
}

std::unique_ptr<ChunkCipher> ChunkCipher::for_reading(ChunkAlgorithm algorithm,
                                                      const DataKey& key,
                                                      const StreamHeader& header) {
  if (algorithm == ChunkAlgorithm::kAes256Gcm) {
    auto c = std::make_unique<GcmCipher>();
    if (!c->start(false, key, header)) return nullptr;
    return c;
  }
  auto c = std::make_unique<SecretstreamCipher>();
  if (!c->start_pull(key, header)) return nullptr;
  return c;
}

}  // namespace custos::blob
