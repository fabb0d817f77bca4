// Answers in the API's one JSON shape: a value, or {"error":{"code","message"}} with the
// HTTP status the error code maps to (src/base/error.cc holds the one table).
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "net/http/server.h"

namespace custos::api {

void send_json(http::ResponseWriter& w, int status, const nlohmann::ordered_json& body);
void send_error(http::ResponseWriter& w, const Error& error);
void send_error(http::ResponseWriter& w, int status, std::string_view code,
                std::string_view message);

// Reads a JSON request body of at most `limit` bytes. On failure the answer (400/413) has
// been sent and nullopt comes back.
[[nodiscard]] std::optional<nlohmann::json> read_json_body(http::Request& r,
                                                           http::ResponseWriter& w,
                                                           std::size_t limit = 64 * 1024);

// The string member `key` of a JSON object; nullopt when absent or not a string.
[[nodiscard]] std::optional<std::string> json_text(const nlohmann::json& body, const char* key);

}  // namespace custos::api
