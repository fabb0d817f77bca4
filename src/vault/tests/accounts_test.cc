// Accounts and API tokens through the vault: owner-only changes, each audited; the lookups
// sign-in uses; TOTP steps and recovery codes used once.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/clock.h"
#include "crypto/api_token.h"
#include "crypto/totp.h"
#include "source/tests/test_support.h"
#include "vault/vault.h"

namespace custos::vault {
namespace {
namespace fs = std::filesystem;

Caller as(Role role, const std::string& name, bool read_only = false) {
  Caller c;
  c.actor = {audit::ActorKind::kUser, name};
  c.origin = {audit::OriginKind::kHttp, "192.0.2.7", "test-agent", "", ""};
  c.role = role;
  c.read_only = read_only;
  return c;
}

class VaultAccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitOptions init;
    init.encryption = false;
    ASSERT_TRUE(Vault::init(tmp_.path() / "v", init, clock_));
    auto v = Vault::open(tmp_.path() / "v", clock_);
    ASSERT_TRUE(v) << v.error().message;
    vault_ = std::move(*v);
    vault_->set_password_hash_params(crypto::weakest_password_params());
  }
  std::vector<audit::Entry> entries() {
    auto e = vault_->audit_entries({});
    EXPECT_TRUE(e);
    return e ? *e : std::vector<audit::Entry>{};
  }
  std::string audit_text() {
    std::string all;
    for (const auto& f : fs::directory_iterator(tmp_.path() / "v" / "audit")) {
      std::ifstream in(f.path(), std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      all += s.str();
    }
    return all;
  }
  source::testing::TempDir tmp_;
  SystemClock clock_;
  std::unique_ptr<Vault> vault_;
  const Caller owner_{};
};

TEST_F(VaultAccountsTest, OwnerAddsUsersAndEachChangeIsAudited) {
  ASSERT_TRUE(vault_->add_user(owner_, "jane", Role::kOwner, "correct horse battery"));
  ASSERT_TRUE(vault_->add_user(owner_, "carl", Role::kCaregiver, "another long secret"));
  auto dup = vault_->add_user(owner_, "jane", Role::kViewer, "correct horse battery");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  auto weak = vault_->add_user(owner_, "weak", Role::kViewer, "short");
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().code, ErrorCode::kInvalidArgument);
  auto users = vault_->list_users(owner_);
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].name, "carl");
  EXPECT_EQ((*users)[0].role, Role::kCaregiver);
  auto found = vault_->find_user("jane");
  ASSERT_TRUE(found && *found);
  EXPECT_TRUE(crypto::verify_password((*found)->password_hash, "correct horse battery"));
  int adds = 0;
  for (const auto& e : entries()) adds += e.action == "user.add" && e.outcome == audit::Outcome::kSuccess;
  EXPECT_EQ(adds, 2);
  EXPECT_EQ(audit_text().find("correct horse"), std::string::npos) << "no password in the trail";
  EXPECT_TRUE(vault_->audit_verify({}).value().ok);
}

