// Request accessors and the body reader (see request.h).
#include "net/http/request.h"

#include <algorithm>

#include "net/http/exchange.h"

namespace custos::http {
namespace {

bool iequals_local(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::size_t> BodyReader::read(std::span<std::byte> out) {
  if (out.empty()) return 0;
  auto n = exchange_->read_body(out);
  if (n) bytes_read_ += *n;
  return n;
}

Result<std::string> BodyReader::read_all(std::size_t limit) {
  std::string out;
  std::byte buf[16 * 1024];
  for (;;) {
    auto n = read(buf);
    if (!n) return fail(n.error());
    if (*n == 0) return out;
    if (out.size() + *n > limit) {
      return fail(ErrorCode::kRejected,
                  "request body longer than " + std::to_string(limit) + " bytes");
    }
    out.append(reinterpret_cast<const char*>(buf), *n);
  }
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [k, v] : p_.headers) {
    if (iequals_local(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string> Request::cookie(std::string_view name) const {
  for (const auto& [k, v] : p_.headers) {
    if (!iequals_local(k, "cookie")) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      const std::string_view item = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? "" : rest.substr(semi + 1);
      const auto eq = item.find('=');
      if (eq == std::string_view::npos || trim(item.substr(0, eq)) != name) continue;
      std::string_view value = trim(item.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return std::string(value);
    }
  }
  return std::nullopt;
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [k, v] : p_.params) {
    if (k == name) return v;
  }
  return {};
}

std::optional<std::string> Request::query_value(std::string_view name) const {
  for (const auto& [k, v] : p_.query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

}  // namespace custos::http
