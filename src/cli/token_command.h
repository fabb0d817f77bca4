// `custos token create|list|revoke`: API bearer tokens for scripts and DICOMweb clients.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>

#include "cli/command.h"

namespace custos::cli {

// Registers `token` on `app`; keep the result alive until run() has returned.
[[nodiscard]] std::unique_ptr<Command> add_token_command(CLI::App& app);

}  // namespace custos::cli
