// An SQLite VFS that reports every write, truncation, sync and delete of the index files
// to an Env before SQLite's own unix VFS performs it. Why: with a FaultInjectionEnv behind
// it, index.db and its WAL fail on request and lose their unsynced writes at a simulated
// power cut together with the blob store, so crash tests cover both halves of a commit.
#pragma once

#include <memory>
#include <string>

#include "base/env.h"
#include "base/error.h"

namespace custos::index {

// A registered VFS (SqliteIndexOptions::vfs = name()). Locking, the -shm wal-index and
// reads go straight to the unix VFS; the -shm file is declared volatile to the Env.
// Memory-mapped I/O is off under this VFS, so every change passes through it.
class EnvVfs {
 public:
  // Registers `name` (not as the default VFS). `env` must outlive the registration.
  // Errors: kConflict when a VFS of that name exists; kInternal when SQLite refuses.
  [[nodiscard]] static Result<std::unique_ptr<EnvVfs>> register_vfs(const std::string& name,
                                                                    Env& env);
  // Unregisters. No connection may still use the VFS.
  ~EnvVfs();
  EnvVfs(const EnvVfs&) = delete;
  EnvVfs& operator=(const EnvVfs&) = delete;

  [[nodiscard]] const std::string& name() const;

  struct State;  // the sqlite3_vfs and what it forwards to

 private:
  explicit EnvVfs(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace custos::index
