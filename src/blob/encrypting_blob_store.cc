// EncryptingBlobStore: wrapped per-object data keys, AEAD chunks (blob/chunk_cipher.h), the
// id bound into the final chunk. Every constant here is part of docs/formats/encryption.md.
#include "blob/encrypting_blob_store.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

namespace custos::blob {
namespace {

constexpr std::array<std::uint8_t, 8> kMagic = {'C', 'U', 'S', 'T', 'O', 'S', 'B', '1'};
constexpr std::uint8_t kVersion = 1;

// Header layout (little-endian numbers).
constexpr std::size_t kPrefixBytes = 16;  // magic, version, algorithm, reserved, chunk size
constexpr std::size_t kWrapNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kWrappedKeyBytes = crypto::kKeyBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kWrapNonceAt = kPrefixBytes;
constexpr std::size_t kWrappedKeyAt = kWrapNonceAt + kWrapNonceBytes;
constexpr std::size_t kStreamHeaderAt = kWrappedKeyAt + kWrappedKeyBytes;
static_assert(kStreamHeaderAt + kStreamHeaderBytes == kEncryptedHeaderBytes);
// Ciphertext is handed to the inner store in writes of about this size, not chunk by chunk.
constexpr std::size_t kWriteBatchBytes = std::size_t{1} << 20;

// Associated data. The data key's wrapping covers the rest of the header, so an altered
// header fails before any chunk is read. The final chunk's covers the object id.
constexpr std::string_view kDataKeyAd = "custos blob data key v1";
constexpr std::string_view kFinalChunkAd = "custos blob id v1";

using Header = std::array<unsigned char, kEncryptedHeaderBytes>;
using DataKeyAd = std::array<unsigned char, kDataKeyAd.size() + kPrefixBytes + kStreamHeaderBytes>;
using FinalAd = std::array<unsigned char, kFinalChunkAd.size() + sizeof(Digest)>;

DataKeyAd data_key_ad(const Header& h) {
  DataKeyAd ad{};
  std::memcpy(ad.data(), kDataKeyAd.data(), kDataKeyAd.size());
  std::memcpy(ad.data() + kDataKeyAd.size(), h.data(), kPrefixBytes);
  std::memcpy(ad.data() + kDataKeyAd.size() + kPrefixBytes, h.data() + kStreamHeaderAt,
              kStreamHeaderBytes);
  return ad;
}

FinalAd final_ad(const BlobId& id) {
  FinalAd ad{};
  std::memcpy(ad.data(), kFinalChunkAd.data(), kFinalChunkAd.size());
  std::memcpy(ad.data() + kFinalChunkAd.size(), id.digest.data(), id.digest.size());
  return ad;
}

void put_prefix(Header& h, std::size_t chunk_bytes, ChunkAlgorithm algorithm) {
  std::memcpy(h.data(), kMagic.data(), kMagic.size());
  h[8] = kVersion;
  h[9] = static_cast<unsigned char>(algorithm);
  h[10] = 0;
  h[11] = 0;
  for (int i = 0; i < 4; ++i) h[12 + i] = static_cast<unsigned char>(chunk_bytes >> (8 * i));
}

struct Prefix {
  std::size_t chunk;
  ChunkAlgorithm algorithm;
};

// The chunk size and algorithm of a well-formed prefix, or nothing.
std::optional<Prefix> parse_prefix(const Header& h) {
  const std::optional<ChunkAlgorithm> algorithm = chunk_algorithm_of(h[9]);
  if (std::memcmp(h.data(), kMagic.data(), kMagic.size()) != 0 || h[8] != kVersion ||
      !algorithm || h[10] != 0 || h[11] != 0) {
    return std::nullopt;
  }
  std::size_t chunk = 0;
  for (int i = 0; i < 4; ++i) chunk |= static_cast<std::size_t>(h[12 + i]) << (8 * i);
  if (chunk < kMinChunkBytes || chunk > kMaxChunkBytes) return std::nullopt;
  return Prefix{chunk, *algorithm};
}


// Plaintext size of a stored object, or nothing when no object the writer makes has this
// stored size. Chunks are full except the last (final) one, which holds 1..chunk bytes, or
// 0 bytes when the whole object is empty.
std::optional<std::uint64_t> plaintext_size(std::uint64_t stored, std::size_t chunk,
                                            std::size_t overhead) {
  if (stored < kEncryptedHeaderBytes + overhead) return std::nullopt;
  const std::uint64_t payload = stored - kEncryptedHeaderBytes;
  const std::uint64_t full = payload / (chunk + overhead);
  const std::uint64_t rest = payload % (chunk + overhead);
  if (rest == 0) return full * chunk;
  if (rest < overhead || (rest == overhead && full > 0)) return std::nullopt;
  return full * chunk + (rest - overhead);
}

Error damaged(const BlobId& id) {
  return Error{ErrorCode::kCorruption,
               "stored object " + id.hex() + " failed authentication: damaged or tampered"};
}

// Per-object secrets (a data key, a cipher state) live as long as one writer or reader.
// They sit in ordinary memory, as does the plaintext they protect, and are wiped when done.
// Guard-paged sodium_malloc memory, meant for long-lived keys, costs four system calls and a
// TLB flush per object: measured, a third of the time to read a small object.
class WipedKey {
 public:
  WipedKey() = default;
  ~WipedKey() { ::sodium_memzero(key_.data(), key_.size()); }
  WipedKey(const WipedKey&) = delete;
  WipedKey& operator=(const WipedKey&) = delete;
  DataKey& get() { return key_; }

