// Envelope keys: passphrase, recovery key and key file slots, rewrap, the JSON key block and
// sub-keys. Minimal Argon2id cost throughout, except where the default cost is under test.
#include "crypto/keys.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/encoding.h"

namespace custos::crypto {
namespace {
namespace fs = std::filesystem;

bool same_key(const SecretKey& a, const SecretKey& b) {
  return equal_constant_time(a.bytes(), b.bytes());
}

std::string hex_of(std::span<const std::byte> bytes, bool upper) {
  static constexpr char kLower[] = "0123456789abcdef";
  static constexpr char kUpper[] = "0123456789ABCDEF";
  std::string out;
  for (const std::byte b : bytes) {
    const auto v = static_cast<unsigned>(b);
    out.push_back((upper ? kUpper : kLower)[v >> 4]);
    out.push_back((upper ? kUpper : kLower)[v & 15]);
  }
  return out;
}

// Every text form in which a key could leak into the JSON.
void expect_absent(const std::string& json, std::span<const std::byte> secret, const char* what) {
  for (const std::string& form :
       {hex_of(secret, false), hex_of(secret, true), to_base64(secret),
        to_base64(secret).substr(0, 20),
        std::string(reinterpret_cast<const char*>(secret.data()), secret.size())}) {
    EXPECT_EQ(json.find(form), std::string::npos) << what << " appears in the key block";
  }
}

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto keys = create_vault_keys("correct horse battery staple", minimal_kdf_params());
    ASSERT_TRUE(keys) << keys.error().message;
    keys_.emplace(std::move(*keys));
  }
  const KeyBlock& block() const { return keys_->block; }
  const MasterKey& master() const { return keys_->master; }

  std::optional<NewVaultKeys> keys_;
};

TEST_F(KeysTest, PassphraseUnwrapsTheMasterKey) {
  auto unlocked = unlock_with_passphrase(block(), "correct horse battery staple");
  ASSERT_TRUE(unlocked) << unlocked.error().message;
  EXPECT_TRUE(same_key(unlocked->key(), master().key()));
}

TEST_F(KeysTest, WrongPassphraseIsUnauthenticatedFast) {
  const auto start = std::chrono::steady_clock::now();
  auto unlocked = unlock_with_passphrase(block(), "correct horse battery stapler");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(unlocked);
  EXPECT_EQ(unlocked.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(unlocked.error().message, "wrong passphrase");
  EXPECT_LT(took, std::chrono::seconds(1));
  // Neither the passphrase tried nor any part of the real one is echoed.
  EXPECT_EQ(unlocked.error().message.find("stapler"), std::string::npos);
}

// About 0.5 s on the reference machine; the bound leaves room for a busy shared machine and
// the sanitizer's allocator, and still catches a retry loop or a cost that grew tenfold.
TEST_F(KeysTest, DefaultCostRejectsAWrongPassphraseWithinSeconds) {
  auto keys = create_vault_keys("owner's passphrase", default_kdf_params());
  ASSERT_TRUE(keys) << keys.error().message;
  const auto start = std::chrono::steady_clock::now();
  auto unlocked = unlock_with_passphrase(keys->block, "not the owner's passphrase");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(unlocked);
  EXPECT_EQ(unlocked.error().code, ErrorCode::kUnauthenticated);
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_GT(took, std::chrono::milliseconds(100)) << "the default cost is suspiciously cheap";
  std::printf(
      "default Argon2id cost (%llu passes, %zu MiB): %lld ms\n",
      static_cast<unsigned long long>(default_kdf_params().opslimit),
      default_kdf_params().memlimit >> 20,
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

TEST_F(KeysTest, RewrapRetiresTheOldPassphraseAndKeepsTheMasterKey) {
  auto master = unlock_with_passphrase(block(), "correct horse battery staple");
  ASSERT_TRUE(master);
  auto next = rewrap_passphrase(block(), *master, "a new passphrase", minimal_kdf_params());
  ASSERT_TRUE(next) << next.error().message;

  auto old_pass = unlock_with_passphrase(*next, "correct horse battery staple");
  ASSERT_FALSE(old_pass);
  EXPECT_EQ(old_pass.error().code, ErrorCode::kUnauthenticated);
  auto new_pass = unlock_with_passphrase(*next, "a new passphrase");
  ASSERT_TRUE(new_pass) << new_pass.error().message;
  EXPECT_TRUE(same_key(new_pass->key(), master->key()));

  // Only the passphrase slot changed: a new salt, and the other slots byte for byte.
  EXPECT_NE(next->passphrase->salt, block().passphrase->salt);
  EXPECT_EQ(next->recovery->ciphertext, block().recovery->ciphertext);
  EXPECT_EQ(next->master_key_check, block().master_key_check);
  auto by_recovery = unlock_with_recovery_key(*next, keys_->recovery);
  ASSERT_TRUE(by_recovery);
  EXPECT_TRUE(same_key(by_recovery->key(), master->key()));
}

TEST_F(KeysTest, RewrapRefusesAMasterKeyOfAnotherVault) {
  auto other = generate_master_key();
  ASSERT_TRUE(other);
  auto next = rewrap_passphrase(block(), *other, "a new passphrase", minimal_kdf_params());
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(KeysTest, EmptyPassphraseIsRefused) {
  auto next = rewrap_passphrase(block(), master(), "", minimal_kdf_params());
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(KeysTest, RecoveryKeyRoundTripsThroughItsText) {
  const std::string text = keys_->recovery.text();
  ASSERT_EQ(text.size(), 8u * 7u + 7u);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i % 8 == 7) {
      EXPECT_EQ(text[i], '-');
    } else {
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(text[i])) ||
                  std::isupper(static_cast<unsigned char>(text[i])));
    }
  }
  auto parsed = parse_recovery_key(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  auto unlocked = unlock_with_recovery_key(block(), *parsed);
  ASSERT_TRUE(unlocked) << unlocked.error().message;
  EXPECT_TRUE(same_key(unlocked->key(), master().key()));

  // As a person might type it: lower case, spaces instead of dashes, O for 0, l for 1.
  std::string typed;
  for (const char c : text) {
    char t = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c == '-') t = ' ';
    if (c == '0') t = 'O';
    if (c == '1') t = 'l';
    typed.push_back(t);
  }
  auto retyped = parse_recovery_key("  " + typed + "\n");
  ASSERT_TRUE(retyped) << retyped.error().message;
  EXPECT_TRUE(same_key(retyped->secret(), keys_->recovery.secret()));
}

TEST_F(KeysTest, RecoveryKeyTypoAnywhereIsCaughtByTheChecksum) {
  const std::string text = keys_->recovery.text();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '-') continue;
    std::string typo = text;
    typo[i] = text[i] == 'A' ? 'B' : 'A';
    auto parsed = parse_recovery_key(typo);
    ASSERT_FALSE(parsed) << "typo at " << i << " not caught";
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find("typo"), std::string::npos);
  }
  // Two neighbouring characters swapped.
  std::string swapped = text;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != text[i + 1] && text[i] != '-' && text[i + 1] != '-') {
      std::swap(swapped[i], swapped[i + 1]);
      break;
    }
  }
  EXPECT_FALSE(parse_recovery_key(swapped));
}

