// The bookkeeping behind FaultInjectionEnv: which bytes of each file and which directory
// entries were synced, and how to put a directory back to that state (a power cut).
// Why apart: the same model rolls back the live directory or writes an image of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/env.h"

namespace custos {

// Paths are absolute and normal. Not thread-safe: FaultInjectionEnv serialises all calls.
// Content is kept in memory to undo removals and overwrites: meant for test-sized files.
class PowerCutModel {
 public:
  explicit PowerCutModel(Env& base) : base_(base) {}

  // A file created now (empty, so its durable content is empty once its name is synced).
  long created_file(const std::filesystem::path& path);
  // The id of the file at `path`, registering it (as durable as it is now) when first seen.
  long file_at(const std::filesystem::path& path);
  [[nodiscard]] const std::filesystem::path& path_of(long id) const { return files_[id].path; }

  // Before bytes from `offset` on are changed (written or cut): keeps the durable bytes.
  [[nodiscard]] Status before_change(long id, std::uint64_t offset);
  // The file's first `size` bytes are durable now.
  void synced(long id, std::uint64_t size);

  // The content the file would have after a power cut now.
  [[nodiscard]] Result<std::string> durable_content(long id) const;

  void made_dir(const std::filesystem::path& path);
  // After a rename of file `id`; `replaced` is the file it replaced (or -1) and `lost` that
  // file's durable content, read before the rename.
  void renamed(long id, const std::filesystem::path& from, const std::filesystem::path& to,
               long replaced, std::optional<std::string> lost);
  // After the removal of file `id`, whose durable content `lost` was read before.
  void removed(long id, const std::filesystem::path& path, std::string lost);
  void removed_dir(const std::filesystem::path& path);
  void add_volatile(const std::filesystem::path& path) { volatile_.insert(path); }

  // Changes recorded so far; dir_synced makes those of the first `count` in `dir` durable.
  [[nodiscard]] std::size_t change_count() const { return ops_.size(); }
  void dir_synced(const std::filesystem::path& dir, std::size_t count);

  // Applies a power cut to what lies under `root`, found at `target` (root itself, or a
  // copy of it): files back to their durable bytes, unsynced directory changes undone,
  // volatile files removed. The model itself is unchanged.
  [[nodiscard]] Status apply(const std::filesystem::path& root,
                             const std::filesystem::path& target) const;
  // Forgets everything: what is on disk now counts as durable.
  void reset();

 private:
  struct TrackedFile {
    std::filesystem::path path;  // current name; empty once removed
    std::uint64_t synced_size = 0;
    bool dirty = false;  // changed since the last sync
    // The durable content, saved before the first overwrite or shrink since that sync.
    std::optional<std::string> snapshot;
  };
  enum class OpKind { kCreateFile, kMakeDir, kRename, kRemoveFile, kRemoveDir };
  struct DirOp {
    OpKind kind;
    std::filesystem::path path;       // created or removed path; the source of a rename
    std::filesystem::path to;         // the target of a rename
    std::filesystem::path dir;        // whose sync makes this durable
    long file = -1;                   // the file created, renamed or removed
    long replaced = -1;               // the file a rename replaced
    std::optional<std::string> lost;  // durable content of the file removed or replaced
    bool durable = false;
  };
  class Cut;  // one application of the model to a directory

  // The durable content of `f`, whose current bytes are at `at`.
  static Result<std::string> durable_bytes(Env& env, const TrackedFile& f,
                                           const std::filesystem::path& at);

  Env& base_;
  std::vector<TrackedFile> files_;
  std::map<std::filesystem::path, long> by_path_;
  std::vector<DirOp> ops_;
  std::set<std::filesystem::path> volatile_;
};

}  // namespace custos