 private:
  DataKey key_{};
};

// An uninitialised byte buffer: readers and writers fill it before any use.
std::unique_ptr<std::byte[]> buffer(std::size_t n) {
  return std::make_unique_for_overwrite<std::byte[]>(n);
}

class EncryptingBlobWriter final : public BlobWriter {
 public:
  EncryptingBlobWriter(std::unique_ptr<BlobWriter> inner, std::size_t chunk_bytes,
                       ChunkAlgorithm algorithm)
      : inner_(std::move(inner)),
        chunk_(chunk_bytes),
        algorithm_(algorithm),
        overhead_(chunk_overhead(algorithm)) {}

  // Writes the header and starts the stream under a new data key, wrapped by `wrap_key`.
  Status start(const crypto::SecretKey& wrap_key) {
    WipedKey data_key;
    crypto::random_bytes(std::as_writable_bytes(std::span(data_key.get())));
    Header h{};
    put_prefix(h, chunk_, algorithm_);
    StreamHeader sh{};
    cipher_state_ = ChunkCipher::for_writing(algorithm_, data_key.get(), sh);
    if (cipher_state_ == nullptr) {
      phase_ = Phase::kFailed;
      return fail(ErrorCode::kInternal, "encryption of a stored object could not start");
    }
    std::memcpy(h.data() + kStreamHeaderAt, sh.data(), sh.size());
    crypto::random_bytes(
        std::as_writable_bytes(std::span(h).subspan(kWrapNonceAt, kWrapNonceBytes)));
    const DataKeyAd ad = data_key_ad(h);
    unsigned long long len = 0;
    ::crypto_aead_xchacha20poly1305_ietf_encrypt(
        h.data() + kWrappedKeyAt, &len, data_key.get().data(), crypto::kKeyBytes, ad.data(),
        ad.size(), nullptr, h.data() + kWrapNonceAt, wrap_key.data());
    plain_.reserve(chunk_);
    return inner_->write(std::as_bytes(std::span(h)));
  }

