// Envelope key management over libsodium: XChaCha20-Poly1305 wrapping, Argon2id for the
// passphrase, crypto_kdf (BLAKE2b) for full-entropy secrets and sub-keys.
#include "crypto/keys.h"

#include <sodium.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <span>

#include "crypto/encoding.h"

namespace custos::crypto {
namespace {

using nlohmann::json;

constexpr std::string_view kScheme = "custos-envelope-v1";
constexpr std::string_view kAead = "xchacha20poly1305-ietf";
constexpr std::string_view kPwhashAlg = "argon2id13";
constexpr std::string_view kFullEntropyKdf = "blake2b-kdf";

// Associated data naming what a wrapped key is for: a ciphertext made for one slot does
// not decrypt in another, even under the same wrapping key.
constexpr std::string_view kAdPassphrase = "custos master key v1 passphrase";
constexpr std::string_view kAdRecovery = "custos master key v1 recovery key";
constexpr std::string_view kAdKeyFile = "custos master key v1 key file";

// crypto_kdf contexts (8 bytes) for the wrapping keys of full-entropy secrets.
constexpr char kCtxRecovery[] = "cstsrcvy";
constexpr char kCtxKeyFile[] = "cstskeyf";
constexpr std::string_view kCheckMessage = "custos master key check v1";

static_assert(std::tuple_size_v<decltype(WrappedKey::nonce)> ==
              crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(std::tuple_size_v<decltype(WrappedKey::ciphertext)> ==
              kKeyBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(crypto_kdf_KEYBYTES == kKeyBytes && crypto_kdf_CONTEXTBYTES == 8);

template <std::size_t N>
std::span<const std::byte> as_span(const std::array<std::uint8_t, N>& a) {
  return std::as_bytes(std::span(a));
}

std::array<std::uint8_t, 16> key_check(const MasterKey& master) {
  std::array<std::uint8_t, 16> out{};
  ::crypto_generichash(out.data(), out.size(),
                       reinterpret_cast<const unsigned char*>(kCheckMessage.data()),
                       kCheckMessage.size(), master.key().data(), kKeyBytes);
  return out;
}

bool has_slots(const KeyBlock& b) { return b.passphrase || b.recovery || b.key_file; }

WrappedKey wrap(const SecretKey& kek, const MasterKey& master, std::string_view ad) {
  WrappedKey w;
  random_bytes(std::as_writable_bytes(std::span(w.nonce)));
  unsigned long long len = 0;
  ::crypto_aead_xchacha20poly1305_ietf_encrypt(w.ciphertext.data(), &len, master.key().data(),
                                               kKeyBytes,
                                               reinterpret_cast<const unsigned char*>(ad.data()),
                                               ad.size(), nullptr, w.nonce.data(), kek.data());
  return w;
}

// Decrypts into protected memory; kUnauthenticated with `wrong` when the tag does not
// verify (a wrong secret, or an altered slot: the two are indistinguishable by design).
Result<MasterKey> unwrap(const KeyBlock& block, const SecretKey& kek, const WrappedKey& w,
                         std::string_view ad, const char* wrong) {
  auto key = SecretKey::zeroed();
  if (!key) return fail(key.error());
  unsigned long long len = 0;
  if (::crypto_aead_xchacha20poly1305_ietf_decrypt(
          key->data(), &len, nullptr, w.ciphertext.data(), w.ciphertext.size(),
          reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), w.nonce.data(),
          kek.data()) != 0 ||
      len != kKeyBytes) {
    return fail(ErrorCode::kUnauthenticated, wrong);
  }
  MasterKey master(std::move(*key));
  // Every slot wraps the same key; a slot from another vault's block decrypts under the
  // right secret but would open the wrong data.
  const auto check = key_check(master);
  if (::sodium_memcmp(check.data(), block.master_key_check.data(), check.size()) != 0) {
    return fail(ErrorCode::kCorruption,
                "the vault's key block is inconsistent (a key slot belongs to another vault)");
  }
  return master;
}

Result<SecretKey> full_entropy_kek(const SecretKey& secret, const char (&ctx)[9]) {
  auto kek = SecretKey::zeroed();
  if (!kek) return kek;
  ::crypto_kdf_derive_from_key(kek->data(), kKeyBytes, 1, ctx, secret.data());
  return kek;
}

Status adopt_or_check(KeyBlock& block, const MasterKey& master) {
  const auto check = key_check(master);
  if (!has_slots(block)) {
    block.master_key_check = check;
    return {};
  }
  if (::sodium_memcmp(check.data(), block.master_key_check.data(), check.size()) != 0) {
    return fail(ErrorCode::kInvalidArgument, "the master key does not belong to this vault");
  }
  return {};
}

// --- JSON ---------------------------------------------------------------------------

json wrapped_json(const WrappedKey& w) {
  return {{"nonce", to_base64(as_span(w.nonce))}, {"ciphertext", to_base64(as_span(w.ciphertext))}};
}

// The string member `name`, or empty when absent or not a string (nlohmann's value()
// would throw on a wrong type).
std::string_view string_member(const json& j, const char* name) {
  if (!j.is_object()) return {};
  const auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

template <std::size_t N>
bool read_b64(const json& j, const char* name, std::array<std::uint8_t, N>& out) {
  if (!j.is_object()) return false;
  const auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return false;
  return from_base64(it->template get_ref<const std::string&>(),
                     std::as_writable_bytes(std::span(out)));
}

bool read_wrapped(const json& j, WrappedKey& w) {
  if (!j.is_object()) return false;
  const auto it = j.find("wrapped_master_key");
  return it != j.end() && read_b64(*it, "nonce", w.nonce) &&
         read_b64(*it, "ciphertext", w.ciphertext);
}

// An absent slot is fine (true, `out` empty); a present one must be complete.
bool read_full_entropy_slot(const json& j, const char* name, std::optional<WrappedKey>& out) {
  const auto it = j.find(name);
  if (it == j.end()) return true;
  WrappedKey w;
  if (string_member(*it, "kdf") != kFullEntropyKdf || !read_wrapped(*it, w)) return false;
  out = w;
  return true;
}

Error bad_block(std::string_view what) {
  return Error{ErrorCode::kCorruption,
               "vault.json: the encryption key block is damaged (" + std::string(what) + ")"};
}

}  // namespace

Result<MasterKey> generate_master_key() {
  auto key = SecretKey::random();
  if (!key) return fail(key.error());
  return MasterKey(std::move(*key));
}

std::string key_block_json(const KeyBlock& b) {
  json j = {{"scheme", kScheme},
            {"aead", kAead},
            {"master_key_check", to_base64(as_span(b.master_key_check))}};
  if (b.passphrase) {
    j["kdf"] = {{"alg", kPwhashAlg},
                {"opslimit", b.passphrase->kdf.opslimit},
                {"memlimit", b.passphrase->kdf.memlimit},
                {"salt", to_base64(as_span(b.passphrase->salt))}};
    j["wrapped_master_key"] = wrapped_json(b.passphrase->wrapped);
  }
  if (b.recovery) {
    j["recovery"] = {{"kdf", kFullEntropyKdf}, {"wrapped_master_key", wrapped_json(*b.recovery)}};
  }
  if (b.key_file) {
    j["key_file"] = {{"kdf", kFullEntropyKdf}, {"wrapped_master_key", wrapped_json(*b.key_file)}};
  }
  return j.dump(2);
}

Result<KeyBlock> parse_key_block(std::string_view text) {
  // Accessors below check types first; the catch is a last line so that no exception of
  // the JSON library leaves this module.
  try {
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(bad_block("not a JSON object"));
    const std::string_view scheme = string_member(j, "scheme");
    if (scheme.empty()) return fail(bad_block("no scheme"));
    if (scheme != kScheme || string_member(j, "aead") != kAead) {
      return fail(ErrorCode::kUnsupported,
                  "vault.json: unknown encryption scheme (made by a newer custos?)");
    }
    KeyBlock b;
    if (!read_b64(j, "master_key_check", b.master_key_check)) return fail(bad_block("key check"));
    const auto kdf = j.find("kdf");
    if (kdf != j.end() || j.contains("wrapped_master_key")) {
      PassphraseSlot slot;
      if (kdf == j.end() || string_member(*kdf, "alg") != kPwhashAlg) return fail(bad_block("kdf"));
      const auto ops = kdf->find("opslimit");
      const auto mem = kdf->find("memlimit");
      if (ops == kdf->end() || mem == kdf->end() || !ops->is_number_unsigned() ||
          !mem->is_number_unsigned() || !read_b64(*kdf, "salt", slot.salt) ||
          !read_wrapped(j, slot.wrapped)) {
        return fail(bad_block("passphrase slot"));
      }
      slot.kdf = {ops->get<std::uint64_t>(), mem->get<std::size_t>()};
      if (auto s = check_kdf_params(slot.kdf); !s) return fail(bad_block(s.error().message));
      b.passphrase = slot;
    }
    if (!read_full_entropy_slot(j, "recovery", b.recovery) ||
        !read_full_entropy_slot(j, "key_file", b.key_file)) {
      return fail(bad_block("recovery or key file slot"));
    }
    if (!has_slots(b)) return fail(bad_block("no key slot"));
    return b;
  } catch (const json::exception&) {
    return fail(bad_block("unexpected value"));
  }
}

Result<NewVaultKeys> create_vault_keys(std::string_view passphrase, const KdfParams& params) {
  auto master = generate_master_key();
  if (!master) return fail(master.error());
  auto recovery = generate_recovery_key();
  if (!recovery) return fail(recovery.error());
  KeyBlock block;
  if (auto s = set_passphrase(block, *master, passphrase, params); !s) return fail(s.error());
  if (auto s = set_recovery_key(block, *master, *recovery); !s) return fail(s.error());
  return NewVaultKeys{std::move(*master), std::move(block), std::move(*recovery)};
}

Status set_passphrase(KeyBlock& block, const MasterKey& master, std::string_view passphrase,
                      const KdfParams& params) {
  if (passphrase.empty()) return fail(ErrorCode::kInvalidArgument, "the passphrase is empty");
  if (auto s = check_kdf_params(params); !s) {
    return fail(ErrorCode::kInvalidArgument, s.error().message);
  }
  KeyBlock next = block;
  if (auto s = adopt_or_check(next, master); !s) return s;
  PassphraseSlot slot;
  slot.kdf = params;
  slot.salt = random_salt();
  auto kek = derive_passphrase_key(passphrase, slot.salt, params);
  if (!kek) return fail(kek.error());
  slot.wrapped = wrap(*kek, master, kAdPassphrase);
  next.passphrase = slot;
  block = next;
  return {};
}

Status set_recovery_key(KeyBlock& block, const MasterKey& master, const RecoveryKey& recovery) {
  KeyBlock next = block;
  if (auto s = adopt_or_check(next, master); !s) return s;
  auto kek = full_entropy_kek(recovery.secret(), kCtxRecovery);
  if (!kek) return fail(kek.error());
  next.recovery = wrap(*kek, master, kAdRecovery);
  block = next;
  return {};
}

Status set_key_file(KeyBlock& block, const MasterKey& master, const KeyFileSecret& key_file) {
  KeyBlock next = block;
  if (auto s = adopt_or_check(next, master); !s) return s;
  auto kek = full_entropy_kek(key_file.secret(), kCtxKeyFile);
  if (!kek) return fail(kek.error());
  next.key_file = wrap(*kek, master, kAdKeyFile);
  block = next;
  return {};
}

Result<MasterKey> unlock_with_passphrase(const KeyBlock& block, std::string_view passphrase) {
  if (!block.passphrase) {
    return fail(ErrorCode::kNotFound,
                "this vault has no passphrase; use its key file or recovery key");
  }
  auto kek = derive_passphrase_key(passphrase, block.passphrase->salt, block.passphrase->kdf);
  if (!kek) return fail(kek.error());
  return unwrap(block, *kek, block.passphrase->wrapped, kAdPassphrase, "wrong passphrase");
}

Result<MasterKey> unlock_with_recovery_key(const KeyBlock& block, const RecoveryKey& recovery) {
  if (!block.recovery) return fail(ErrorCode::kNotFound, "this vault has no recovery key");
  auto kek = full_entropy_kek(recovery.secret(), kCtxRecovery);
  if (!kek) return fail(kek.error());
  return unwrap(block, *kek, *block.recovery, kAdRecovery, "wrong recovery key");
}

Result<MasterKey> unlock_with_key_file(const KeyBlock& block, const KeyFileSecret& key_file) {
  if (!block.key_file) return fail(ErrorCode::kNotFound, "this vault has no key file");
  auto kek = full_entropy_kek(key_file.secret(), kCtxKeyFile);
  if (!kek) return fail(kek.error());
  return unwrap(block, *kek, *block.key_file, kAdKeyFile, "wrong key file");
}

Result<KeyBlock> rewrap_passphrase(const KeyBlock& block, const MasterKey& master,
                                   std::string_view new_passphrase, const KdfParams& params) {
  KeyBlock next = block;
  if (auto s = set_passphrase(next, master, new_passphrase, params); !s) return fail(s.error());
  return next;
}

Result<SecretKey> derive_subkey(const MasterKey& master, std::uint64_t subkey_id,
                                std::string_view context) {
  if (context.size() != crypto_kdf_CONTEXTBYTES) {
    return fail(ErrorCode::kInvalidArgument, "a key derivation context is 8 characters");
  }
  auto key = SecretKey::zeroed();
  if (!key) return key;
  char ctx[crypto_kdf_CONTEXTBYTES];
  std::memcpy(ctx, context.data(), sizeof ctx);
  ::crypto_kdf_derive_from_key(key->data(), kKeyBytes, subkey_id, ctx, master.key().data());
  return key;
}

Result<SecretKey> derive_subkey(const MasterKey& master, SubkeyPurpose purpose) {
  // One context per purpose; the id leaves room for rotating a purpose's key later.
  switch (purpose) {
    case SubkeyPurpose::kBlobKeyWrap:
      return derive_subkey(master, 1, "cstsblob");
    case SubkeyPurpose::kIndex:
      return derive_subkey(master, 1, "cstsindx");
    case SubkeyPurpose::kAuditLog:
      return derive_subkey(master, 1, "cstsaudt");
    case SubkeyPurpose::kAuditSigningSeed:
      return derive_subkey(master, 1, "cstssign");
  }
  return fail(ErrorCode::kInvalidArgument, "unknown key purpose");
}

Result<SecureBytes> sqlcipher_raw_key(const SecretKey& index_key) {
  auto hex = SecureBytes::allocate(kKeyBytes * 2 + 1);  // sodium_bin2hex writes a NUL
  if (!hex) return hex;
  ::sodium_bin2hex(reinterpret_cast<char*>(hex->data()), hex->size(), index_key.data(), kKeyBytes);
  auto out = SecureBytes::allocate(kKeyBytes * 2 + 3);
  if (!out) return out;
  out->data()[0] = 'x';
  out->data()[1] = '\'';
  std::memcpy(out->data() + 2, hex->data(), kKeyBytes * 2);
  out->data()[out->size() - 1] = '\'';
  return out;
}

}  // namespace custos::crypto
