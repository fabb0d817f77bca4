// Configuration and plain value types of the HTTP server framework (no Boost, no OpenSSL).
// Why: the application layer configures and observes the server through these types only.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

namespace custos::http {

enum class Method { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions };

// "GET", "HEAD", ...
[[nodiscard]] std::string_view method_name(Method method);
// Inverse of method_name (exact, upper case); nullopt for any other token.
[[nodiscard]] std::optional<Method> parse_method(std::string_view token);

struct TlsFiles {
  std::filesystem::path cert, key;  // PEM files
};

// Sent on every response, including the framework's own errors.
struct SecurityHeaders {
  std::string content_security_policy =
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; "
      "img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
      "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  bool cross_origin_isolation = true;  // COOP same-origin, COEP require-corp, CORP same-origin
};

// One line of the access log. Never carries the path (it may hold UIDs), only the route
// pattern; never request or response bodies.
struct AccessLogEntry {
  std::string time;        // RFC 3339 UTC with milliseconds
  std::string request_id;  // also sent as X-Request-Id
  std::string remote_ip;
  std::string method;
  std::string route;  // the matched pattern, "" when no route matched
  std::string actor;  // ResponseWriter::set_actor, "" when unset
  int status = 0;
  std::uint64_t bytes_in = 0;   // request body bytes read
  std::uint64_t bytes_out = 0;  // response body bytes sent
  double millis = 0;            // from the end of the request header to the end of the response
};

// The default access log: one JSON object per line on stderr.
void log_access_json(const AccessLogEntry& entry);

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8443;  // 0 = any free port (Server::port() tells which)
  std::optional<TlsFiles> tls;  // nullopt = plain HTTP
  // header_timeout: TLS handshake and the whole request header (slowloris);
  // idle_timeout: a kept-alive connection waiting for its next request;
  // body_timeout: the longest a single body read or response write may wait for the peer.
  std::chrono::seconds header_timeout{10}, idle_timeout{60}, body_timeout{300};
  std::size_t max_header_bytes = 16 * 1024;  // over it: 431 and close
  std::size_t handler_threads = 16;          // handlers run here and may block
  std::size_t io_threads = 1;                // Asio threads (1 or 2 is plenty)
  std::size_t max_connections = 256;         // beyond: new connections are closed at once
  SecurityHeaders headers;
  // Origins (exactly "https://viewer.example.org") whose pages may call this server from
  // the browser (CORS). Empty: none; the server is same-origin only.
  std::vector<std::string> cors_origins;
  // Called on a handler or I/O thread, possibly concurrently: must be thread-safe.
  std::function<void(const AccessLogEntry&)> access_log = log_access_json;
};

}  // namespace custos::http
