#include "cli/serve_command.h"

#include "base/clock.h"

#include <malloc.h>

#include <cctype>
#include <iostream>

#include "api/api_server.h"
#include "net/http/server.h"

namespace custos::cli {
namespace {

Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return fail(ErrorCode::kInvalidArgument,
                "--listen wants HOST:PORT (for example 127.0.0.1:8443), not '" + text + "'");
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = text.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    return fail(ErrorCode::kInvalidArgument, "--listen: '" + port + "' is not a port number");
  }
  return std::pair{host, static_cast<std::uint16_t>(std::stoul(port))};
}

// "90s", "15m", "12h" (a bare number is minutes).
Result<std::chrono::seconds> parse_duration(const std::string& option, const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && digits < 7 && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  const std::string unit = text.substr(digits);
  if (digits == 0 || (unit != "" && unit != "s" && unit != "m" && unit != "h")) {
    return fail(ErrorCode::kInvalidArgument,
                option + " wants a duration like 90s, 15m or 12h, not '" + text + "'");
  }
  const long n = std::stol(text.substr(0, digits));
  const long seconds = unit == "s" ? n : unit == "h" ? n * 3600 : n * 60;
  if (seconds < 1) return fail(ErrorCode::kInvalidArgument, option + " must be at least 1s");
  return std::chrono::seconds(seconds);
}

bool loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

struct ServeArgs {
  std::string listen = "127.0.0.1:8443";
  bool plain_http = false;
  std::string tls_cert;
  std::string tls_key;
  std::string session_idle = "15m";  // 90s, 15m, 2h
  std::string session_lifetime = "12h";
  std::string web_root = CUSTOS_DEFAULT_WEB_ROOT;
  std::vector<std::string> cors_origins;
};

int run_serve(vault::Vault& vault, const ServeArgs& a) {
  auto report = [](const Error& e) {
    std::cerr << "custos serve: " << e.message << "\n";
    return exit_status(e.code);
  };
  auto listen = parse_listen(a.listen);
  if (!listen) return report(listen.error());
  if (a.tls_cert.empty() != a.tls_key.empty()) {
    return report({ErrorCode::kInvalidArgument, "--tls-cert and --tls-key go together"});
  }
  auto idle = parse_duration("--session-idle", a.session_idle);
  if (!idle) return report(idle.error());
  auto lifetime = parse_duration("--session-lifetime", a.session_lifetime);
  if (!lifetime) return report(lifetime.error());
  api::ApiOptions options;
  options.http.host = listen->first;
  options.http.port = listen->second;
  options.session_idle = *idle;
  options.session_lifetime = *lifetime;
  options.web_root = a.web_root;
  options.http.cors_origins = a.cors_origins;
  if (a.plain_http) {
    if (!loopback(listen->first)) {
      std::cerr << "custos serve: plain HTTP on " << listen->first
                << ": only behind a reverse proxy that terminates TLS\n";
    }
  } else if (!a.tls_cert.empty()) {
    options.http.tls = http::TlsFiles{a.tls_cert, a.tls_key};
  } else {
    http::TlsFiles files;
    if (auto s = http::ensure_self_signed_certificate(vault.layout().root / "tls", &files); !s) {
      return report(s.error());
    }
    options.http.tls = files;
  }
  // Memory and CPU of the serving path (the server's RSS target is 100 MB). glibc gives
  // each thread that allocates an arena of its own, and each of the 16 handler threads kept
  // the free space of the instances it once held (half a megabyte per CT slice) for itself,
  // so RSS grew with the thread count and never came back: two arenas are enough for two
  // cores' contention. And by default a buffer of a whole instance is either mmap'd or, once
  // glibc has raised its threshold, carved from the top of an arena that is trimmed again
  // when it is freed: in both cases every request faults its pages in afresh (about a fifth
  // of the CPU of a frame request). Buffers up to 4 MiB come from the arenas, and up to
  // 8 MiB of free space at an arena's top is kept for the next request.
  ::mallopt(M_ARENA_MAX, 2);
  ::mallopt(M_MMAP_THRESHOLD, 4 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 8 << 20);
  static const SystemClock clock;
  auto server = api::ApiServer::start(vault, clock, std::move(options));
  if (!server) return report(server.error());
  const std::string scheme = a.plain_http ? "http" : "https";
  std::string host = listen->first;
  if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::cout << "custos: serving " << scheme << "://" << host << ":" << (*server)->port()
            << "/ (Ctrl-C stops)" << std::endl;
  http::StopOnSignal::install((*server)->http(), std::chrono::seconds(20));
  (*server)->wait();
  server->reset();  // uploads committed, pending audit entries written
  std::cout << "custos: stopped" << std::endl;
  return 0;
}

class ServeCommand final : public Command {
 public:
  explicit ServeCommand(CLI::App& app) {
    cmd_ = app.add_subcommand(
        "serve", "serve the vault over HTTPS: the web app's API and DICOMweb (until Ctrl-C)");
    cmd_->add_option("--listen", a_.listen, "HOST:PORT to listen on (port 0: any free port)")
        ->capture_default_str();
    cmd_->add_flag("--plain-http", a_.plain_http,
                   "no TLS (behind a reverse proxy that terminates TLS, or on loopback)");
    cmd_->add_option("--tls-cert", a_.tls_cert, "certificate chain (PEM); default: self-signed");
    cmd_->add_option("--tls-key", a_.tls_key, "private key of --tls-cert (PEM)");
    cmd_->add_option("--session-idle", a_.session_idle,
                     "inactivity after which a web session ends (automatic logoff)")
        ->capture_default_str();
    cmd_->add_option("--session-lifetime", a_.session_lifetime,
                     "time after login when a web session ends regardless")
        ->capture_default_str();
    cmd_->add_option("--web-root", a_.web_root, "the built web app (empty: API only)")
        ->capture_default_str();
    cmd_->add_option("--cors-origin", a_.cors_origins,
                     "an origin (https://viewer.example.org) whose pages may call the API and "
                     "DICOMweb with a token (repeatable; default: none)");
  }
  bool chosen() const override { return cmd_->parsed(); }
  int run(vault::Vault& vault) override { return run_serve(vault, a_); }

 private:
  CLI::App* cmd_ = nullptr;
  ServeArgs a_;
};

}  // namespace

std::unique_ptr<Command> add_serve_command(CLI::App& app) {
  return std::make_unique<ServeCommand>(app);
}

}  // namespace custos::cli