TEST_F(KeysTest, RecoveryKeyOfWrongLengthOrAlphabetIsRefusedWithoutEchoingIt) {
  const std::string text = keys_->recovery.text();
  for (const std::string& bad : {text.substr(0, text.size() - 1), text + "A",
                                 std::string("U") + text.substr(1), std::string()}) {
    auto parsed = parse_recovery_key(bad);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().message.find(text.substr(8, 7)), std::string::npos);
  }
}

TEST_F(KeysTest, AnotherRecoveryKeyIsUnauthenticated) {
  auto other = generate_recovery_key();
  ASSERT_TRUE(other);
  auto unlocked = unlock_with_recovery_key(block(), *other);
  ASSERT_FALSE(unlocked);
  EXPECT_EQ(unlocked.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(unlocked.error().message, "wrong recovery key");
}

class KeyFileTest : public KeysTest {
 protected:
  void SetUp() override {
    KeysTest::SetUp();
    char tmpl[] = "/tmp/custos-keyfile-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(KeyFileTest, KeyFileUnlocksAndIsPrivate) {
  const fs::path path = dir_ / "vault.key";
  auto created = create_key_file(path);
  ASSERT_TRUE(created) << created.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  KeyBlock b = block();
  ASSERT_TRUE(set_key_file(b, master(), *created));
  auto read = read_key_file(path);
  ASSERT_TRUE(read) << read.error().message;
  auto unlocked = unlock_with_key_file(b, *read);
  ASSERT_TRUE(unlocked) << unlocked.error().message;
  EXPECT_TRUE(same_key(unlocked->key(), master().key()));

  // The key block from JSON works the same, and the vault's other slots are untouched.
  auto parsed = parse_key_block(key_block_json(b));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(unlock_with_key_file(*parsed, *read));
  EXPECT_TRUE(unlock_with_passphrase(*parsed, "correct horse battery staple"));
}

TEST_F(KeyFileTest, AnotherKeyFileIsUnauthenticated) {
  auto mine = create_key_file(dir_ / "mine.key");
  auto other = create_key_file(dir_ / "other.key");
  ASSERT_TRUE(mine && other);
  KeyBlock b = block();
  ASSERT_TRUE(set_key_file(b, master(), *mine));
  auto unlocked = unlock_with_key_file(b, *other);
  ASSERT_FALSE(unlocked);
  EXPECT_EQ(unlocked.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(unlocked.error().message, "wrong key file");
  // A vault without a key file slot says so.
  auto none = unlock_with_key_file(block(), *mine);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
}

TEST_F(KeyFileTest, KeyFileIsNeverOverwrittenAndMustStayPrivate) {
  const fs::path path = dir_ / "vault.key";
  ASSERT_TRUE(create_key_file(path));
  EXPECT_FALSE(create_key_file(path));
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto read = read_key_file(path);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(KeyFileTest, OtherFilesAreNotKeyFiles) {
  const fs::path path = dir_ / "notes.txt";
  { std::ofstream(path) << "custos-key-file-v1\nnot base64 at all, but the right length!!!!\n"; }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto read = read_key_file(path);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(read_key_file(dir_ / "absent.key").error().code, ErrorCode::kNotFound);
}

TEST_F(KeyFileTest, KeyBlockJsonHoldsNoSecret) {
  auto key_file = create_key_file(dir_ / "vault.key");
  ASSERT_TRUE(key_file);
  KeyBlock b = block();
  ASSERT_TRUE(set_key_file(b, master(), *key_file));
  const std::string json = key_block_json(b);
  expect_absent(json, master().key().bytes(), "the master key");
  expect_absent(json, keys_->recovery.secret().bytes(), "the recovery key");
  expect_absent(json, key_file->secret().bytes(), "the key file secret");
  EXPECT_EQ(json.find(keys_->recovery.text().substr(0, 7)), std::string::npos);
  EXPECT_EQ(json.find("correct horse"), std::string::npos);
  // It does hold what unlocking needs.
  for (const char* field : {"\"scheme\"", "\"argon2id13\"", "\"opslimit\"", "\"memlimit\"",
                            "\"salt\"", "\"wrapped_master_key\"", "\"recovery\"", "\"key_file\""}) {
    EXPECT_NE(json.find(field), std::string::npos) << field;
  }
}

TEST_F(KeysTest, JsonRoundTripKeepsEverySlot) {
  auto parsed = parse_key_block(key_block_json(block()));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->passphrase->kdf, block().passphrase->kdf);
  EXPECT_EQ(parsed->passphrase->salt, block().passphrase->salt);
  EXPECT_EQ(parsed->passphrase->wrapped.ciphertext, block().passphrase->wrapped.ciphertext);
  EXPECT_EQ(parsed->recovery->nonce, block().recovery->nonce);
  EXPECT_FALSE(parsed->key_file);
  EXPECT_TRUE(unlock_with_passphrase(*parsed, "correct horse battery staple"));
  EXPECT_TRUE(unlock_with_recovery_key(*parsed, keys_->recovery));
}

TEST_F(KeysTest, DamagedOrHostileKeyBlocksAreRefusedWithoutThrowing) {
  const std::string good = key_block_json(block());
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? s : s.replace(at, from.size(), to);
  };
  const std::string memlimit = "\"memlimit\": " + std::to_string(block().passphrase->kdf.memlimit);
  const std::string salt =
      "\"salt\": \"" + to_base64(std::as_bytes(std::span(block().passphrase->salt)));
  for (const std::string& bad : {
           std::string("not json"),
           std::string("[]"),
           std::string("{}"),
           replace("\"scheme\"", "\"schema\""),
           replace(memlimit, "\"memlimit\": 1099511627776"),  // 1 TiB
           replace(memlimit, "\"memlimit\": \"lots\""),
           replace(memlimit, "\"memlimit\": -1"),
           replace("\"argon2id13\"", "5"),
           replace(salt, "\"salt\": \"AAAA"),
           replace("\"kdf\": \"blake2b-kdf\"", "\"kdf\": \"none\""),
       }) {
    auto parsed = parse_key_block(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kCorruption) << bad;
  }
  auto newer = parse_key_block(replace("custos-envelope-v1", "custos-envelope-v9"));
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code, ErrorCode::kUnsupported);
}

TEST_F(KeysTest, AlteredOrSwappedSlotsDoNotUnlock) {
  KeyBlock altered = block();
  altered.passphrase->wrapped.ciphertext[5] ^= 0x01;
  auto a = unlock_with_passphrase(altered, "correct horse battery staple");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, ErrorCode::kUnauthenticated);

  // The recovery slot's ciphertext moved into the passphrase slot does not open there (its
  // wrapping key differs; the purpose in the associated data would stop it even if not).
  KeyBlock swapped = block();
  swapped.passphrase->wrapped = *block().recovery;
  EXPECT_FALSE(unlock_with_passphrase(swapped, "correct horse battery staple"));

  // A slot from another vault with the same passphrase opens, but to the wrong master key.
  auto other = create_vault_keys("correct horse battery staple", minimal_kdf_params());
  ASSERT_TRUE(other);
  KeyBlock mixed = block();
  mixed.passphrase = other->block.passphrase;
  auto m = unlock_with_passphrase(mixed, "correct horse battery staple");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kCorruption);
}

