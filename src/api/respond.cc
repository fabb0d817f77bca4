#include "api/respond.h"

#include "vault/report_json.h"

namespace custos::api {

void send_json(http::ResponseWriter& w, int status, const nlohmann::ordered_json& body) {
  (void)w.send(status, "application/json", vault::dump(body, -1));
}

void send_error(http::ResponseWriter& w, const Error& error) {
  send_error(w, http_status(error.code), code_name(error.code), error.message);
}

void send_error(http::ResponseWriter& w, int status, std::string_view code,
                std::string_view message) {
  (void)w.error(status, code, message);
}

std::optional<nlohmann::json> read_json_body(http::Request& r, http::ResponseWriter& w,
                                             std::size_t limit) {
  auto text = r.body().read_all(limit);
  if (!text) {
    if (!w.started()) send_error(w, text.error());
    return std::nullopt;
  }
  auto parsed = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    send_error(w, 400, "invalid_argument", "the request body is not a JSON object");
    return std::nullopt;
  }
  return parsed;
}

std::optional<std::string> json_text(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace custos::api
