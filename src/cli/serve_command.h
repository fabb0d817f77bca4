// `custos serve`: the HTTPS server (REST API for the web app, DICOMweb) over the vault.
#pragma once

#include <memory>

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace custos::cli {

[[nodiscard]] std::unique_ptr<Command> add_serve_command(CLI::App& app);

}  // namespace custos::cli
