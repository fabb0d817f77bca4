// Route table and matching (see router.h).
#include "net/http/router.h"

#include <algorithm>
#include <set>

namespace custos::http {
namespace {

bool is_param(std::string_view seg) {
  return seg.size() >= 3 && seg.front() == '{' && seg.back() == '}';
}

std::vector<std::string> split_pattern(std::string_view pattern) {
  std::vector<std::string> out;
  if (pattern.empty() || pattern.front() != '/') return out;
  std::string_view rest = pattern.substr(1);
  for (;;) {
    const auto slash = rest.find('/');
    out.emplace_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return out;
}

// Literal segments outrank parameters, earlier segments first.
bool more_specific(const Router::Route& a, const Router::Route& b) {
  for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    const bool la = !is_param(a.segments[i]), lb = !is_param(b.segments[i]);
    if (la != lb) return la;
  }
  return false;
}

bool matches(const Router::Route& route, const std::vector<std::string>& segments,
             std::vector<std::pair<std::string, std::string>>* params) {
  if (route.segments.size() != segments.size()) return false;
  params->clear();
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& p = route.segments[i];
    if (is_param(p)) {
      if (segments[i].empty()) return false;
      params->emplace_back(p.substr(1, p.size() - 2), segments[i]);
    } else if (p != segments[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::add(Method method, std::string pattern, Handler handler, RouteOptions options) {
  Route route{method, std::move(pattern), {}, std::move(handler), std::move(options)};
  route.segments = split_pattern(route.pattern);
  routes_.push_back(std::move(route));
}

Status Router::validate() const {
  std::set<std::pair<int, std::string>> seen;
  for (const Route& r : routes_) {
    if (r.segments.empty()) {
      return fail(ErrorCode::kInvalidArgument, "route pattern must start with '/': " + r.pattern);
    }
    if (!r.handler) return fail(ErrorCode::kInvalidArgument, "route without handler: " + r.pattern);
    for (const std::string& seg : r.segments) {
      const bool brace = seg.find_first_of("{}") != std::string::npos;
      if (brace && (!is_param(seg) || seg.find_first_of("{}", 1) != seg.size() - 1)) {
        return fail(ErrorCode::kInvalidArgument, "malformed parameter in route: " + r.pattern);
      }
    }
    if (!seen.emplace(static_cast<int>(r.method), r.pattern).second) {
      return fail(ErrorCode::kInvalidArgument,
                  "route added twice: " + std::string(method_name(r.method)) + " " + r.pattern);
    }
  }
  return {};
}

Router::Match Router::match(Method method, const std::vector<std::string>& segments) const {
  Match best;
  std::vector<std::pair<std::string, std::string>> params;
  std::set<Method> allowed;
  auto consider = [&](Method wanted) {
    for (const Route& r : routes_) {
      if (!matches(r, segments, &params)) continue;
      allowed.insert(r.method);
      if (r.method != wanted) continue;
      if (best.route == nullptr || more_specific(r, *best.route)) {
        best.route = &r;
        best.params = params;
      }
    }
  };
  consider(method);
  if (best.route == nullptr && method == Method::kHead) consider(Method::kGet);
  best.allowed.assign(allowed.begin(), allowed.end());
  return best;
}

std::string allow_header(const std::vector<Method>& methods) {
  std::set<Method> all(methods.begin(), methods.end());
  if (all.count(Method::kGet)) all.insert(Method::kHead);
  all.insert(Method::kOptions);
  std::string out;
  for (const Method m : all) {
    if (!out.empty()) out += ", ";
    out += method_name(m);
  }
  return out;
}

}  // namespace custos::http
