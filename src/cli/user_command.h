// `custos user add|passwd|list|remove|totp`: accounts that sign in to the server.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>

#include "cli/command.h"

namespace custos::cli {

// Registers `user` on `app`. The returned object holds the parsed options: keep it alive
// until run() has returned.
[[nodiscard]] std::unique_ptr<Command> add_user_command(CLI::App& app);

// The new password for an account: the first line of `file` when given, else asked twice
// at the terminal without echo. Errors: kInvalidArgument (no terminal, the two differ),
// kNotFound (file).
[[nodiscard]] Result<std::string> read_new_password(const std::string& file,
                                                    const std::string& name);

}  // namespace custos::cli
