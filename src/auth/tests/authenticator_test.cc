// Sign-in, sessions and API tokens over a real (unencrypted, temporary) vault: every attempt
// audited without secrets, TOTP required when enrolled and each code used once, lockout,
// sessions ended by a password change or removal, tokens checked, revoked, touched.
#include "auth/authenticator.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "auth/tests/fake_clock.h"
#include "crypto/totp.h"
#include "vault/import_session.h"
#include "source/tests/test_support.h"

namespace custos::auth {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kPassword = "correct horse battery";

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault::InitOptions init;
    init.encryption = false;
    ASSERT_TRUE(vault::Vault::init(tmp_.path() / "v", init, clock_));
    auto v = vault::Vault::open(tmp_.path() / "v", clock_);
    ASSERT_TRUE(v) << v.error().message;
    vault_ = std::move(*v);
    vault_->set_password_hash_params(crypto::weakest_password_params());
    ASSERT_TRUE(vault_->add_user(owner_, "jane", vault::Role::kOwner, kPassword));
    ASSERT_TRUE(vault_->add_user(owner_, "vic", vault::Role::kViewer, kPassword));
    auth_ = std::make_unique<Authenticator>(*vault_, clock_);
  }
  Result<LoginResult> login(const std::string& user, const std::string& password,
                            std::optional<std::string> totp = std::nullopt,
                            const std::string& ip = "192.0.2.1") {
    return auth_->login(user, password, totp, ip, "Firefox/128");
  }
  std::vector<audit::Entry> logins() {
    std::vector<audit::Entry> out;
    const auto all = vault_->audit_entries({}).value();
    for (const auto& e : all) {
      if (e.action.starts_with("login.")) out.push_back(e);
    }
    return out;
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
  testing::FakeClock clock_;
  std::unique_ptr<vault::Vault> vault_;
  std::unique_ptr<Authenticator> auth_;
  const vault::Caller owner_{};
};

TEST_F(AuthenticatorTest, SuccessCreatesASessionAndIsAudited) {
  auto r = login("jane", kPassword);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->ok());
  EXPECT_EQ(r->principal.user, "jane");
  EXPECT_EQ(r->principal.role, vault::Role::kOwner);
  EXPECT_EQ(r->principal.kind, Principal::Kind::kSession);
  EXPECT_EQ(r->principal.session_id.size(), 43u);
  auto p = auth_->authenticate_session(r->principal.session_id);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->user, "jane");
  EXPECT_EQ(p->csrf, r->principal.csrf);
  const auto entries = logins();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, "login.success");
  EXPECT_EQ(entries[0].actor.kind, audit::ActorKind::kUser);
  EXPECT_EQ(entries[0].actor.id, "jane");
  EXPECT_EQ(entries[0].origin.kind, audit::OriginKind::kHttp);
  EXPECT_EQ(entries[0].origin.ip, "192.0.2.1");
  EXPECT_EQ(entries[0].origin.user_agent, "Firefox/128");
  auth_->logout(r->principal.session_id);
  EXPECT_EQ(auth_->authenticate_session(r->principal.session_id).error().code,
            ErrorCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, FailuresAreAuditedWithTheReasonAndNoSecret) {
  auto wrong = login("jane", "wrong password here");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->failure, LoginFailure::kBadCredentials);
  auto unknown = login("nobody", kPassword);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->failure, LoginFailure::kBadCredentials) << "same answer as a wrong password";
  auto typed_password_as_name = login("my secret passw0rd!", kPassword);
  ASSERT_TRUE(typed_password_as_name);
  const auto entries = logins();
  ASSERT_EQ(entries.size(), 3u);
  for (const auto& e : entries) {
    EXPECT_EQ(e.action, "login.failure");
    EXPECT_EQ(e.outcome, audit::Outcome::kFailure);
    EXPECT_EQ(e.detail, "bad_credentials");
  }
  EXPECT_EQ(entries[1].actor.id, "nobody");
  EXPECT_EQ(entries[2].actor.id, "(invalid name)");
  const std::string text = audit_text();
  EXPECT_EQ(text.find("wrong password"), std::string::npos);
  EXPECT_EQ(text.find(kPassword), std::string::npos);
  EXPECT_EQ(text.find("my secret"), std::string::npos);
  EXPECT_EQ(login_error(LoginFailure::kBadCredentials).code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(login_error(LoginFailure::kLocked).code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(to_string(LoginFailure::kTotpRequired), "totp_required");
}

TEST_F(AuthenticatorTest, LockedAfterFiveFailuresEvenWithTheRightPassword) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(login("jane", "wrong password here"));
  auto r = login("jane", kPassword);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failure, LoginFailure::kLocked);
  EXPECT_EQ(r->retry_after, 15min);
  EXPECT_EQ(logins().back().detail, "locked");
  clock_.advance(15min);
  r = login("jane", kPassword);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
}

TEST_F(AuthenticatorTest, AddressThrottledAfterTwentyFailures) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(login("user" + std::to_string(i), "x", {}, "198.51.100.4"));
  auto r = login("jane", kPassword, {}, "198.51.100.4");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failure, LoginFailure::kIpThrottled);
  EXPECT_TRUE(login("jane", kPassword, {}, "198.51.100.5")->ok());
}

