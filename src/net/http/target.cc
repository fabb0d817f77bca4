// Request-target parsing (see target.h).
#include "net/http/target.h"

namespace custos::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

tl::unexpected<Error> bad(std::string_view why) {
  return fail(ErrorCode::kInvalidArgument, "request target refused: " + std::string(why));
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<Target> parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return bad("not an origin-form path");
  for (const char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u == 0x7f) return bad("control character or space");
  }
  Target out;
  const auto qpos = target.find('?');
  const std::string_view raw_path = target.substr(0, qpos);
  std::string_view raw_query = qpos == std::string_view::npos ? "" : target.substr(qpos + 1);
  if (const auto hash = raw_query.find('#'); hash != std::string_view::npos) {
    raw_query = raw_query.substr(0, hash);
  }

  // Segments are decoded one by one so that an encoded "/" can be told from a real one.
  std::string_view rest = raw_path.substr(1);
  out.path = "/";
  for (;;) {
    const auto slash = rest.find('/');
    const std::string_view raw = rest.substr(0, slash);
    auto seg = percent_decode(raw, false);
    if (!seg) return bad("bad percent escape in the path");
    if (seg->find('/') != std::string::npos) return bad("encoded '/' in the path");
    if (seg->find('\0') != std::string::npos) return bad("NUL in the path");
    if (*seg == ".." || *seg == ".") return bad("dot segment in the path");
    if (seg->find('\\') != std::string::npos) return bad("backslash in the path");
    out.path += *seg;
    out.segments.push_back(std::move(*seg));
    if (slash == std::string_view::npos) break;
    out.path += '/';
    rest = rest.substr(slash + 1);
  }

  while (!raw_query.empty()) {
    const auto amp = raw_query.find('&');
    const std::string_view item = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? "" : raw_query.substr(amp + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    auto key = percent_decode(item.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? "" : item.substr(eq + 1), true);
    if (!key || !value) return bad("bad percent escape in the query");
    out.query.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace custos::http