TEST_F(KeysTest, SubkeysAreDistinctPerPurposeAndStable) {
  std::vector<SecretKey> keys;
  for (const auto purpose : {SubkeyPurpose::kBlobKeyWrap, SubkeyPurpose::kIndex,
                             SubkeyPurpose::kAuditLog, SubkeyPurpose::kAuditSigningSeed}) {
    auto k = derive_subkey(master(), purpose);
    ASSERT_TRUE(k);
    auto again = derive_subkey(master(), purpose);
    ASSERT_TRUE(again);
    EXPECT_TRUE(same_key(*k, *again));
    EXPECT_FALSE(same_key(*k, master().key()));
    for (const auto& previous : keys) EXPECT_FALSE(same_key(*k, previous));
    keys.push_back(std::move(*k));
  }
  auto other_master = generate_master_key();
  ASSERT_TRUE(other_master);
  auto foreign = derive_subkey(*other_master, SubkeyPurpose::kIndex);
  ASSERT_TRUE(foreign);
  EXPECT_FALSE(same_key(*foreign, keys[1]));
  EXPECT_EQ(derive_subkey(master(), 1, "short").error().code, ErrorCode::kInvalidArgument);
}

TEST_F(KeysTest, SqlcipherRawKeyIsTheHexLiteralOfTheIndexKey) {
  auto index_key = derive_subkey(master(), SubkeyPurpose::kIndex);
  ASSERT_TRUE(index_key);
  auto literal = sqlcipher_raw_key(*index_key);
  ASSERT_TRUE(literal);
  const std::string text(reinterpret_cast<const char*>(literal->data()), literal->size());
  EXPECT_EQ(text, "x'" + hex_of(index_key->bytes(), false) + "'");
}

