// Line sealing with libsodium: identity for unencrypted vaults, XChaCha20-Poly1305 per
// line for encrypted ones.
#include "audit/sealer.h"

#include <sodium.h>

#include <charconv>
#include <cstring>
#include <mutex>

namespace custos::audit {
namespace {

constexpr std::string_view kAeadPrefix = "x1:";
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;

std::array<unsigned char, 8> seq_ad(std::uint64_t seq) {
  std::array<unsigned char, 8> ad{};
  for (int i = 7; i >= 0; --i) {
    ad[static_cast<std::size_t>(i)] = static_cast<unsigned char>(seq & 0xFF);
    seq >>= 8;
  }
  return ad;
}

}  // namespace

Status ensure_sodium() {
  static std::once_flag once;
  static int result = -1;
  std::call_once(once, [] { result = sodium_init(); });
  if (result < 0) return fail(ErrorCode::kInternal, "libsodium could not be initialised");
  return {};
}

std::string base64_encode(std::span<const std::byte> bytes) {
  const std::size_t cap = sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(cap, '\0');
  sodium_bin2base64(out.data(), cap, reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(cap - 1);  // the encoded length counts the terminating NUL
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return fail(ErrorCode::kCorruption, "not valid base64");
  }
  out.resize(len);
  return out;
}

Result<std::string> PlainSealer::seal(std::uint64_t /*seq*/, std::string_view plaintext) const {
  return std::string(plaintext);
}

Result<OpenedLine> PlainSealer::open(std::string_view line) const {
  if (line.empty() || line.front() != '{') {
    return fail(ErrorCode::kCorruption,
                line.starts_with(kAeadPrefix)
                    ? "the line is encrypted, but the log was opened without a key"
                    : "the line is not a JSON entry");
  }
  return OpenedLine{std::nullopt, std::string(line)};
}

Result<std::unique_ptr<AeadSealer>> AeadSealer::create(std::span<const std::byte, 32> key) {
  if (auto s = ensure_sodium(); !s) return fail(s.error());
  std::unique_ptr<AeadSealer> sealer(new AeadSealer());
  std::memcpy(sealer->key_.data(), key.data(), key.size());
  // Best effort: keeping the key out of swap matters, but a low RLIMIT_MEMLOCK must not
  // make the audit log unusable.
  (void)sodium_mlock(sealer->key_.data(), sealer->key_.size());
  return sealer;
}

AeadSealer::~AeadSealer() { sodium_munlock(key_.data(), key_.size()); }

Result<std::string> AeadSealer::seal(std::uint64_t seq, std::string_view plaintext) const {
  std::string box(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(box.data());
  randombytes_buf(nonce, kNonceBytes);  // 192-bit random nonces never repeat in practice
  const auto ad = seq_ad(seq);
  unsigned long long clen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_encrypt(
          nonce + kNonceBytes, &clen, reinterpret_cast<const unsigned char*>(plaintext.data()),
          plaintext.size(), ad.data(), ad.size(), nullptr, nonce, key_.data()) != 0) {
    return fail(ErrorCode::kInternal, "audit entry encryption failed");
  }
  box.resize(kNonceBytes + clen);
  std::string line(kAeadPrefix);
  line += std::to_string(seq);
  line += ':';
  line += base64_encode(std::as_bytes(std::span(box.data(), box.size())));
  return line;
}

Result<OpenedLine> AeadSealer::open(std::string_view line) const {
  if (!line.starts_with(kAeadPrefix)) {
    return fail(ErrorCode::kCorruption, line.starts_with("{")
                                            ? "the line is not encrypted, but this log must be"
                                            : "the line is not an encrypted entry");
  }
  line.remove_prefix(kAeadPrefix.size());
  const auto colon = line.find(':');
  std::uint64_t seq = 0;
  if (colon == std::string_view::npos || colon == 0 ||
      std::from_chars(line.data(), line.data() + colon, seq).ptr != line.data() + colon) {
    return fail(ErrorCode::kCorruption, "the encrypted line has no sequence number");
  }
  auto box = base64_decode(line.substr(colon + 1));
  if (!box) return fail(ErrorCode::kCorruption, "the encrypted line is not valid base64");
  if (box->size() < kNonceBytes + kTagBytes) {
    return fail(ErrorCode::kCorruption, "the encrypted line is too short");
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(box->data());
  const auto ad = seq_ad(seq);
  std::string plain(box->size() - kNonceBytes - kTagBytes, '\0');
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &plen, nullptr, nonce + kNonceBytes,
          box->size() - kNonceBytes, ad.data(), ad.size(), nonce, key_.data()) != 0) {
    return fail(ErrorCode::kUnauthenticated,
                "the entry cannot be decrypted: wrong key, or the line was altered");
  }
  plain.resize(plen);
  return OpenedLine{seq, std::move(plain)};
}

}  // namespace custos::audit
