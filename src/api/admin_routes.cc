// Accounts and API tokens over REST (the web app's settings page). The vault decides who
// may: the owner manages everyone; a user may change their own password.
#include "api/guard.h"
#include "api/respond.h"
#include "api/routes.h"
#include "base/clock.h"
#include "vault/access.h"
#include "vault/accounts.h"

namespace custos::api {
namespace {

using nlohmann::ordered_json;

std::string iso(std::chrono::system_clock::time_point t) {
  return format_utc(t);
}


void list_users(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto users = s.vault.list_users(who->caller);
  if (!users) return send_error(w, users.error());
  ordered_json out{{"users", ordered_json::array()}};
  for (const auto& u : *users) {
    out["users"].push_back({{"name", u.name}, {"role", vault::to_string(u.role)},
                            {"totp", u.totp_enrolled},
                            {"recovery_codes_left", u.recovery_codes_left},
                            {"created", iso(u.created)}, {"disabled", u.disabled}});
  }
  send_json(w, 200, out);
}

void add_user(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto body = read_json_body(r, w);
  if (!body) return;
  const auto name = json_text(*body, "name");
  const auto password = json_text(*body, "password");
  if (!name || !password) {
    return send_error(w, 400, "invalid_argument", "send {\"name\", \"password\", \"role\"}");
  }
  auto role = vault::parse_role(json_text(*body, "role").value_or("viewer"));
  if (!role) return send_error(w, role.error());
  if (auto st = s.vault.add_user(who->caller, *name, *role, *password); !st) {
    return send_error(w, st.error());
  }
  send_json(w, 201, {{"name", *name}, {"role", vault::to_string(*role)}});
}

void set_password(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto body = read_json_body(r, w);
  if (!body) return;
  const auto password = json_text(*body, "password");
  if (!password) return send_error(w, 400, "invalid_argument", "send {\"password\": ...}");
  const std::string name(r.param("name"));
  if (auto st = s.vault.set_password(who->caller, name, *password); !st) {
    return send_error(w, st.error());
  }
  // Every other session of that user ends; the caller's own stays.
  s.auth.end_sessions_of(name);
  (void)w.send(204, "application/json", "");
}

void remove_user(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  const std::string name(r.param("name"));
  if (auto st = s.vault.remove_user(who->caller, name); !st) return send_error(w, st.error());
  s.auth.end_sessions_of(name);
  (void)w.send(204, "application/json", "");
}

void list_tokens(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto tokens = s.vault.list_tokens(who->caller);
  if (!tokens) return send_error(w, tokens.error());
  ordered_json out{{"tokens", ordered_json::array()}};
  for (const auto& t : *tokens) {
    out["tokens"].push_back({{"name", t.name}, {"user", t.user}, {"read_only", t.read_only},
                             {"created", iso(t.created)},
                             {"last_used", t.last_used ? ordered_json(iso(*t.last_used)) : ordered_json()},
                             {"revoked", t.revoked}});
  }
  send_json(w, 200, out);
}

void create_token(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto body = read_json_body(r, w);
  if (!body) return;
  const auto name = json_text(*body, "name");
  if (!name) return send_error(w, 400, "invalid_argument", "send {\"name\": ..., \"read_only\": bool}");
  bool read_only = false;
  if (auto it = body->find("read_only"); it != body->end() && it->is_boolean()) {
    read_only = it->get<bool>();
  }
  auto made = s.vault.create_token(who->caller, *name, json_text(*body, "user").value_or(""), read_only);
  if (!made) return send_error(w, made.error());
  send_json(w, 201, {{"name", made->info.name}, {"user", made->info.user},
                     {"read_only", made->info.read_only}, {"token", made->secret}});
}

void revoke_token(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  if (auto st = s.vault.revoke_token(who->caller, std::string(r.param("name"))); !st) {
    return send_error(w, st.error());
  }
  (void)w.send(204, "application/json", "");
}

}  // namespace

void add_admin_routes(http::Router& router, Services& s) {
  using http::Method;
  router.add(Method::kGet, "/api/v1/users",
             [&s](auto& r, auto& w) { list_users(s, r, w); }, {.name = "users.list"});
  router.add(Method::kPost, "/api/v1/users",
             [&s](auto& r, auto& w) { add_user(s, r, w); }, {.name = "users.add"});
  router.add(Method::kPut, "/api/v1/users/{name}/password",
             [&s](auto& r, auto& w) { set_password(s, r, w); }, {.name = "users.password"});
  router.add(Method::kDelete, "/api/v1/users/{name}",
             [&s](auto& r, auto& w) { remove_user(s, r, w); }, {.name = "users.remove"});
  router.add(Method::kGet, "/api/v1/tokens",
             [&s](auto& r, auto& w) { list_tokens(s, r, w); }, {.name = "tokens.list"});
  router.add(Method::kPost, "/api/v1/tokens",
             [&s](auto& r, auto& w) { create_token(s, r, w); }, {.name = "tokens.create"});
  router.add(Method::kDelete, "/api/v1/tokens/{name}",
             [&s](auto& r, auto& w) { revoke_token(s, r, w); }, {.name = "tokens.revoke"});
}

}  // namespace custos::api
