// Where the command line gets secrets from: $CUSTOS_PASSPHRASE, --passphrase-file, or a
// prompt on the terminal without echo. Secrets never go to logs or error messages.
#pragma once

#include <string>

#include "base/error.h"

namespace custos::cli {

struct SecretSources {
  std::string passphrase_file;  // --passphrase-file
  std::string key_file;         // --key-file
};

// The passphrase from (in order) --passphrase-file, $CUSTOS_PASSPHRASE, or a prompt.
// `confirm` asks twice at a prompt (for a new passphrase). Errors: kInvalidArgument when
// there is no terminal to ask on and no other source; kNotFound for a missing file.
[[nodiscard]] Result<std::string> read_passphrase(const SecretSources& sources,
                                                  const std::string& prompt, bool confirm);
// Reads a line from the terminal without echo. Errors: kInvalidArgument without a terminal.
[[nodiscard]] Result<std::string> prompt_hidden(const std::string& prompt);

}  // namespace custos::cli
