// Opens a vault whose blob store and index do their file I/O through a given Env (the
// index through a registered EnvVfs). Why: the fault tests run the real vault, importer
// included, over a FaultInjectionEnv; production opens with Vault::open.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/env.h"
#include "index/index.h"
#include "vault/vault.h"

namespace custos::vault {

struct EnvOpenOptions {
  Env& env;                // not owned; must outlive the vault
  std::string sqlite_vfs;  // name of an EnvVfs registered over `env`; empty: SQLite's default
  unsigned sync_threads = 8;
  // When set, decorates the index before the vault gets it (tests observe the commits).
  std::function<std::unique_ptr<index::Index>(std::unique_ptr<index::Index>)> wrap_index;
};

// Like Vault::open (same errors), with the storage I/O routed as above. The descriptor
// (vault.json) is only read, directly.
[[nodiscard]] Result<std::unique_ptr<Vault>> open_with_env(const std::filesystem::path& root,
                                                           const Clock& clock,
                                                           const EnvOpenOptions& options);

}  // namespace custos::vault
