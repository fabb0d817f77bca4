// Users and API tokens in the SQLite index, and the migration that adds them to an index
// written by the previous schema.
#include <gtest/gtest.h>
#include <unistd.h>

#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>

#include <filesystem>

#include "index/sqlite_index.h"
#include "index/sqlite_schema.h"

namespace custos::index {
namespace {
namespace fs = std::filesystem;

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custos-accounts-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<SqliteIndex> open() {
    auto idx = SqliteIndex::open({dir_ / "index.db", true});
    EXPECT_TRUE(idx) << idx.error().message;
    return idx ? std::move(*idx) : nullptr;
  }
  fs::path dir_;
};

UserRow user(const std::string& name) {
  UserRow u;
  u.name = name;
  u.role = "owner";
  u.password_hash = "$argon2id$x";
  u.created = 1700000000;
  return u;
}

TEST_F(AccountsTest, UsersAddUpdateRemove) {
  auto idx = open();
  ASSERT_TRUE(idx);
  ASSERT_TRUE(idx->write([](WriteTxn& txn) { return txn.add_user(user("jane")); }));
  auto dup = idx->write([](WriteTxn& txn) { return txn.add_user(user("jane")); });
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(idx->write([](WriteTxn& txn) {
    UserRow u = user("jane");
    u.totp_secret = "ABC";
    u.totp_last_step = 42;
    u.recovery_code_hashes = {"aa", "bb"};
    u.role = "viewer";
    return txn.update_user(u);
  }));
  ASSERT_TRUE(idx->read([](ReadTxn& txn) -> Status {
    auto u = txn.user("jane");
    EXPECT_TRUE(u && *u);
    EXPECT_EQ((*u)->role, "viewer");
    EXPECT_EQ((*u)->totp_last_step, 42);
    EXPECT_EQ((*u)->recovery_code_hashes, (std::vector<std::string>{"aa", "bb"}));
    EXPECT_EQ((*u)->created, 1700000000);
    auto none = txn.user("john");
    EXPECT_TRUE(none && !*none);
    return {};
  }));
  auto missing = idx->write([](WriteTxn& txn) { return txn.update_user(user("john")); });
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(idx->write([](WriteTxn& txn) { return txn.remove_user("jane"); }));
  EXPECT_EQ(idx->write([](WriteTxn& txn) { return txn.remove_user("jane"); }).error().code,
            ErrorCode::kNotFound);
}

TEST_F(AccountsTest, TokensByNameAndHash) {
  auto idx = open();
  ASSERT_TRUE(idx);
  TokenRow t;
  t.name = "script";
  t.user = "jane";
  t.sha256 = std::string(64, 'a');
  t.read_only = true;
  t.created = 1;
  ASSERT_TRUE(idx->write([&](WriteTxn& txn) { return txn.add_token(t); }));
  EXPECT_EQ(idx->write([&](WriteTxn& txn) { return txn.add_token(t); }).error().code,
            ErrorCode::kConflict);
  t.last_used = 99;
  t.revoked = true;
  ASSERT_TRUE(idx->write([&](WriteTxn& txn) { return txn.update_token(t); }));
  ASSERT_TRUE(idx->read([&](ReadTxn& txn) -> Status {
    auto by_hash = txn.token_by_hash(std::string(64, 'a'));
    EXPECT_TRUE(by_hash && *by_hash);
    EXPECT_EQ((*by_hash)->name, "script");
    EXPECT_TRUE((*by_hash)->read_only);
    EXPECT_TRUE((*by_hash)->revoked);
    EXPECT_EQ((*by_hash)->last_used, 99);
    auto other = txn.token_by_hash(std::string(64, 'b'));
    EXPECT_TRUE(other && !*other);
    auto all = txn.tokens();
    EXPECT_TRUE(all && all->size() == 1);
    return {};
  }));
}

// An index made by the schema before accounts existed (version 2) upgrades in place: data
// and meta kept, the new tables usable, user_version moved to the latest.
TEST_F(AccountsTest, MigratesAVersion2IndexInPlace) {
  const auto migrations = sqlite_migrations();
  ASSERT_GE(migrations.size(), 3u);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "index.db").c_str(), &db), SQLITE_OK);
    std::string sql = std::string(migrations[0]) + std::string(migrations[1]) +
                      "INSERT INTO meta(key, value) VALUES ('audit.head', '7:abc');"
                      "INSERT INTO patients(patient_id, name, birth_date, sex) "
                      "VALUES ('P1', 'Doe^Jane', '', '');"
                      "PRAGMA user_version = 2;";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto idx = open();
  ASSERT_TRUE(idx);
  ASSERT_TRUE(idx->read([](ReadTxn& txn) -> Status {
    auto head = txn.meta("audit.head");
    EXPECT_TRUE(head && *head && **head == "7:abc");
    auto patients = txn.patients();
    EXPECT_TRUE(patients && patients->size() == 1);
    auto users = txn.users();
    EXPECT_TRUE(users && users->empty());
    return {};
  }));
  ASSERT_TRUE(idx->write([](WriteTxn& txn) { return txn.add_user(user("jane")); }));
  idx.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "index.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), static_cast<std::int64_t>(migrations.size()));
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace custos::index
