// The server: the REST API of the web app and DICOMweb over one vault, on the HTTP
// framework of src/net/http. Owns the server-side state (sessions, uploads in progress,
// caches, the read audit) and stops it in order: no new requests, in-flight ones finish,
// uploads are committed, pending audit entries are written.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "base/clock.h"
#include "base/error.h"
#include "net/http/server.h"
#include "vault/vault.h"

namespace custos::api {

struct ApiOptions {
  http::ServerOptions http;
  std::chrono::seconds session_idle{15 * 60};
  std::chrono::seconds session_lifetime{12 * 3600};
  std::chrono::milliseconds read_audit_window{1000};
  std::chrono::seconds upload_idle{3600};
  std::size_t metadata_cache_bytes = 16u << 20;
  std::size_t render_cache_bytes = 24u << 20;
  std::filesystem::path web_root;  // the built web app (web/dist); empty: not served
};

// Thread-safe.
class ApiServer {
 public:
  // Binds and listens. Errors: kIoError (address in use), kInvalidArgument (bad TLS files).
  [[nodiscard]] static Result<std::unique_ptr<ApiServer>> start(vault::Vault& vault,
                                                                const Clock& clock,
                                                                ApiOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] http::Server& http();
  void stop(std::chrono::milliseconds grace);
  // Until stopped (by stop() or a signal).
  void wait();

 private:
  struct State;
  explicit ApiServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace custos::api