  Status write(std::span<const std::byte> bytes) override {
    if (phase_ == Phase::kFailed) return misuse("writer failed earlier");
    if (phase_ != Phase::kWriting) return misuse("write after finish");
    while (!bytes.empty()) {
      // A full chunk is encrypted only once more bytes arrive: the last chunk must be the
      // final one, and it is sealed at publish with the id.
      if (plain_.size() == chunk_) {
        if (auto s = push(plain_); !s) return s;
        plain_.clear();
      }
      // Large writes skip the copy: whole chunks with more bytes behind them go straight in.
      while (plain_.empty() && bytes.size() > chunk_) {
        if (auto s = push(bytes.first(chunk_)); !s) return s;
        bytes = bytes.subspan(chunk_);
      }
      const std::size_t take = std::min(chunk_ - plain_.size(), bytes.size());
      plain_.insert(plain_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
      bytes = bytes.subspan(take);
    }
    return {};
  }

  Status finish() override {
    if (phase_ == Phase::kWriting) {
      if (auto s = flush(); !s) return s;
      phase_ = Phase::kFinished;
    }
    // Between finish and publish only the tail is needed; a batch holds many writers.
    cipher_.reset();
    cipher_bytes_ = 0;
    std::vector<std::byte>(plain_.begin(), plain_.end()).swap(plain_);
    return {};
  }

  Status finish_as(const BlobId& id) override {
    if (auto s = finish(); !s) return s;
    return seal(id);
  }

  // Encrypts the held-back tail as the final chunk, bound to `id`, and finishes the inner
  // writer. Sealing again for the same id is a no-op (a batch retried by the caller).
  Status seal(const BlobId& id) {
    if (phase_ == Phase::kSealed) {
      return sealed_id_ == id ? Status{} : misuse("writer already published under another id");
    }
    if (phase_ == Phase::kFailed) return misuse("writer failed earlier");
    if (phase_ != Phase::kFinished) {
      if (auto s = finish(); !s) return s;
    }
    const FinalAd ad = final_ad(id);
    const std::size_t n = plain_.size() + overhead_;
    const std::unique_ptr<std::byte[]> sealed = buffer(n);
    const std::span<std::byte> out(sealed.get(), n);
    if (auto s = encrypt(plain_, true, ad, out); !s) return s;
    if (auto s = inner_->write(out); !s) {
      phase_ = Phase::kFailed;
      return s;
    }
    if (auto s = inner_->finish(); !s) {
      phase_ = Phase::kFailed;
      return s;
    }
    phase_ = Phase::kSealed;
    sealed_id_ = id;
    std::vector<std::byte>().swap(plain_);
    cipher_state_->wipe();
    return {};
  }

  [[nodiscard]] BlobWriter* inner() const { return inner_.get(); }

 private:
  enum class Phase { kWriting, kFinished, kSealed, kFailed };

  Status misuse(const char* what) { return fail(ErrorCode::kInternal, what); }

  Status encrypt(std::span<const std::byte> plain, bool final, std::span<const unsigned char> ad,
                 std::span<std::byte> out) {
    if (!cipher_state_->seal(plain, final, ad, out)) {
      phase_ = Phase::kFailed;
      return fail(ErrorCode::kInternal, "encryption of a stored object failed");
    }
    return {};
  }

  // Seals one full, non-final chunk into the write batch; writes the batch when full.
  Status push(std::span<const std::byte> plain) {
    const std::size_t n = plain.size() + overhead_;
    if (cipher_ == nullptr) {
      // Room for the chunks of one write batch (at least one chunk), made only for objects
      // of more than one chunk and never zero-filled: most objects are small.
      cipher_bytes_ = std::max<std::size_t>(1, kWriteBatchBytes / n) * n;
      cipher_ = buffer(cipher_bytes_);
    }
    if (pending_ + n > cipher_bytes_) {
      if (auto s = flush(); !s) return s;
    }
    if (auto s = encrypt(plain, false, {}, std::span(cipher_.get() + pending_, n)); !s) return s;
    pending_ += n;
    return {};
  }

  Status flush() {
    if (pending_ == 0) return {};
    if (auto s = inner_->write(std::span(cipher_.get(), pending_)); !s) {
      phase_ = Phase::kFailed;
      return s;
    }
    pending_ = 0;
    return {};
  }

  std::unique_ptr<BlobWriter> inner_;
  std::unique_ptr<ChunkCipher> cipher_state_;  // holds the data key
  const std::size_t chunk_;
  const ChunkAlgorithm algorithm_;
  const std::size_t overhead_;
  std::vector<std::byte> plain_;   // pending plaintext, at most one chunk
  std::unique_ptr<std::byte[]> cipher_;  // sealed chunks not yet written
  std::size_t cipher_bytes_ = 0;         // its size
  std::size_t pending_ = 0;              // bytes of cipher_ in use
  Phase phase_ = Phase::kWriting;
  BlobId sealed_id_;
};

// Fills `buf` from `r` unless the object ends first; returns the count.
Result<std::size_t> read_exact(BlobReader& r, std::span<std::byte> buf) {
  std::size_t got = 0;
  while (got < buf.size()) {
    auto n = r.read(buf.subspan(got));
    if (!n) return fail(n.error());
    if (*n == 0) break;
    got += *n;
  }
  return got;
}

class EncryptingBlobReader final : public BlobReader {
 public:
  // Buffers are sized for this object: a small one does not cost two whole chunks.
  EncryptingBlobReader(std::unique_ptr<BlobReader> inner, const BlobId& id, const Prefix& prefix,
                       std::uint64_t stored_payload, std::uint64_t plain_size)
      : inner_(std::move(inner)),
        id_(id),
        chunk_(prefix.chunk),
        algorithm_(prefix.algorithm),
        overhead_(chunk_overhead(prefix.algorithm)),
        final_ad_(final_ad(id)),
        remaining_(stored_payload),
        size_(plain_size),
        cipher_(buffer(std::min<std::uint64_t>(chunk_ + overhead_, stored_payload))),
        plain_(buffer(std::min<std::uint64_t>(chunk_, plain_size))) {}

