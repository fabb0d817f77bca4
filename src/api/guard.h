// Who is asking: a session cookie (the web app) or a bearer token (programs). Every route
// with health data calls this first; without a valid credential the request gets 401 and
// never reaches the vault. A state-changing request made with a session cookie must carry
// the session's CSRF token in X-CSRF-Token (SameSite=Strict is the first line, this the
// second). Roles are enforced again by the vault for every operation.
#pragma once

#include <optional>

#include "api/services.h"
#include "net/http/server.h"
#include "vault/vault.h"

namespace custos::api {

inline constexpr const char* kSessionCookie = "custos_session";

struct Authenticated {
  vault::Caller caller;
  auth::Principal principal;
};

// nullopt: the answer (401/403/503) has been sent.
[[nodiscard]] std::optional<Authenticated> authenticate(Services& s, http::Request& r,
                                                        http::ResponseWriter& w);

// The audit origin of an HTTP request (remote address and user agent).
[[nodiscard]] audit::Origin http_origin(const http::Request& r);

}  // namespace custos::api
