// Small shared pieces of the wire format: error bodies, framework-owned headers, the
// headers every response carries. Internal to the module.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http/options.h"

namespace custos::http {

bool iequals(std::string_view a, std::string_view b);
// Content-Length, Transfer-Encoding, Connection (and other hop-by-hop framing headers).
bool is_framework_header(std::string_view name);
// {"error":{"code":...,"message":...}}
std::string error_json(std::string_view code, std::string_view message);
// The headers added to every response (security headers, X-Request-Id, Cache-Control unless
// `fields` already has one), appended to `fields`.
void add_common_headers(std::vector<std::pair<std::string, std::string>>* fields,
                        const SecurityHeaders& security, bool tls, std::string_view request_id);
// A fresh request id: 128 random bits, hex.
std::string new_request_id();
// RFC 3339 UTC with milliseconds for the access log.
std::string now_rfc3339();

}  // namespace custos::http