  // Unwraps the data key from the header and starts the stream; false when the header does
  // not authenticate.
  bool start(const Header& h, const crypto::SecretKey& wrap_key) {
    WipedKey data_key;
    const DataKeyAd ad = data_key_ad(h);
    unsigned long long len = 0;
    if (::crypto_aead_xchacha20poly1305_ietf_decrypt(
            data_key.get().data(), &len, nullptr, h.data() + kWrappedKeyAt, kWrappedKeyBytes,
            ad.data(), ad.size(), h.data() + kWrapNonceAt, wrap_key.data()) != 0 ||
        len != crypto::kKeyBytes) {
      return false;
    }
    StreamHeader sh{};
    std::memcpy(sh.data(), h.data() + kStreamHeaderAt, sh.size());
    cipher_state_ = ChunkCipher::for_reading(algorithm_, data_key.get(), sh);
    return cipher_state_ != nullptr;
  }

  Result<std::size_t> read(std::span<std::byte> buf) override {
    if (error_) return fail(*error_);
    std::size_t out = 0;
    while (out < buf.size()) {
      if (pos_ < avail_) {
        const std::size_t n = std::min(avail_ - pos_, buf.size() - out);
        std::memcpy(buf.data() + out, plain_.get() + pos_, n);
        pos_ += n;
        out += n;
        continue;
      }
      if (done_) break;
      // A whole chunk that fits is opened straight into the caller's buffer: no copy.
      const std::span<std::byte> rest = buf.subspan(out);
      const bool direct = rest.size() >= next_plain_size();
      auto n = next_chunk(direct ? rest : std::span(plain_.get(), std::min<std::uint64_t>(chunk_, size_)));
      if (!n) {
        error_ = n.error();
        return fail(n.error());
      }
      pos_ = 0;
      avail_ = direct ? 0 : *n;
      if (direct) out += *n;
    }
    return out;
  }

  [[nodiscard]] std::uint64_t size() const override { return size_; }

 private:
  // Plaintext bytes of the next chunk, from the stored bytes left (0 when malformed).
  [[nodiscard]] std::size_t next_plain_size() const {
    const std::uint64_t len = std::min<std::uint64_t>(chunk_ + overhead_, remaining_);
    return len < overhead_ ? 0 : static_cast<std::size_t>(len - overhead_);
  }

  // Reads, authenticates and decrypts the next chunk into `dest` and returns its plaintext
  // size. The chunk that ends the stored object must be the final one and carry this id; any
  // other chunk must not be final.
  Result<std::size_t> next_chunk(std::span<std::byte> dest) {
    const std::size_t len =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk_ + overhead_, remaining_));
    if (len < overhead_) return fail(damaged(id_));
    auto got = read_exact(*inner_, std::span(cipher_.get(), len));
    if (!got) return fail(got.error());
    if (*got != len) return fail(damaged(id_));  // shorter than its size said: truncated
    remaining_ -= len;
    const bool last = remaining_ == 0;
    const std::optional<std::size_t> plain_len = cipher_state_->open(
        std::span(cipher_.get(), len), last,
        last ? std::span<const unsigned char>(final_ad_) : std::span<const unsigned char>(), dest);
    if (!plain_len) return fail(damaged(id_));
    if (last) {
      // Bytes after the final chunk (the object grew after open) are not ours to return.
      std::array<std::byte, 1> extra{};
      auto more = inner_->read(extra);
      if (!more) return fail(more.error());
      if (*more != 0) return fail(damaged(id_));
      done_ = true;
      cipher_state_->wipe();
    }
    return *plain_len;
  }

  std::unique_ptr<BlobReader> inner_;
  const BlobId id_;
  std::unique_ptr<ChunkCipher> cipher_state_;  // holds the data key
  const std::size_t chunk_;
  const ChunkAlgorithm algorithm_;
  const std::size_t overhead_;
  const FinalAd final_ad_;
  std::uint64_t remaining_;  // stored bytes after the header not yet read
  const std::uint64_t size_;
  std::unique_ptr<std::byte[]> cipher_;  // one stored chunk
  std::unique_ptr<std::byte[]> plain_;   // its plaintext
  std::size_t pos_ = 0;
  std::size_t avail_ = 0;
  bool done_ = false;
  std::optional<Error> error_;  // a failed reader keeps failing
};

}  // namespace

