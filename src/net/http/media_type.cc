// Media type and Accept parsing (see media_type.h).
#include "net/http/media_type.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace custos::http {
namespace {

bool tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void skip_ows(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

std::string_view token(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && tchar(s[n])) ++n;
  const auto t = s.substr(0, n);
  s.remove_prefix(n);
  return t;
}

tl::unexpected<Error> bad(std::string_view text, std::string_view why) {
  std::string shown(text.substr(0, 80));
  for (auto& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return fail(ErrorCode::kInvalidArgument, "malformed media type \"" + shown + "\": " + std::string(why));
}

// Splits on commas outside quoted strings.
std::vector<std::string_view> split_list(std::string_view s) {
  std::vector<std::string_view> out;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (quoted && s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      quoted = !quoted;
    } else if (s[i] == ',' && !quoted) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

}  // namespace

Result<MediaType> parse_media_type(std::string_view text) {
  std::string_view s = text;
  skip_ows(s);
  MediaType m;
  const auto type = token(s);
  if (type.empty() || s.empty() || s.front() != '/') return bad(text, "expected type/subtype");
  s.remove_prefix(1);
  const auto subtype = token(s);
  if (subtype.empty()) return bad(text, "expected a subtype");
  m.type = lower(type);
  m.subtype = lower(subtype);
  for (;;) {
    skip_ows(s);
    if (s.empty()) break;
    if (s.front() != ';') return bad(text, "expected ';'");
    s.remove_prefix(1);
    skip_ows(s);
    if (s.empty()) break;  // a trailing ';' is tolerated
    const auto name = token(s);
    if (name.empty() || s.empty() || s.front() != '=') return bad(text, "expected name=value");
    s.remove_prefix(1);
    std::string value;
    if (!s.empty() && s.front() == '"') {
      s.remove_prefix(1);
      bool closed = false;
      while (!s.empty()) {
        const char c = s.front();
        s.remove_prefix(1);
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {
          if (s.empty()) break;
          value.push_back(s.front());
          s.remove_prefix(1);
        } else if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
          return bad(text, "control character in a quoted value");
        } else {
          value.push_back(c);
        }
      }
      if (!closed) return bad(text, "unterminated quoted string");
    } else {
      const auto v = token(s);
      if (v.empty()) return bad(text, "empty parameter value");
      value = std::string(v);
    }
    m.params.insert_or_assign(lower(name), std::move(value));
  }
  return m;
}

std::vector<AcceptItem> parse_accept(std::string_view text) {
  std::vector<AcceptItem> out;
  for (const std::string_view item : split_list(text)) {
    auto m = parse_media_type(item);
    if (!m) continue;
    if (m->type == "*" && m->subtype != "*") continue;
    AcceptItem a{std::move(*m), 1.0};
    if (auto it = a.media.params.find("q"); it != a.media.params.end()) {
      const std::string& q = it->second;
      char* end = nullptr;
      const double v = std::strtod(q.c_str(), &end);
      if (q.empty() || q.size() > 5 || end != q.c_str() + q.size() || !(v >= 0 && v <= 1)) continue;
      a.q = v;
      a.media.params.erase(it);
    }
    if (a.q <= 0) continue;
    out.push_back(std::move(a));
  }
  std::stable_sort(out.begin(), out.end(), [](const AcceptItem& x, const AcceptItem& y) { return x.q > y.q; });
  return out;
}

}  // namespace custos::http
