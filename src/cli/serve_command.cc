#include "cli/serve_command.h"

#include <cctype>
#include <iostream>

#include "api/api_server.h"
#include "net/http/server.h"
#include "net/http/signals.h"
#include "net/http/tls.h"

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

}  // namespace

CLI::App* add_serve_command(CLI::App& app, ServeArgs& a) {
  auto* serve = app.add_subcommand(
      "serve", "serve the vault over HTTPS: the web app's API and DICOMweb (until Ctrl-C)");
  serve->add_option("--listen", a.listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  serve->add_flag("--plain-http", a.plain_http,
                  "no TLS (behind a reverse proxy that terminates TLS, or on loopback)");
  serve->add_option("--tls-cert", a.tls_cert, "certificate chain (PEM); default: self-signed");
  serve->add_option("--tls-key", a.tls_key, "private key of --tls-cert (PEM)");
  serve->add_option("--session-idle", a.session_idle,
                    "inactivity after which a web session ends (automatic logoff)")
      ->capture_default_str();
  serve->add_option("--session-lifetime", a.session_lifetime,
                    "time after login when a web session ends regardless")
      ->capture_default_str();
  return serve;
}

int run_serve(vault::Vault& vault, const Clock& clock, const std::filesystem::path& root,
              const ServeArgs& a) {
  auto report = [](const Error& e) {
    std::cerr << "custos serve: " << e.message << "\n";
    return exit_status(e.code);
  };
  auto listen = parse_listen(a.listen);
  if (!listen) return report(listen.error());
  if (a.tls_cert.empty() != a.tls_key.empty()) {
    return report({ErrorCode::kInvalidArgument, "--tls-cert and --tls-key go together"});
  }
  api::ApiOptions options;
  options.http.host = listen->first;
  options.http.port = listen->second;
  auto idle = parse_duration("--session-idle", a.session_idle);
  if (!idle) return report(idle.error());
  auto lifetime = parse_duration("--session-lifetime", a.session_lifetime);
  if (!lifetime) return report(lifetime.error());
  options.session_idle = *idle;
  options.session_lifetime = *lifetime;
  if (a.plain_http) {
    if (!loopback(listen->first)) {
      std::cerr << "custos serve: plain HTTP on " << listen->first
                << ": only behind a reverse proxy that terminates TLS\n";
    }
  } else if (!a.tls_cert.empty()) {
    options.http.tls = http::TlsFiles{a.tls_cert, a.tls_key};
  } else {
    http::TlsFiles files;
    if (auto s = http::ensure_self_signed_certificate(root / "tls", &files); !s) {
      return report(s.error());
    }
    options.http.tls = files;
  }
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
  std::cout << "custos: stopped" << std::endl;
  return 0;
}

}  // namespace custos::cli