TEST_F(VaultAccountsTest, TokensAreStoredAsHashesFoundAndRevoked) {
  ASSERT_TRUE(vault_->add_user(owner_, "jane", Role::kOwner, "correct horse battery"));
  auto t = vault_->create_token(owner_, "script", "", true);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->info.user, "jane") << "the one owner account by default";
  EXPECT_TRUE(t->info.read_only);
  EXPECT_TRUE(t->secret.starts_with("cst_"));
  auto hash = crypto::api_token_hash(t->secret);
  ASSERT_TRUE(hash);
  auto row = vault_->find_token_by_hash(*hash);
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->name, "script");
  EXPECT_EQ((*row)->sha256, to_hex(*hash));
  auto other = crypto::generate_api_token();
  auto none = vault_->find_token_by_hash(other->sha256);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  EXPECT_EQ(audit_text().find(t->secret), std::string::npos);
  EXPECT_EQ(vault_->create_token(owner_, "script", "jane", false).error().code,
            ErrorCode::kConflict);
  EXPECT_EQ(vault_->create_token(owner_, "x", "nobody", false).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(vault_->touch_token("script", clock_.now()));
  ASSERT_TRUE(vault_->revoke_token(owner_, "script"));
  auto list = vault_->list_tokens(owner_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_TRUE((*list)[0].revoked);
  EXPECT_TRUE((*list)[0].last_used);
  EXPECT_EQ(vault_->revoke_token(owner_, "nope").error().code, ErrorCode::kNotFound);
}

TEST_F(VaultAccountsTest, DefaultTokenUserNeedsExactlyOneOwner) {
  EXPECT_EQ(vault_->create_token(owner_, "t", "", false).error().code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(vault_->add_user(owner_, "a", Role::kOwner, "correct horse battery"));
  ASSERT_TRUE(vault_->add_user(owner_, "b", Role::kOwner, "correct horse battery"));
  EXPECT_EQ(vault_->create_token(owner_, "t", "", false).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(vault_->create_token(owner_, "t", "b", false));
}

TEST_F(VaultAccountsTest, RemovingAUserRevokesTheirTokens) {
  ASSERT_TRUE(vault_->add_user(owner_, "jane", Role::kOwner, "correct horse battery"));
  ASSERT_TRUE(vault_->add_user(owner_, "vic", Role::kViewer, "correct horse battery"));
  ASSERT_TRUE(vault_->create_token(owner_, "v1", "vic", false));
  ASSERT_TRUE(vault_->create_token(owner_, "j1", "jane", false));
  ASSERT_TRUE(vault_->remove_user(owner_, "vic"));
  auto list = vault_->list_tokens(owner_);
  ASSERT_TRUE(list);
  for (const auto& t : *list) EXPECT_EQ(t.revoked, t.name == "v1") << t.name;
  EXPECT_EQ(vault_->remove_user(owner_, "vic").error().code, ErrorCode::kNotFound);
}

TEST_F(VaultAccountsTest, OnlyTheOwnerManagesAccountsAndDenialsAreAudited) {
  ASSERT_TRUE(vault_->add_user(owner_, "vic", Role::kViewer, "correct horse battery"));
  ASSERT_TRUE(vault_->add_user(owner_, "carl", Role::kCaregiver, "correct horse battery"));
  const Caller viewer = as(Role::kViewer, "vic");
  const Caller caregiver = as(Role::kCaregiver, "carl");
  const Caller ro_owner = as(Role::kOwner, "jane", true);
  for (const Caller* c : {&viewer, &caregiver, &ro_owner}) {
    auto s = vault_->add_user(*c, "eve", Role::kOwner, "correct horse battery");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(vault_->create_token(*c, "t", "vic", false).error().code,
              ErrorCode::kPermissionDenied);
    EXPECT_EQ(vault_->list_users(*c).error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(vault_->remove_user(*c, "vic").error().code, ErrorCode::kPermissionDenied);
  }
  // A user may change their own password, nobody else's.
  EXPECT_TRUE(vault_->set_password(viewer, "vic", "a new long password"));
  EXPECT_EQ(vault_->set_password(viewer, "carl", "a new long password").error().code,
            ErrorCode::kPermissionDenied);
  int denied = 0;
  for (const auto& e : entries()) {
    if (e.action != "access.denied") continue;
    ++denied;
    EXPECT_EQ(e.outcome, audit::Outcome::kFailure);
    EXPECT_EQ(e.actor.kind, audit::ActorKind::kUser);
    EXPECT_EQ(e.origin.ip, "192.0.2.7");
    EXPECT_EQ(e.origin.user_agent, "test-agent");
  }
  EXPECT_EQ(denied, 13);
}

TEST_F(VaultAccountsTest, TotpStepAndRecoveryCodesWorkOnce) {
  ASSERT_TRUE(vault_->add_user(owner_, "jane", Role::kOwner, "correct horse battery"));
  auto e = vault_->enrol_totp(owner_, "jane");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_TRUE(e->uri.starts_with("otpauth://totp/custos:jane?secret=" + e->secret_base32));
  ASSERT_EQ(e->recovery_codes.size(), 10u);
  auto row = vault_->find_user("jane");
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->totp_secret, e->secret_base32);
  for (const auto& h : (*row)->recovery_code_hashes) {
    for (const auto& c : e->recovery_codes) EXPECT_NE(h, c) << "codes are stored hashed";
  }
  EXPECT_TRUE(vault_->accept_totp_step("jane", 100).value());
  EXPECT_FALSE(vault_->accept_totp_step("jane", 100).value());
  EXPECT_FALSE(vault_->accept_totp_step("jane", 99).value());
  EXPECT_TRUE(vault_->accept_totp_step("jane", 101).value());
  const Caller jane = as(Role::kOwner, "jane");
  EXPECT_TRUE(vault_->use_recovery_code(jane, "jane", e->recovery_codes[3]).value());
  EXPECT_FALSE(vault_->use_recovery_code(jane, "jane", e->recovery_codes[3]).value());
  EXPECT_FALSE(vault_->use_recovery_code(jane, "jane", "aaaa-bbbb-cccc-dddd").value());
  bool audited = false;
  for (const auto& entry : entries()) {
    if (entry.action != "user.recovery_code.use") continue;
    audited = true;
    EXPECT_EQ(entry.detail, "9 recovery codes left");
    EXPECT_EQ(entry.origin.ip, "192.0.2.7");
  }
  EXPECT_TRUE(audited);
  auto users = vault_->list_users(owner_);
  EXPECT_EQ(users->at(0).recovery_codes_left, 9u);
  EXPECT_TRUE(users->at(0).totp_enrolled);
  ASSERT_TRUE(vault_->disable_totp(owner_, "jane"));
  EXPECT_FALSE(vault_->list_users(owner_)->at(0).totp_enrolled);
}

}  // namespace
}  // namespace custos::vault
