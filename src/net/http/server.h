// The HTTP/1.1 (+TLS) server: listens, parses, routes, runs handlers on a bounded pool.
// Why: the one network edge of the application; everything behind it is synchronous.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "base/error.h"
#include "net/http/options.h"
#include "net/http/router.h"

namespace custos::http {

// Thread safety: port(), stop() and wait() may be called from any thread, stop() more than
// once. Must not be destroyed from a handler thread. The destructor stops (grace 0).
class Server {
 public:
  // Binds and listens; returns once listening. Errors: kInvalidArgument (bad options or
  // routes, unreadable TLS files), kIoError (address in use, cannot bind).
  [[nodiscard]] static Result<std::unique_ptr<Server>> start(ServerOptions options, Router router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;
  // Stops accepting at once (new connections are refused) and closes idle connections; lets
  // in-flight requests finish up to `grace`; then closes everything and waits for handler
  // threads to return. Blocks until done.
  void stop(std::chrono::milliseconds grace);
  // Blocks until the server has stopped (by stop() from another thread or a signal).
  void wait();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend class StopOnSignal;
};

// SIGTERM/SIGINT -> server.stop(grace) on a thread of the server's own. Call once per server.
class StopOnSignal {
 public:
  static void install(Server& server, std::chrono::milliseconds grace);
};

// An EC P-256 self-signed certificate for localhost, 127.0.0.1 and ::1 in `dir`
// (cert.pem, key.pem; the key file 0600). Reused when both are present, match, and the
// certificate is valid for at least one more day; otherwise (re)created. Errors: kIoError.
[[nodiscard]] Status ensure_self_signed_certificate(const std::filesystem::path& dir, TlsFiles* out);

}  // namespace custos::http
