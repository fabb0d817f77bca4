// An Env that fails on purpose and simulates power cuts (LevelDB's FaultInjectionTestEnv,
// SQLite's crash tests). Why: "acknowledged means durable" is proven by cutting the power
// at every sync point of a real import and checking what a reopened vault still holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/env.h"
#include "base/power_cut_model.h"

namespace custos {

// Operations a fault can be injected into.
enum class FaultOp {
  kCreate,   // new_writable_file, create_dirs, lock_file(create), an external create
  kWrite,    // WritableFile::append, an external write or truncate
  kSync,     // WritableFile::sync, an external sync
  kSyncDir,  // sync_dir
  kRename,   // rename_file
  kRemove,   // remove_file, remove_dir
};

// What survives a power cut, simulated over another Env (normally posix_env() on a
// temporary directory). The model, per LevelDB and SQLite's crash VFS:
// - A file's bytes survive up to its last successful sync: later appends are lost, later
//   overwrites and truncations are undone.
// - A directory entry (creation, rename, removal, new directory) survives once the
//   directory holding it (for a rename: the target's) was synced after the change;
//   otherwise it is undone: created files and directories vanish, renames go back,
//   removed files come back with their durable content.
// - Files registered with note_volatile_file vanish.
// Files that existed before this Env first saw them count as durable as they were.
// Meant for test-sized files: content is held in memory to undo removals and overwrites.
// Limits: a sync is all or nothing (no torn sector writes), and file metadata other than
// size (mode, times) is not modelled. Thread-safe. Must outlive every file and store opened through
// it.
class FaultInjectionEnv final : public Env {
 public:
  using PathFilter = std::function<bool(const std::filesystem::path&)>;

  explicit FaultInjectionEnv(Env& base);
  ~FaultInjectionEnv() override;

  // The next `op` on a path the filter accepts (any path when empty) fails with `code`
  // (kNoSpace, kIoError, ...) and a message naming the path, as a real failure would:
  // nothing is done, except that a failing append writes half its bytes first (a disk
  // filling up mid-file). One-shot; several may be armed.
  void fail_next(FaultOp op, ErrorCode code, PathFilter filter = {});
  // After `n` more sync points succeed, the power is cut: every later change fails with
  // kIoError and has no effect; reads still work. 0 cuts now. A sync point is a
  // successful WritableFile::sync, sync_dir or external sync.
  void crash_after_syncs(long n);
  [[nodiscard]] bool crashed() const;
  // Successful sync points since construction (or the last drop_unsynced).
  [[nodiscard]] long sync_points() const;
  // Syncs succeed but make nothing durable: the negative control, under which a power
  // cut must lose acknowledged data (otherwise the harness is blind).
  void set_fsync_is_noop(bool noop);
  // Whether syncs also reach the real file system. The simulation alone decides what
  // survives, so tests that never lose power can skip the cost. Default: true.
  void set_real_syncs(bool real);
  // How many times a sync of `path` was attempted (succeeded or not).
  [[nodiscard]] int sync_attempts(const std::filesystem::path& path) const;

  // The power cut: rolls every file back to its durable content, undoes every directory
  // change not made durable and removes volatile files, as described above; then forgets
  // the history and lifts the crash, so the directory can be reopened. Call only when no
  // file opened through this Env is still in use. Errors: of the underlying Env.
  [[nodiscard]] Status drop_unsynced();

  // Writes to `out` (which must not exist) what `root` would hold after a power cut now;
  // the live files and the history are untouched.
  [[nodiscard]] Status write_power_cut_image(const std::filesystem::path& root,
                                             const std::filesystem::path& out);
  // From now on, right after sync point k, writes the power-cut image of `root` to
  // `images_dir`/k: one run yields the state a cut after every sync point would leave.
  // images_status() reports the first failure.
  void write_images_at_sync_points(const std::filesystem::path& root,
                                   const std::filesystem::path& images_dir);
  void stop_images();
  [[nodiscard]] Status images_status() const;

  // Env
  Result<std::unique_ptr<WritableFile>> new_writable_file(
      const std::filesystem::path& path) override;
  Result<std::unique_ptr<SequentialFile>> new_sequential_file(
      const std::filesystem::path& path) override;
  Status rename_file(const std::filesystem::path& from, const std::filesystem::path& to) override;
  Status remove_file(const std::filesystem::path& path) override;
  Status remove_dir(const std::filesystem::path& path) override;
  Status create_dirs(const std::filesystem::path& path) override;
  Status sync_dir(const std::filesystem::path& dir) override;
  Status list_dir(const std::filesystem::path& dir, bool recursive,
                  const std::function<Status(const DirEntry&)>& fn) override;
  Result<FileInfo> stat(const std::filesystem::path& path) override;
  Result<std::unique_ptr<FileLock>> lock_file(const std::filesystem::path& path,
                                              bool create) override;
  Result<std::unique_ptr<ExternalFile>> track_external(const std::filesystem::path& path,
                                                       bool create) override;
  void note_volatile_file(const std::filesystem::path& path) override;

 private:
  friend class FaultWritableFile;
  friend class FaultExternalFile;

  struct Fault {
    FaultOp op;
    ErrorCode code;
    PathFilter filter;
  };

  // All below: callers hold mu_.
  std::optional<Error> check(FaultOp op, const std::filesystem::path& path, const char* what);
  // A sync of file `id` (of `size` bytes when it started) completed.
  Status finish_sync(long id, std::uint64_t size, const std::filesystem::path& path);
  void count_sync_point();
  Status image_locked(const std::filesystem::path& root, const std::filesystem::path& out);

  Env& base_;
  mutable std::mutex mu_;
  PowerCutModel model_;
  std::vector<Fault> faults_;
  bool crashed_ = false;
  long countdown_ = -1;
  long sync_points_ = 0;
  bool noop_ = false;
  bool real_syncs_ = true;
  std::map<std::filesystem::path, int> sync_attempts_;
  std::optional<std::pair<std::filesystem::path, std::filesystem::path>> images_;
  Status images_status_;
};

}  // namespace custos
