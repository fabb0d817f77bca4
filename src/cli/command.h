// A subcommand kept in its own file: it registers its options on the application and runs
// against the opened vault. commands.cc adds each with one line and runs the chosen one.
#pragma once

#include "vault/vault.h"

namespace custos::cli {

class Command {
 public:
  virtual ~Command() = default;
  // Whether this subcommand was given on the command line (after parsing).
  [[nodiscard]] virtual bool chosen() const = 0;
  // Runs it as the local owner at the terminal; returns the exit status.
  virtual int run(vault::Vault& vault) = 0;
};

}  // namespace custos::cli
