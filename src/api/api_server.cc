#include "api/api_server.h"

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "api/dicomweb_caches.h"
#include "api/import_registry.h"
#include "api/read_audit.h"
#include "api/respond.h"
#include "api/routes.h"
#include "api/services.h"
#include "auth/authenticator.h"

namespace custos::api {

struct ApiServer::State {
  State(vault::Vault& v, const Clock& c, const ApiOptions& o,
        std::unique_ptr<render::Decoder> decoder)
      : vault(v),
        clock(c),
        reads(v, o.read_audit_window),
        imports(o.upload_idle),
        auth(v, c, auth_options(o)),
        caches(o.metadata_cache_bytes, o.render_cache_bytes, std::move(decoder)),
        services{v, c, auth, reads, imports, caches} {}

  static auth::AuthenticatorOptions auth_options(const ApiOptions& o) {
    auth::AuthenticatorOptions a;
    a.sessions.idle_timeout = o.session_idle;
    a.sessions.absolute_lifetime = o.session_lifetime;
    return a;
  }

  vault::Vault& vault;
  const Clock& clock;
  ReadAudit reads;
  ImportRegistry imports;
  auth::Authenticator auth;
  DicomwebCaches caches;
  Services services;
  std::unique_ptr<http::Server> server;

  // Finishes idle uploads now and then.
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread sweeper;
};

Result<std::unique_ptr<ApiServer>> ApiServer::start(vault::Vault& vault, const Clock& clock,
                                                    ApiOptions options) {
  // The decoder processes are forked first, while this process has few threads.
  auto decoder = render::Decoder::open();
  if (!decoder) {
    std::cerr << "custos serve: compressed images will not be decoded: "
              << decoder.error().message << "\n";
  }
  auto state = std::make_unique<State>(vault, clock, options,
                                       decoder ? std::move(*decoder) : nullptr);
  Services& s = state->services;
  http::Router router;
  add_session_routes(router, s);
  add_library_routes(router, s);
  add_import_routes(router, s);
  add_admin_routes(router, s);
  add_person_routes(router, s);
  add_dicomweb_routes(router, s);
  if (!options.web_root.empty()) add_static_routes(router, options.web_root);
  router.add(http::Method::kGet, "/api/v1/health", [](auto&, auto& w) {
    send_json(w, 200, {{"status", "ok"}});
  }, {.name = "health"});
  auto server = http::Server::start(std::move(options.http), std::move(router));
  if (!server) return fail(server.error());
  state->server = std::move(*server);
  State* st = state.get();
  state->sweeper = std::thread([st] {
    std::unique_lock lock(st->mu);
    while (!st->cv.wait_for(lock, std::chrono::seconds(30), [st] { return st->stopping; })) {
      lock.unlock();
      st->imports.sweep();
      lock.lock();
    }
  });
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(state)));
}

ApiServer::ApiServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

ApiServer::~ApiServer() {
  stop(std::chrono::seconds(5));
  state_->server->wait();
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  state_->sweeper.join();
  // Uploads still open are committed; their audit entries are written by the vault.
  state_->imports.finish_all();
  state_->reads.flush();
}

std::uint16_t ApiServer::port() const { return state_->server->port(); }
http::Server& ApiServer::http() { return *state_->server; }
void ApiServer::stop(std::chrono::milliseconds grace) { state_->server->stop(grace); }
void ApiServer::wait() { state_->server->wait(); }

}  // namespace custos::api
