// The web app's files (web/dist, built by `make build`): served without authentication —
// they hold no health data; every API call the page makes is authenticated. Paths of the
// single-page app (/studies/UID, /compare/A/B, /import...) answer index.html so deep links
// and bookmarks work.
#include <fstream>
#include <sstream>

#include "api/respond.h"
#include "api/routes.h"

namespace custos::api {
namespace {

namespace fs = std::filesystem;

std::string_view content_type_of(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".wasm", "application/wasm"}, {".json", "application/json"},
      {".svg", "image/svg+xml"}, {".png", "image/png"}, {".ico", "image/x-icon"},
      {".woff2", "font/woff2"}, {".woff", "font/woff"}, {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"}, {".webmanifest", "application/manifest+json"}};
  for (const auto& [ext, type] : kTypes) {
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) return type;
  }
  return "application/octet-stream";
}

bool safe_name(std::string_view name) {
  return !name.empty() && name.size() <= 255 && name.front() != '.' &&
         name.find('/') == std::string_view::npos && name.find('\\') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

// Streams a file; false when it does not exist (nothing sent).
bool send_file(const fs::path& path, http::ResponseWriter& w, bool immutable) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || !fs::is_regular_file(path, ec)) return false;
  const auto size = fs::file_size(path, ec);
  if (ec) return false;
  w.set_header("Content-Type", content_type_of(path.filename().string()));
  w.set_header("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  w.set_content_length(size);
  if (!w.begin()) return true;
  if (w.head_only()) {
    (void)w.end();
    return true;
  }
  std::vector<char> buf(64 * 1024);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    if (!w.write(std::string_view(buf.data(), n))) return true;
  }
  (void)w.end();
  return true;
}

void index_html(const fs::path& root, http::ResponseWriter& w) {
  if (!send_file(root / "index.html", w, false)) {
    send_error(w, 404, "not_found",
               "the web app is not built here (" + root.string() +
                   "): run `make build`, or use the API under /api/v1 and /dicom-web");
  }
}

}  // namespace

void add_static_routes(http::Router& router, const fs::path& root) {
  using http::Method;
  router.add(Method::kGet, "/", [root](auto&, auto& w) { index_html(root, w); }, {.name = "web"});
  router.add(Method::kGet, "/assets/{file}", [root](auto& r, auto& w) {
    const std::string_view file = r.param("file");
    if (!safe_name(file) || !send_file(root / "assets" / std::string(file), w, true)) {
      send_error(w, 404, "not_found", "no such file");
    }
  }, {.name = "web.assets"});
  // Top-level files (favicon.ico) and the app's own pages (/login, /import, /audit).
  router.add(Method::kGet, "/{page}", [root](auto& r, auto& w) {
    const std::string_view page = r.param("page");
    if (safe_name(page) && send_file(root / std::string(page), w, false)) return;
    if (page.find('.') != std::string_view::npos) return send_error(w, 404, "not_found", "no such file");
    index_html(root, w);
  }, {.name = "web.page"});
  router.add(Method::kGet, "/studies/{uid}", [root](auto&, auto& w) { index_html(root, w); },
             {.name = "web.study"});
  router.add(Method::kGet, "/compare/{a}/{b}", [root](auto&, auto& w) { index_html(root, w); },
             {.name = "web.compare"});
}

}  // namespace custos::api