TEST(SecureBytes, MovesOwnershipAndComparesInConstantTime) {
  auto a = SecureBytes::allocate(32);
  ASSERT_TRUE(a);
  random_bytes(a->bytes());
  auto copy = SecureBytes::copy_of(a->bytes());
  ASSERT_TRUE(copy);
  EXPECT_TRUE(equal_constant_time(a->bytes(), copy->bytes()));
  SecureBytes moved = std::move(*a);
  EXPECT_EQ(moved.size(), 32u);
  EXPECT_TRUE(a->empty());  // NOLINT(bugprone-use-after-move): the moved-from state is defined
  copy->bytes()[31] ^= std::byte{1};
  EXPECT_FALSE(equal_constant_time(moved.bytes(), copy->bytes()));
  EXPECT_FALSE(equal_constant_time(moved.bytes(), moved.bytes().first(31)));
  auto k1 = SecretKey::random();
  auto k2 = SecretKey::random();
  ASSERT_TRUE(k1 && k2);
  EXPECT_FALSE(equal_constant_time(k1->bytes(), k2->bytes()));
  EXPECT_EQ(SecretKey::copy_of(moved.bytes().first(16)).error().code, ErrorCode::kInvalidArgument);
}

TEST(Kdf, CalibrationKeepsTheMemoryAndPicksPassesForTheTarget) {
  constexpr std::size_t kMem = std::size_t{16} << 20;
  auto c = calibrate_kdf(std::chrono::milliseconds(60), kMem);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->params.memlimit, kMem);
  EXPECT_GE(c->params.opslimit, 1u);
  EXPECT_TRUE(check_kdf_params(c->params));
  EXPECT_GT(c->measured.count(), 0);
  EXPECT_LT(c->measured, std::chrono::milliseconds(1000));
}

TEST(Kdf, SameInputsGiveTheSameKeyAndAnySaltChangeGivesAnother) {
  const Salt salt = random_salt();
  auto a = derive_passphrase_key("pass", salt, minimal_kdf_params());
  auto b = derive_passphrase_key("pass", salt, minimal_kdf_params());
  Salt other_salt = salt;
  other_salt[0] ^= 1;
  auto c = derive_passphrase_key("pass", other_salt, minimal_kdf_params());
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(same_key(*a, *b));
  EXPECT_FALSE(same_key(*a, *c));
  EXPECT_EQ(derive_passphrase_key("pass", salt, {1, 1}).error().code, ErrorCode::kCorruption);
}

}  // namespace
}  // namespace custos::crypto
