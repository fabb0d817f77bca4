// Shared wire-format helpers (see wire.h) and the default access log.
#include "net/http/wire.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

namespace custos::http {

std::string_view method_name(Method method) {
  switch (method) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kDelete: return "DELETE";
    case Method::kPatch: return "PATCH";
    case Method::kOptions: return "OPTIONS";
  }
  return "GET";
}

std::optional<Method> parse_method(std::string_view token) {
  for (const Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kDelete,
                         Method::kPatch, Method::kOptions}) {
    if (method_name(m) == token) return m;
  }
  return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_framework_header(std::string_view name) {
  for (const std::string_view owned : {"content-length", "transfer-encoding", "connection",
                                       "keep-alive", "upgrade", "te", "trailer"}) {
    if (iequals(name, owned)) return true;
  }
  return false;
}

std::string error_json(std::string_view code, std::string_view message) {
  nlohmann::json j;
  j["error"]["code"] = std::string(code);
  j["error"]["message"] = std::string(message);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void add_common_headers(std::vector<std::pair<std::string, std::string>>* fields,
                        const SecurityHeaders& security, bool tls, std::string_view request_id) {
  const bool has_cache = std::any_of(fields->begin(), fields->end(), [](const auto& f) {
    return iequals(f.first, "cache-control");
  });
  if (!has_cache) fields->emplace_back("Cache-Control", "no-store");
  if (!security.content_security_policy.empty()) {
    fields->emplace_back("Content-Security-Policy", security.content_security_policy);
  }
  if (security.cross_origin_isolation) {
    fields->emplace_back("Cross-Origin-Opener-Policy", "same-origin");
    fields->emplace_back("Cross-Origin-Embedder-Policy", "require-corp");
    fields->emplace_back("Cross-Origin-Resource-Policy", "same-origin");
  }
  fields->emplace_back("X-Content-Type-Options", "nosniff");
  fields->emplace_back("Referrer-Policy", "no-referrer");
  if (tls) fields->emplace_back("Strict-Transport-Security", "max-age=31536000");
  fields->emplace_back("X-Request-Id", std::string(request_id));
}

std::string new_request_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // Only a label for logs: a clock-based fallback is acceptable.
    const auto t = std::chrono::steady_clock::now().time_since_epoch().count();
    std::snprintf(reinterpret_cast<char*>(bytes), sizeof bytes, "%015llx",
                  static_cast<unsigned long long>(t));
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

void log_access_json(const AccessLogEntry& e) {
  nlohmann::json j = {{"time", e.time},           {"request_id", e.request_id},
                      {"remote_ip", e.remote_ip}, {"method", e.method},
                      {"route", e.route},         {"actor", e.actor},
                      {"status", e.status},       {"bytes_in", e.bytes_in},
                      {"bytes_out", e.bytes_out}, {"millis", e.millis}};
  const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace custos::http
