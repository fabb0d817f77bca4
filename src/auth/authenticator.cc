#include "auth/authenticator.h"

#include "crypto/api_token.h"
#include "crypto/password.h"
#include "crypto/totp.h"

namespace custos::auth {
namespace {

using std::chrono::system_clock;

std::string credential_stamp(const std::string& password_hash) {
  return to_hex(sha256_of(std::as_bytes(std::span(password_hash.data(), password_hash.size()))))
      .substr(0, 32);
}

vault::Caller http_caller(const std::string& user, const std::string& ip,
                          const std::string& user_agent) {
  vault::Caller c;
  // A name that is not a valid account name may be a password typed into the wrong field:
  // it stays out of the audit trail.
  const bool valid = static_cast<bool>(vault::check_account_name("user", user));
  c.actor = {audit::ActorKind::kUser, valid ? user : "(invalid name)"};
  c.origin = {audit::OriginKind::kHttp, ip, user_agent, "", ""};
  c.role = vault::Role::kViewer;
  return c;
}

}  // namespace

std::string_view to_string(LoginFailure f) {
  switch (f) {
    case LoginFailure::kBadCredentials: return "bad_credentials";
    case LoginFailure::kTotpRequired: return "totp_required";
    case LoginFailure::kTotpInvalid: return "totp_invalid";
    case LoginFailure::kLocked: return "locked";
    case LoginFailure::kIpThrottled: return "ip_throttled";
  }
  return "bad_credentials";
}

Error login_error(LoginFailure f) {
  switch (f) {
    case LoginFailure::kBadCredentials:
      return {ErrorCode::kUnauthenticated, "wrong user name or password"};
    case LoginFailure::kTotpRequired:
      return {ErrorCode::kUnauthenticated, "enter the code from your authenticator app"};
    case LoginFailure::kTotpInvalid:
      return {ErrorCode::kUnauthenticated, "the code is wrong, expired or already used"};
    case LoginFailure::kLocked:
      return {ErrorCode::kPermissionDenied, "too many failed sign-ins: try again later"};
    case LoginFailure::kIpThrottled:
      return {ErrorCode::kPermissionDenied,
              "too many failed sign-ins from this address: try again later"};
  }
  return {ErrorCode::kUnauthenticated, "not signed in"};
}

vault::Caller Principal::caller(const std::string& ip, const std::string& user_agent) const {
  vault::Caller c;
  if (kind == Kind::kToken) {
    c.actor = {audit::ActorKind::kApiToken, user + "/" + token_name};
  } else {
    c.actor = {audit::ActorKind::kUser, user};
  }
  c.origin = {audit::OriginKind::kHttp, ip, user_agent, "", ""};
  c.role = role;
  c.read_only = read_only;
  return c;
}

Authenticator::Authenticator(vault::Vault& vault, const Clock& clock, AuthenticatorOptions options)
    : vault_(vault),
      clock_(clock),
      options_(options),
      sessions_(clock, options.sessions),
      throttle_(clock, options.throttle) {}

Result<LoginResult> Authenticator::refuse(const vault::Caller& who, LoginFailure failure,
                                          std::chrono::seconds retry_after) {
  if (auto s = vault_.record(who, "login.failure", {}, audit::Outcome::kFailure,
                             std::string(to_string(failure)));
      !s) {
    return fail(s.error());
  }
  LoginResult r;
  r.failure = failure;
  r.retry_after = retry_after;
  return r;
}

Result<LoginResult> Authenticator::login(const std::string& username, const std::string& password,
                                         const std::optional<std::string>& totp,
                                         const std::string& ip, const std::string& user_agent) {
  vault::Caller who = http_caller(username, ip, user_agent);
  const auto decision = throttle_.check(username, ip);
  if (!decision.allowed()) {
    return refuse(who,
                  decision.verdict == ThrottleVerdict::kIpThrottled ? LoginFailure::kIpThrottled
                                                                     : LoginFailure::kLocked,
                  decision.retry_after);
  }
  auto found = vault_.find_user(username);
  if (!found) return fail(found.error());
  const bool exists = found->has_value() && !(*found)->disabled;
  if (!exists) {
    // Same work as a real check, so the time taken does not tell which names exist.
    std::call_once(dummy_once_, [&] {
      dummy_hash_ = crypto::hash_password("dummy password for timing",
                                          vault_.password_hash_params()).value_or("");
    });
    (void)crypto::verify_password(dummy_hash_, password);
  }
  if (!exists || !crypto::verify_password((*found)->password_hash, password)) {
    throttle_.record_failure(username, ip);
    return refuse(who, LoginFailure::kBadCredentials);
  }
  const index::UserRow& user = **found;
  if (!user.totp_secret.empty()) {
    if (!totp || totp->empty()) return refuse(who, LoginFailure::kTotpRequired);
    bool ok = false;
    if (crypto::looks_like_recovery_code(*totp)) {
      auto used = vault_.use_recovery_code(who, user.name, *totp);
      if (!used) return fail(used.error());
      ok = *used;
    } else if (auto step = crypto::totp_match(user.totp_secret, *totp, clock_.now(),
                                              user.totp_last_step)) {
      auto accepted = vault_.accept_totp_step(user.name, *step);  // atomic: a racing replay loses
      if (!accepted) return fail(accepted.error());
      ok = *accepted;
    }
    if (!ok) {
      throttle_.record_failure(username, ip);
      return refuse(who, LoginFailure::kTotpInvalid);
    }
  }
  throttle_.record_success(username);
  std::string hash = user.password_hash;
  if (crypto::password_needs_rehash(hash, vault_.password_hash_params())) {
    if (auto fresh = crypto::hash_password(password, vault_.password_hash_params())) {
      if (vault_.rehash_password(user.name, hash, *fresh)) hash = *fresh;
    }
  }
  auto role = vault::parse_role(user.role);
  if (!role) return fail(ErrorCode::kCorruption, "index: user " + user.name + " has a bad role");
  const Session s = sessions_.create(user.name, *role, credential_stamp(hash));
  who.role = *role;
  if (auto a = vault_.record(who, "login.success", {}, audit::Outcome::kSuccess,
                             user.totp_secret.empty() ? "password" : "password+totp");
      !a) {
    sessions_.destroy(s.id);
    return fail(a.error());
  }
  LoginResult r;
  r.principal.user = s.user;
  r.principal.role = s.role;
  r.principal.kind = Principal::Kind::kSession;
  r.principal.session_id = s.id;
  r.principal.csrf = s.csrf;
  return r;
}

Result<Principal> Authenticator::authenticate_session(const std::string& session_id,
                                                      system_clock::time_point now) {
  auto s = sessions_.touch(session_id, now);
  if (!s) return fail(s.error());
  auto user = vault_.find_user(s->user);
  if (!user) return fail(user.error());
  auto role = *user ? vault::parse_role((*user)->role) : Result<vault::Role>(vault::Role::kViewer);
  if (!*user || (*user)->disabled || !role ||
      credential_stamp((*user)->password_hash) != s->credential_stamp) {
    sessions_.destroy(session_id);
    return fail(ErrorCode::kUnauthenticated, "the session has ended; sign in again");
  }
  Principal p;
  p.user = s->user;
  p.role = *role;  // a role changed since sign-in applies at once
  p.kind = Principal::Kind::kSession;
  p.session_id = s->id;
  p.csrf = s->csrf;
  return p;
}

Result<Principal> Authenticator::authenticate_token(std::string_view bearer) {
  auto hash = crypto::api_token_hash(bearer);
  if (!hash) return fail(hash.error());
  auto token = vault_.find_token_by_hash(*hash);
  if (!token) return fail(token.error());
  const Error refused{ErrorCode::kUnauthenticated, "unknown or revoked API token"};
  if (!*token || (*token)->revoked) return fail(refused);
  auto user = vault_.find_user((*token)->user);
  if (!user) return fail(user.error());
  if (!*user || (*user)->disabled) return fail(refused);
  auto role = vault::parse_role((*user)->role);
  if (!role) return fail(refused);
  const auto now = clock_.now();
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  if (!(*token)->last_used ||
      now_s.count() - *(*token)->last_used >= options_.token_touch_interval.count()) {
    if (auto s = vault_.touch_token((*token)->name, now); !s) return fail(s.error());
  }
  Principal p;
  p.user = (*user)->name;
  p.role = *role;
  p.read_only = (*token)->read_only;
  p.kind = Principal::Kind::kToken;
  p.token_name = (*token)->name;
  return p;
}

void Authenticator::logout(const std::string& session_id) { sessions_.destroy(session_id); }

std::size_t Authenticator::end_sessions_of(const std::string& user) {
  return sessions_.destroy_all_of(user);
}

}  // namespace custos::auth
