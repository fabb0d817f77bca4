// `custos serve`: the HTTPS server (REST API for the web app, DICOMweb) over the vault.
#pragma once

#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "vault/vault.h"

namespace custos::cli {

struct ServeArgs {
  std::string listen = "127.0.0.1:8443";
  bool plain_http = false;
  std::string tls_cert;
  std::string tls_key;
  std::string session_idle = "15m";     // 90s, 15m, 2h
  std::string session_lifetime = "12h";
};

CLI::App* add_serve_command(CLI::App& app, ServeArgs& args);

// Runs until SIGTERM or SIGINT; returns the exit status.
int run_serve(vault::Vault& vault, const Clock& clock, const std::filesystem::path& root,
              const ServeArgs& args);

}  // namespace custos::cli
