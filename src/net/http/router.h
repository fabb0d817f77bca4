// The route table: method + pattern ("/dicom-web/studies/{study}/series") -> handler.
// Why: one flat, readable table per application, as Orthanc's REST registration.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "net/http/options.h"
#include "net/http/request.h"
#include "net/http/response.h"

namespace custos::http {

// Runs on a handler thread; may block. An exception escaping it becomes a 500.
using Handler = std::function<void(Request&, ResponseWriter&)>;

struct RouteOptions {
  std::uint64_t max_body_bytes = 1 << 20;  // over it: 413 and close
  std::string name;                        // optional label
};

// Patterns: "/" then segments separated by "/"; a segment is literal or "{name}", which
// matches one non-empty percent-decoded segment. Literal segments win over parameters.
// Not thread-safe while being built; read-only once given to Server::start.
class Router {
 public:
  struct Route {
    Method method;
    std::string pattern;
    std::vector<std::string> segments;  // "{x}" kept as is
    Handler handler;
    RouteOptions options;
  };
  struct Match {
    const Route* route = nullptr;  // null: see allowed
    std::vector<std::pair<std::string, std::string>> params;
    std::vector<Method> allowed;  // methods of routes matching the path (for 405, OPTIONS)
  };

  void add(Method method, std::string pattern, Handler handler, RouteOptions options = {});

  // kInvalidArgument for a malformed pattern or a method+pattern added twice.
  [[nodiscard]] Status validate() const;
  // Segments are the decoded path segments (parse_target). HEAD falls back to GET routes.
  [[nodiscard]] Match match(Method method, const std::vector<std::string>& segments) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// "GET, HEAD, OPTIONS" for an Allow header (HEAD added when GET is present, OPTIONS always).
[[nodiscard]] std::string allow_header(const std::vector<Method>& methods);

}  // namespace custos::http
