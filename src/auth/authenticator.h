// Who is making a request to the server: sign-in with password (and TOTP when enrolled),
// browser sessions, API bearer tokens. The HTTP layer calls this and passes the resulting
// Principal's Caller to the vault, which enforces the role (vault/access.h).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/login_throttle.h"
#include "auth/session_store.h"
#include "base/clock.h"
#include "base/error.h"
#include "vault/vault.h"

namespace custos::auth {

struct AuthenticatorOptions {
  SessionOptions sessions;
  ThrottleOptions throttle;
  std::chrono::seconds token_touch_interval = std::chrono::minutes(1);  // last_used precision
};

// Why a sign-in was refused, for the page to react (ask for the code, say "try later").
enum class LoginFailure { kBadCredentials, kTotpRequired, kTotpInvalid, kLocked, kIpThrottled };
// "bad_credentials", "totp_required", "totp_invalid", "locked", "ip_throttled".
[[nodiscard]] std::string_view to_string(LoginFailure failure);
// The Error to answer with: kUnauthenticated for the first three, kPermissionDenied (HTTP
// 403 + Retry-After) for kLocked and kIpThrottled; the message never says whether the user
// name exists.
[[nodiscard]] Error login_error(LoginFailure failure);

// An authenticated party.
struct Principal {
  enum class Kind { kSession, kToken };
  std::string user;
  vault::Role role = vault::Role::kViewer;
  bool read_only = false;
  Kind kind = Kind::kSession;
  std::string token_name;  // kToken
  std::string session_id;  // kSession
  std::string csrf;        // kSession: the request's X-CSRF-Token must equal it
  // The vault Caller for one request: actor user:NAME (session) or api_token:USER/TOKEN,
  // origin http with the address and user agent.
  [[nodiscard]] vault::Caller caller(const std::string& ip, const std::string& user_agent) const;
};

struct LoginResult {
  std::optional<LoginFailure> failure;  // nullopt: signed in, `principal` is the new session
  std::chrono::seconds retry_after{0};  // kLocked, kIpThrottled
  Principal principal;
  [[nodiscard]] bool ok() const { return !failure; }
};

// Thread-safe: the vault, session store and throttle are.
class Authenticator {
 public:
  // `vault` and `clock` must outlive this.
  Authenticator(vault::Vault& vault, const Clock& clock, AuthenticatorOptions options = {});

  // Checks the throttle, the password (Argon2id), then the second factor when enrolled
  // (`totp`: a 6-digit code, each accepted once, or a recovery code), and creates a session.
  // Every attempt, accepted or not, leaves a login.success / login.failure audit entry with
  // the reason (never the password or code). Errors only for vault failures (kIoError...);
  // a refusal is a LoginResult with `failure` set.
  [[nodiscard]] Result<LoginResult> login(const std::string& username, const std::string& password,
                                          const std::optional<std::string>& totp,
                                          const std::string& ip, const std::string& user_agent);
  // The session's principal, marking it seen at `now`. kUnauthenticated when unknown, expired,
  // or its account was removed, disabled or had its password changed since sign-in.
  [[nodiscard]] Result<Principal> authenticate_session(const std::string& session_id,
                                                       std::chrono::system_clock::time_point now);
  [[nodiscard]] Result<Principal> authenticate_session(const std::string& session_id) {
    return authenticate_session(session_id, clock_.now());
  }
  // "cst_..." (without "Bearer "). kUnauthenticated for a malformed, unknown or revoked token
  // or one whose account is gone. Records last_used at most once per token_touch_interval.
  [[nodiscard]] Result<Principal> authenticate_token(std::string_view bearer);
  void logout(const std::string& session_id);
  // Ends every session of `user` (after a password change or removal in this process).
  std::size_t end_sessions_of(const std::string& user);

  [[nodiscard]] SessionStore& sessions() { return sessions_; }

 private:
  [[nodiscard]] Result<LoginResult> refuse(const vault::Caller& who, LoginFailure failure,
                                           std::chrono::seconds retry_after = {});

  vault::Vault& vault_;
  const Clock& clock_;
  const AuthenticatorOptions options_;
  SessionStore sessions_;
  LoginThrottle throttle_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;  // verified against when the user does not exist (same timing)
};

}  // namespace custos::auth
