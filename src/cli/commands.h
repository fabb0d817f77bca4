// The command-line adapter over the Vault service (DESIGN.md "Command line").
#pragma once

namespace custos::cli {

// Parses arguments, runs one command, prints its result; returns the exit status:
// 0 done, 1 failed, 2 usage error, 3 partly done (some inputs rejected, the rest stored).
int run(int argc, char** argv);

}  // namespace custos::cli