TEST_F(AuthenticatorTest, TotpRequiredOnceEnrolledAndEachCodeWorksOnce) {
  auto e = vault_->enrol_totp(owner_, "jane");
  ASSERT_TRUE(e);
  auto r = login("jane", kPassword);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failure, LoginFailure::kTotpRequired);
  EXPECT_EQ(login("jane", "wrong password here", "123456")->failure,
            LoginFailure::kBadCredentials) << "the password is checked first";
  const std::string code = crypto::totp_code(e->secret_base32, clock_.now());
  const std::string wrong = code == "000000" ? "000001" : "000000";
  EXPECT_EQ(login("jane", kPassword, wrong)->failure, LoginFailure::kTotpInvalid);
  r = login("jane", kPassword, code);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(login("jane", kPassword, code)->failure, LoginFailure::kTotpInvalid) << "replay";
  // The previous step's code is older than the one used: refused too.
  EXPECT_EQ(login("jane", kPassword, crypto::totp_code(e->secret_base32, clock_.now() - 30s))
                ->failure,
            LoginFailure::kTotpInvalid);
  clock_.advance(30s);
  EXPECT_TRUE(login("jane", kPassword, crypto::totp_code(e->secret_base32, clock_.now()))->ok());
  // A recovery code, once.
  EXPECT_TRUE(login("jane", kPassword, e->recovery_codes[0])->ok());
  EXPECT_EQ(login("jane", kPassword, e->recovery_codes[0])->failure, LoginFailure::kTotpInvalid);
  const std::string text = audit_text();
  EXPECT_EQ(text.find(e->secret_base32), std::string::npos);
  EXPECT_EQ(text.find(e->recovery_codes[0]), std::string::npos);
  int totp_logins = 0;
  for (const auto& entry : logins()) totp_logins += entry.detail == "password+totp";
  EXPECT_EQ(totp_logins, 3);
}

TEST_F(AuthenticatorTest, SessionEndsWhenThePasswordChangesOrTheUserIsRemoved) {
  auto jane = login("jane", kPassword);
  auto vic = login("vic", kPassword);
  ASSERT_TRUE(jane && jane->ok() && vic && vic->ok());
  ASSERT_TRUE(vault_->set_password(owner_, "jane", "a brand new password"));
  EXPECT_FALSE(auth_->authenticate_session(jane->principal.session_id));
  EXPECT_TRUE(auth_->authenticate_session(vic->principal.session_id));
  ASSERT_TRUE(vault_->remove_user(owner_, "vic"));
  EXPECT_FALSE(auth_->authenticate_session(vic->principal.session_id));
  EXPECT_EQ(auth_->sessions().size(), 0u);
}

TEST_F(AuthenticatorTest, SessionsTimeOut) {
  auto r = login("vic", kPassword);
  ASSERT_TRUE(r && r->ok());
  EXPECT_TRUE(auth_->authenticate_session(r->principal.session_id, clock_.now() + 10min));
  EXPECT_FALSE(auth_->authenticate_session(r->principal.session_id, clock_.now() + 26min));
}

TEST_F(AuthenticatorTest, TokensAuthenticateUntilRevokedAndAreTouchedAtMostOnceAMinute) {
  auto t = vault_->create_token(owner_, "script", "vic", false);
  auto ro = vault_->create_token(owner_, "backup", "jane", true);
  ASSERT_TRUE(t && ro);
  auto p = auth_->authenticate_token(t->secret);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->user, "vic");
  EXPECT_EQ(p->role, vault::Role::kViewer);
  EXPECT_FALSE(p->read_only);
  EXPECT_EQ(p->kind, Principal::Kind::kToken);
  EXPECT_EQ(p->token_name, "script");
  const auto c = p->caller("192.0.2.9", "curl/8");
  EXPECT_EQ(c.actor.kind, audit::ActorKind::kApiToken);
  EXPECT_EQ(c.actor.id, "vic/script");
  EXPECT_EQ(c.origin.ip, "192.0.2.9");
  auto q = auth_->authenticate_token(ro->secret);
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->read_only);
  EXPECT_EQ(q->role, vault::Role::kOwner);

  auto last_used = [&] {
    const auto tokens = vault_->list_tokens(owner_).value();
    for (const auto& i : tokens) {
      if (i.name == "script") return i.last_used;
    }
    return std::optional<std::chrono::system_clock::time_point>();
  };
  const auto first = last_used();
  ASSERT_TRUE(first);
  clock_.advance(30s);
  ASSERT_TRUE(auth_->authenticate_token(t->secret));
  EXPECT_EQ(last_used(), first);
  clock_.advance(31s);
  ASSERT_TRUE(auth_->authenticate_token(t->secret));
  EXPECT_EQ(last_used(), clock_.now());

  for (std::string bad : {std::string("cst_nope"), std::string(""), "Bearer " + t->secret,
                          t->secret.substr(0, t->secret.size() - 1) +
                              (t->secret.back() == 'A' ? "B" : "A")}) {
    auto r = auth_->authenticate_token(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  }
  ASSERT_TRUE(vault_->revoke_token(owner_, "script"));
  EXPECT_EQ(auth_->authenticate_token(t->secret).error().code, ErrorCode::kUnauthenticated);
  ASSERT_TRUE(vault_->remove_user(owner_, "jane"));
  EXPECT_FALSE(auth_->authenticate_token(ro->secret));
}

TEST_F(AuthenticatorTest, ThePrincipalsRoleIsEnforcedByTheVault) {
  auto vic = login("vic", kPassword);
  ASSERT_TRUE(vic && vic->ok());
  const vault::Caller c = vic->principal.caller("192.0.2.1", "Firefox/128");
  EXPECT_EQ(c.role, vault::Role::kViewer);
  EXPECT_TRUE(vault_->studies(c));
  auto denied = vault_->begin_import(c, {});
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  auto jane = login("jane", kPassword);
  ASSERT_TRUE(jane && jane->ok());
  EXPECT_TRUE(vault_->begin_import(jane->principal.caller("192.0.2.1", "Firefox/128"), {}));
}

}  // namespace
}  // namespace custos::auth