std::uint64_t encrypted_size(std::uint64_t plaintext_size, std::size_t chunk_bytes,
                             ChunkAlgorithm algorithm) {
  const std::uint64_t chunks =
      plaintext_size == 0 ? 1 : (plaintext_size + chunk_bytes - 1) / chunk_bytes;
  return kEncryptedHeaderBytes + plaintext_size + chunks * chunk_overhead(algorithm);
}

Result<std::unique_ptr<EncryptingBlobStore>> EncryptingBlobStore::open(
    std::unique_ptr<BlobStore> inner, const crypto::MasterKey& master,
    const EncryptingBlobStoreOptions& options) {
  if (inner == nullptr) return fail(ErrorCode::kInvalidArgument, "no blob store to encrypt");
  if (options.chunk_bytes < kMinChunkBytes || options.chunk_bytes > kMaxChunkBytes) {
    return fail(ErrorCode::kInvalidArgument, "encryption chunk size out of range");
  }
  if (!chunk_algorithm_of(static_cast<std::uint8_t>(options.algorithm))) {
    return fail(ErrorCode::kInvalidArgument, "unknown encryption algorithm");
  }
  auto key = crypto::derive_subkey(master, crypto::SubkeyPurpose::kBlobKeyWrap);
  if (!key) return fail(key.error());
  return std::unique_ptr<EncryptingBlobStore>(new EncryptingBlobStore(
      std::move(inner), std::move(*key), options.chunk_bytes, options.algorithm));
}

Result<std::unique_ptr<BlobWriter>> EncryptingBlobStore::create() {
  auto inner = inner_->create();
  if (!inner) return fail(inner.error());
  auto writer = std::make_unique<EncryptingBlobWriter>(std::move(*inner), chunk_bytes_, algorithm_);
  if (auto s = writer->start(wrap_key_); !s) return fail(s.error());
  return std::unique_ptr<BlobWriter>(std::move(writer));
}

std::vector<Status> EncryptingBlobStore::publish(std::span<const Publication> batch) {
  std::vector<Status> results(batch.size());
  std::vector<Publication> inner_batch;
  std::vector<std::size_t> positions;  // index in `batch` of each inner publication
  inner_batch.reserve(batch.size());
  positions.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto* w = dynamic_cast<EncryptingBlobWriter*>(batch[i].writer);
    if (w == nullptr) {
      results[i] = fail(ErrorCode::kInternal, "writer does not belong to this blob store");
      continue;
    }
    if (auto s = w->seal(batch[i].id); !s) {
      results[i] = s;
      continue;
    }
    inner_batch.push_back({w->inner(), batch[i].id});
    positions.push_back(i);
  }
  const std::vector<Status> inner_results = inner_->publish(inner_batch);
  for (std::size_t k = 0; k < positions.size(); ++k) {
    results[positions[k]] = k < inner_results.size()
                                ? inner_results[k]
                                : fail(ErrorCode::kInternal, "blob store lost a publication");
  }
  return results;
}

Result<std::unique_ptr<BlobReader>> EncryptingBlobStore::open(const BlobId& id) {
  auto inner = inner_->open(id);
  if (!inner) return fail(inner.error());
  const std::uint64_t stored = (*inner)->size();
  Header h{};
  auto got = read_exact(**inner, std::as_writable_bytes(std::span(h)));
  if (!got) return fail(got.error());
  if (*got != h.size()) return fail(damaged(id));
  const std::optional<Prefix> prefix = parse_prefix(h);
  if (!prefix) return fail(damaged(id));
  const std::optional<std::uint64_t> plain =
      plaintext_size(stored, prefix->chunk, chunk_overhead(prefix->algorithm));
  if (!plain) return fail(damaged(id));

  auto reader = std::make_unique<EncryptingBlobReader>(std::move(*inner), id, *prefix,
                                                       stored - kEncryptedHeaderBytes, *plain);
  if (!reader->start(h, wrap_key_)) return fail(damaged(id));
  return std::unique_ptr<BlobReader>(std::move(reader));
}

Result<bool> EncryptingBlobStore::contains(const BlobId& id) { return inner_->contains(id); }

Status EncryptingBlobStore::remove(const BlobId& id) { return inner_->remove(id); }

Status EncryptingBlobStore::for_each(
    const std::function<Status(const BlobId&, std::uint64_t)>& fn) {
  return inner_->for_each(fn);
}

}  // namespace custos::blob
