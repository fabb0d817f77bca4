// PosixEnv: the Env of the local file system. errno becomes an Error only through
// posix_error (base/posix_file.h), so every failure names the file the same way.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include "base/env.h"
#include "base/posix_file.h"

namespace custos {
namespace fs = std::filesystem;
namespace {

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(UniqueFd fd, fs::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
  Status append(std::span<const std::byte> bytes) override {
    return write_all(fd_.get(), bytes, path_);
  }
  void start_writeback() override {
    // Best effort: the fsync at commit is what counts.
    ::sync_file_range(fd_.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
  }
  Status sync() override { return fsync_fd(fd_.get(), path_); }
  Status close() override {
    const int fd = fd_.release();
    if (fd >= 0 && ::close(fd) != 0) return fail(posix_error("cannot close", path_, errno));
    return {};
  }

 private:
  UniqueFd fd_;
  fs::path path_;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(UniqueFd fd, fs::path path, std::uint64_t size)
      : fd_(std::move(fd)), path_(std::move(path)), size_(size) {
    ::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  Result<std::size_t> read(std::span<std::byte> buf) override {
    return read_some(fd_.get(), buf, path_);
  }
  [[nodiscard]] std::uint64_t size() const override { return size_; }

 private:
  UniqueFd fd_;
  fs::path path_;
  std::uint64_t size_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(UniqueFd fd) : fd_(std::move(fd)) {}

 private:
  UniqueFd fd_;  // closing it releases the flock
};

// The library does its own I/O; nothing to check or record.
class PosixExternalFile final : public ExternalFile {
 public:
  Status before_write(std::uint64_t, std::uint64_t) override { return {}; }
  Status before_truncate(std::uint64_t) override { return {}; }
  Status sync(const std::function<Status()>& do_sync) override { return do_sync(); }
};

FileKind kind_of(mode_t mode) {
  if (S_ISREG(mode)) return FileKind::kFile;
  if (S_ISDIR(mode)) return FileKind::kDirectory;
  return FileKind::kOther;
}

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<WritableFile>> new_writable_file(const fs::path& path) override {
    auto fd = create_exclusive(path);
    if (!fd) return fail(fd.error());
    return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(std::move(*fd), path));
  }

  Result<std::unique_ptr<SequentialFile>> new_sequential_file(const fs::path& path) override {
    auto fd = open_read(path);
    if (!fd) return fail(fd.error());
    auto size = file_size(fd->get(), path);
    if (!size) return fail(size.error());
    return std::unique_ptr<SequentialFile>(
        std::make_unique<PosixSequentialFile>(std::move(*fd), path, *size));
  }

  Status rename_file(const fs::path& from, const fs::path& to) override {
    return custos::rename_file(from, to);
  }

  Status remove_file(const fs::path& path) override {
    if (::unlink(path.c_str()) != 0) return fail(posix_error("cannot remove", path, errno));
    return {};
  }

  Status remove_dir(const fs::path& path) override {
    if (::rmdir(path.c_str()) != 0) {
      return fail(posix_error("cannot remove directory", path, errno));
    }
    return {};
  }

  Status create_dirs(const fs::path& path) override { return make_dirs(path); }

  Status sync_dir(const fs::path& dir) override { return fsync_dir(dir); }

  Status list_dir(const fs::path& dir, bool recursive,
                  const std::function<Status(const DirEntry&)>& fn) override {
    std::error_code ec;
    auto visit = [&](const fs::directory_entry& e) -> Status {
      DirEntry entry;
      entry.path = e.path();
      std::error_code sec;
      const auto status = e.symlink_status(sec);
      if (sec) return fail(posix_error("cannot stat", e.path(), sec.value()));
      entry.kind = fs::is_regular_file(status) ? FileKind::kFile
                   : fs::is_directory(status)  ? FileKind::kDirectory
                                               : FileKind::kOther;
      if (entry.kind == FileKind::kFile) {
        entry.size = e.file_size(sec);
        if (sec) return fail(posix_error("cannot stat", e.path(), sec.value()));
      }
      return fn(entry);
    };
    if (recursive) {
      for (auto it = fs::recursive_directory_iterator(dir, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (auto s = visit(*it); !s) return s;
      }
    } else {
      for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
           it.increment(ec)) {
        if (auto s = visit(*it); !s) return s;
      }
    }
    if (ec) return fail(posix_error("cannot list", dir, ec.value()));
    return {};
  }

  Result<FileInfo> stat(const fs::path& path) override {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return FileInfo{};
      return fail(posix_error("cannot stat", path, errno));
    }
    FileInfo info;
    info.kind = kind_of(st.st_mode);
    if (info.kind == FileKind::kFile) info.size = static_cast<std::uint64_t>(st.st_size);
    return info;
  }

  Result<std::unique_ptr<FileLock>> lock_file(const fs::path& path, bool create) override {
    const int flags = O_RDONLY | O_CLOEXEC | (create ? O_CREAT : 0);
    const int raw = ::open(path.c_str(), flags, 0600);
    if (raw < 0) {
      return fail(posix_error(create ? "cannot create" : "cannot open", path, errno));
    }
    UniqueFd fd(raw);
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      Error e = posix_error("cannot lock", path, err);
      if (err == EWOULDBLOCK) e.code = ErrorCode::kConflict;  // held by a live owner
      return fail(std::move(e));
    }
    return std::unique_ptr<FileLock>(std::make_unique<PosixFileLock>(std::move(fd)));
  }

  Result<std::unique_ptr<ExternalFile>> track_external(const fs::path&, bool) override {
    return std::unique_ptr<ExternalFile>(std::make_unique<PosixExternalFile>());
  }

  void note_volatile_file(const fs::path&) override {}
};

}  // namespace

Env& posix_env() {
  static PosixEnv env;  // stateless: sharing it shares nothing
  return env;
}

Status remove_tree(Env& env, const fs::path& path) {
  auto info = env.stat(path);
  if (!info) return fail(info.error());
  if (info->kind == FileKind::kMissing) return {};
  if (info->kind != FileKind::kDirectory) return env.remove_file(path);
  // Collect first: removing while a directory is being listed is unspecified.
  std::vector<DirEntry> entries;
  auto listed = env.list_dir(path, true, [&](const DirEntry& e) -> Status {
    entries.push_back(e);
    return {};
  });
  if (!listed) return listed;
  // A recursive listing shows a directory before its contents: remove in reverse.
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    Status s =
        it->kind == FileKind::kDirectory ? env.remove_dir(it->path) : env.remove_file(it->path);
    if (!s && s.error().code != ErrorCode::kNotFound) return s;
  }
  return env.remove_dir(path);
}

}  // namespace custos
