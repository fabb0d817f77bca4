// Login and logout for the web app: POST /api/v1/session checks the password (and the TOTP
// code when enrolled) and sets the session cookie; DELETE ends the session.
#include "api/guard.h"
#include "api/respond.h"
#include "api/routes.h"
#include "vault/access.h"

namespace custos::api {
namespace {

using nlohmann::ordered_json;

std::string cookie(const std::string& value, std::chrono::seconds max_age) {
  // HttpOnly: no script reads it; Secure: HTTPS only (browsers allow it on http://localhost
  // too); SameSite=Strict: never sent on requests started by another site.
  return std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=" +
         std::to_string(max_age.count());
}

ordered_json session_json(const auth::Principal& p, const auth::SessionOptions& o) {
  return {{"user", p.user},
          {"role", vault::to_string(p.role)},
          {"csrf", p.csrf},
          {"idle_timeout_seconds", o.idle_timeout.count()},
          {"lifetime_seconds", o.absolute_lifetime.count()}};
}

void login(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto body = read_json_body(r, w, 16 * 1024);
  if (!body) return;
  auto text = [&](const char* key) { return json_text(*body, key); };
  const auto user = text("username");
  const auto password = text("password");
  if (!user || !password) {
    return send_error(w, 400, "invalid_argument", "send {\"username\": ..., \"password\": ...}");
  }
  const audit::Origin origin = http_origin(r);
  auto result = s.auth.login(*user, *password, text("totp"), origin.ip, origin.user_agent);
  if (!result) return send_error(w, result.error());
  if (!result->ok()) {
    const auto failure = *result->failure;
    const Error e = auth::login_error(failure);
    const bool throttled =
        failure == auth::LoginFailure::kLocked || failure == auth::LoginFailure::kIpThrottled;
    if (throttled) w.set_header("Retry-After", std::to_string(result->retry_after.count()));
    return send_error(w, throttled ? 429 : 401, auth::to_string(failure), e.message);
  }
  const auto& options = s.auth.sessions().options();
  w.set_header("Set-Cookie", cookie(result->principal.session_id, options.absolute_lifetime));
  w.set_actor(result->principal.user);
  send_json(w, 200, session_json(result->principal, options));
}

void current(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  send_json(w, 200, session_json(who->principal, s.auth.sessions().options()));
}

void logout(Services& s, http::Request& r, http::ResponseWriter& w) {
  if (auto id = r.cookie(kSessionCookie)) s.auth.logout(*id);
  w.set_header("Set-Cookie", cookie("", std::chrono::seconds(0)));
  (void)w.send(204, "application/json", "");
}

}  // namespace

void add_session_routes(http::Router& router, Services& s) {
  using http::Method;
  router.add(Method::kPost, "/api/v1/session",
             [&s](auto& r, auto& w) { login(s, r, w); }, {.max_body_bytes = 16 * 1024, .name = "session.login"});
  router.add(Method::kGet, "/api/v1/session",
             [&s](auto& r, auto& w) { current(s, r, w); }, {.name = "session.current"});
  router.add(Method::kDelete, "/api/v1/session",
             [&s](auto& r, auto& w) { logout(s, r, w); }, {.name = "session.logout"});
}

}  // namespace custos::api
