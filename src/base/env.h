// The file-system operations the storage layers need, behind one interface (LevelDB's Env).
// Why: tests swap in an Env that fails on purpose or simulates a power cut, so durability is
// proven by running the real blob store and index against it, not argued.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>

#include "base/error.h"

namespace custos {

// A new file being written, append only. Not thread-safe: one writer per file.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends bytes; they are not durable before sync(). Errors: kNoSpace, kIoError, naming
  // the file.
  [[nodiscard]] virtual Status append(std::span<const std::byte> bytes) = 0;
  // A hint that the last byte is written: start write-back now so sync() finds little left.
  virtual void start_writeback() = 0;
  // Makes every appended byte durable. A failure must not be retried: the kernel may have
  // dropped the dirty pages, so a later success would prove nothing. Discard the file.
  [[nodiscard]] virtual Status sync() = 0;
  // Releases the descriptor. Does not sync.
  [[nodiscard]] virtual Status close() = 0;
};

// A file opened for reading, forward only. Not thread-safe.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to buf.size() bytes; 0 at the end.
  [[nodiscard]] virtual Result<std::size_t> read(std::span<std::byte> buf) = 0;
  // The size when opened.
  [[nodiscard]] virtual std::uint64_t size() const = 0;
};

// An exclusive advisory lock (flock) on a file, released when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

// A file that a library writes through its own descriptor (SQLite's unix VFS). The library
// reports each change here first, so a fault-injecting Env can refuse it and a simulating
// one can record it. Not thread-safe: one per open file.
class ExternalFile {
 public:
  virtual ~ExternalFile() = default;
  // Before `size` bytes are written at `offset`. An error means: do not write.
  [[nodiscard]] virtual Status before_write(std::uint64_t offset, std::uint64_t size) = 0;
  // Before the file is cut (or extended) to `size` bytes. An error means: do not truncate.
  [[nodiscard]] virtual Status before_truncate(std::uint64_t size) = 0;
  // Runs the library's own fsync (`do_sync`) as a sync point of this Env. Never retried.
  [[nodiscard]] virtual Status sync(const std::function<Status()>& do_sync) = 0;
};

enum class FileKind { kMissing, kFile, kDirectory, kOther };

struct FileInfo {
  FileKind kind = FileKind::kMissing;
  std::uint64_t size = 0;  // of a regular file
};

struct DirEntry {
  std::filesystem::path path;  // the listed directory joined with the entry's name
  FileKind kind = FileKind::kOther;
  std::uint64_t size = 0;  // of a regular file
};

// Thread-safe: every method may be called from any thread. Paths are used as given.
// Errors name the path and come from posix_error's list (kNotFound, kNoSpace,
// kPermissionDenied, kIoError) unless stated otherwise. Directory entries (creations,
// renames, removals) are durable only after sync_dir of the directory holding them.
class Env {
 public:
  virtual ~Env() = default;

  // Creates a new file (fails when it exists), mode 0600.
  [[nodiscard]] virtual Result<std::unique_ptr<WritableFile>> new_writable_file(
      const std::filesystem::path& path) = 0;
  [[nodiscard]] virtual Result<std::unique_ptr<SequentialFile>> new_sequential_file(
      const std::filesystem::path& path) = 0;
  // Replaces `to` atomically when it exists.
  [[nodiscard]] virtual Status rename_file(const std::filesystem::path& from,
                                           const std::filesystem::path& to) = 0;
  [[nodiscard]] virtual Status remove_file(const std::filesystem::path& path) = 0;
  // Removes an empty directory.
  [[nodiscard]] virtual Status remove_dir(const std::filesystem::path& path) = 0;
  // Creates the directory and its missing parents (mode 0777 less the umask); success when
  // it exists.
  [[nodiscard]] virtual Status create_dirs(const std::filesystem::path& path) = 0;
  // Makes the entries of `dir` durable. Never retried after a failure.
  [[nodiscard]] virtual Status sync_dir(const std::filesystem::path& dir) = 0;
  // Calls fn for each entry of `dir` (and below it when recursive; symlinks not followed),
  // in no particular order; stops at fn's first error.
  [[nodiscard]] virtual Status list_dir(const std::filesystem::path& dir, bool recursive,
                                        const std::function<Status(const DirEntry&)>& fn) = 0;
  // kMissing is not an error.
  [[nodiscard]] virtual Result<FileInfo> stat(const std::filesystem::path& path) = 0;
  // Opens `path` (creating it, mode 0600, when `create`) and locks it without waiting.
  // Errors: kConflict when another descriptor holds the lock; kNotFound when absent and
  // not `create`.
  [[nodiscard]] virtual Result<std::unique_ptr<FileLock>> lock_file(
      const std::filesystem::path& path, bool create) = 0;

  // Registers a file a library is about to open for writing with its own descriptor;
  // `create` when it may be created by that open. The returned object must outlive the
  // library's use of the file. Errors: as for new_writable_file.
  [[nodiscard]] virtual Result<std::unique_ptr<ExternalFile>> track_external(
      const std::filesystem::path& path, bool create) = 0;
  // Declares a file whose content never has to survive a power cut (SQLite's -shm
  // wal-index, rebuilt from the WAL at open). A simulated power cut removes it.
  virtual void note_volatile_file(const std::filesystem::path& path) = 0;
};

// The local POSIX file system. Stateless and thread-safe; lives for the whole process, so
// it can be the default of options structs (like LevelDB's Env::Default()).
[[nodiscard]] Env& posix_env();

// Removes `path` and everything below it through `env`, deepest entries first. A missing
// path is success.
[[nodiscard]] Status remove_tree(Env& env, const std::filesystem::path& path);

}  // namespace custos
