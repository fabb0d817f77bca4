#include "api/guard.h"

#include <sodium.h>

#include "api/respond.h"

namespace custos::api {
namespace {

bool changes_state(http::Method m) {
  return m != http::Method::kGet && m != http::Method::kHead && m != http::Method::kOptions;
}

bool equal_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() &&
         sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::string_view> bearer(const http::Request& r) {
  auto h = r.header("Authorization");
  if (!h) return std::nullopt;
  constexpr std::string_view kScheme = "Bearer ";
  if (h->size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>((*h)[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return std::nullopt;
    }
  }
  return h->substr(kScheme.size());
}

void unauthenticated(http::ResponseWriter& w, std::string_view message) {
  w.set_header("WWW-Authenticate", "Bearer realm=\"custos\"");
  send_error(w, 401, "unauthenticated", message);
}

}  // namespace

audit::Origin http_origin(const http::Request& r) {
  audit::Origin o;
  o.kind = audit::OriginKind::kHttp;
  o.ip = std::string(r.remote_ip());
  if (auto ua = r.header("User-Agent")) o.user_agent = std::string(ua->substr(0, 200));
  return o;
}

std::optional<Authenticated> authenticate(Services& s, http::Request& r,
                                          http::ResponseWriter& w) {
  if (s.reads.failing()) {
    send_error(w, 503, "audit_unavailable",
               "the audit trail cannot be written; nothing is served until it can");
    return std::nullopt;
  }
  Result<auth::Principal> principal = fail(ErrorCode::kUnauthenticated, "");
  if (auto token = bearer(r)) {
    principal = s.auth.authenticate_token(*token);
    if (!principal) {
      unauthenticated(w, "the API token is not valid (unknown, revoked or malformed)");
      return std::nullopt;
    }
  } else if (auto cookie = r.cookie(kSessionCookie)) {
    principal = s.auth.authenticate_session(*cookie);
    if (!principal) {
      unauthenticated(w, "the session has ended (logged out or idle too long); log in again");
      return std::nullopt;
    }
    if (changes_state(r.method())) {
      auto csrf = r.header("X-CSRF-Token");
      if (!csrf || !equal_secret(*csrf, principal->csrf)) {
        send_error(w, 403, "csrf",
                   "this request changes data and lacks the session's X-CSRF-Token header");
        return std::nullopt;
      }
    }
  } else {
    unauthenticated(w, "log in first, or send an API token as 'Authorization: Bearer cst_...'");
    return std::nullopt;
  }
  const audit::Origin origin = http_origin(r);
  Authenticated a{principal->caller(origin.ip, origin.user_agent), *principal};
  w.set_actor(a.caller.actor.id);
  return a;
}

}  // namespace custos::api
