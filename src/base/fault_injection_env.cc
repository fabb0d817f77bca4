// FaultInjectionEnv: records every change and every sync, fails on request, and at a
// simulated power cut puts the disk back to what a real one would have kept.
#include "base/fault_injection_env.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <deque>
#include <system_error>
#include <utility>
#include <vector>

#include "base/posix_file.h"

namespace custos {
namespace fs = std::filesystem;
namespace {

// One spelling per file, so that renames, removals and syncs find each other.
fs::path norm(const fs::path& p) {
  std::error_code ec;
  fs::path n = fs::absolute(p, ec);
  if (ec) n = p;
  n = n.lexically_normal();
  if (!n.has_filename() && n.has_parent_path() && n != n.root_path()) n = n.parent_path();
  return n;
}

// An injected failure reads like the real one: posix_error with the matching errno.
Error injected(const char* what, const fs::path& path, ErrorCode code) {
  int err = EIO;
  switch (code) {
    case ErrorCode::kNoSpace:
      err = ENOSPC;
      break;
    case ErrorCode::kNotFound:
      err = ENOENT;
      break;
    case ErrorCode::kPermissionDenied:
      err = EACCES;
      break;
    default:
      break;
  }
  Error e = posix_error(what, path, err);
  e.code = code;
  return e;
}

}  // namespace

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectionEnv& env, long id, std::unique_ptr<WritableFile> base)
      : env_(env), id_(id), base_(std::move(base)) {}

  Status append(std::span<const std::byte> bytes) override {
    std::unique_lock lock(env_.mu_);
    const fs::path path = env_.model_.path_of(id_);
    auto e = env_.check(FaultOp::kWrite, path, "cannot write");
    if (e && env_.crashed_) return fail(*e);
    // Appends only: the durable prefix stays as it is, nothing to save.
    if (auto s = env_.model_.before_change(id_, UINT64_MAX); !s) return s;
    if (e) {
      (void)base_->append(bytes.first(bytes.size() / 2));  // the disk filled up mid-write
      return fail(*e);
    }
    lock.unlock();
    return base_->append(bytes);
  }

  void start_writeback() override {
    if (!env_.crashed()) base_->start_writeback();
  }

  Status sync() override {
    std::unique_lock lock(env_.mu_);
    const fs::path path = env_.model_.path_of(id_);
    ++env_.sync_attempts_[path];
    if (auto e = env_.check(FaultOp::kSync, path, "cannot fsync")) return fail(*e);
    auto info = env_.base_.stat(path);
    if (!info) return fail(info.error());
    const bool real = env_.real_syncs_ && !env_.noop_;
    lock.unlock();
    if (real) {
      if (auto s = base_->sync(); !s) return s;
    }
    lock.lock();
    return env_.finish_sync(id_, info->size, path);
  }

  Status close() override { return base_->close(); }

 private:
  FaultInjectionEnv& env_;
  long id_;
  std::unique_ptr<WritableFile> base_;
};

class FaultExternalFile final : public ExternalFile {
 public:
  FaultExternalFile(FaultInjectionEnv& env, long id) : env_(env), id_(id) {}

  Status before_write(std::uint64_t offset, std::uint64_t) override {
    const std::lock_guard lock(env_.mu_);
    const fs::path path = env_.model_.path_of(id_);
    if (auto e = env_.check(FaultOp::kWrite, path, "cannot write")) return fail(*e);
    return env_.model_.before_change(id_, offset);
  }

  Status before_truncate(std::uint64_t size) override {
    const std::lock_guard lock(env_.mu_);
    const fs::path path = env_.model_.path_of(id_);
    if (auto e = env_.check(FaultOp::kWrite, path, "cannot truncate")) return fail(*e);
    return env_.model_.before_change(id_, size);
  }

  Status sync(const std::function<Status()>& do_sync) override {
    std::unique_lock lock(env_.mu_);
    const fs::path path = env_.model_.path_of(id_);
    ++env_.sync_attempts_[path];
    if (auto e = env_.check(FaultOp::kSync, path, "cannot fsync")) return fail(*e);
    auto info = env_.base_.stat(path);
    if (!info) return fail(info.error());
    const bool real = env_.real_syncs_ && !env_.noop_;
    lock.unlock();
    if (real) {
      if (auto s = do_sync(); !s) return s;
    }
    lock.lock();
    return env_.finish_sync(id_, info->size, path);
  }

 private:
  FaultInjectionEnv& env_;
  long id_;
};

FaultInjectionEnv::FaultInjectionEnv(Env& base) : base_(base), model_(base) {}
FaultInjectionEnv::~FaultInjectionEnv() = default;

void FaultInjectionEnv::fail_next(FaultOp op, ErrorCode code, PathFilter filter) {
  const std::lock_guard lock(mu_);
  faults_.push_back({op, code, std::move(filter)});
}

void FaultInjectionEnv::crash_after_syncs(long n) {
  const std::lock_guard lock(mu_);
  if (n <= 0) {
    crashed_ = true;
    countdown_ = -1;
  } else {
    countdown_ = n;
  }
}

bool FaultInjectionEnv::crashed() const {
  const std::lock_guard lock(mu_);
  return crashed_;
}

long FaultInjectionEnv::sync_points() const {
  const std::lock_guard lock(mu_);
  return sync_points_;
}

void FaultInjectionEnv::set_fsync_is_noop(bool noop) {
  const std::lock_guard lock(mu_);
  noop_ = noop;
}

void FaultInjectionEnv::set_real_syncs(bool real) {
  const std::lock_guard lock(mu_);
  real_syncs_ = real;
}

int FaultInjectionEnv::sync_attempts(const fs::path& path) const {
  const std::lock_guard lock(mu_);
  auto it = sync_attempts_.find(norm(path));
  return it == sync_attempts_.end() ? 0 : it->second;
}

std::optional<Error> FaultInjectionEnv::check(FaultOp op, const fs::path& path, const char* what) {
  if (crashed_) {
    return Error{ErrorCode::kIoError,
                 std::string(what) + " " + path.string() + ": simulated power cut"};
  }
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->op != op || (it->filter && !it->filter(path))) continue;
    const ErrorCode code = it->code;
    faults_.erase(it);
    return injected(what, path, code);
  }
  return std::nullopt;
}

void FaultInjectionEnv::count_sync_point() {
  ++sync_points_;
  if (images_ && images_status_) {
    images_status_ = image_locked(images_->first, images_->second / std::to_string(sync_points_));
  }
  if (countdown_ > 0 && --countdown_ == 0) {
    crashed_ = true;
    countdown_ = -1;
  }
}

Status FaultInjectionEnv::finish_sync(long id, std::uint64_t size, const fs::path& path) {
  if (crashed_) {
    // The power went while this sync was in flight: it made nothing durable.
    return fail(ErrorCode::kIoError, "cannot fsync " + path.string() + ": simulated power cut");
  }
  if (!noop_) model_.synced(id, size);
  count_sync_point();
  return {};
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::new_writable_file(const fs::path& p) {
  const fs::path path = norm(p);
  const std::lock_guard lock(mu_);
  if (auto e = check(FaultOp::kCreate, path, "cannot create")) return fail(*e);
  auto file = base_.new_writable_file(path);
  if (!file) return fail(file.error());
  const long id = model_.created_file(path);
  return std::unique_ptr<WritableFile>(
      std::make_unique<FaultWritableFile>(*this, id, std::move(*file)));
}

Result<std::unique_ptr<SequentialFile>> FaultInjectionEnv::new_sequential_file(
    const fs::path& path) {
  return base_.new_sequential_file(path);
}

Status FaultInjectionEnv::rename_file(const fs::path& f, const fs::path& t) {
  const fs::path from = norm(f);
  const fs::path to = norm(t);
  const std::lock_guard lock(mu_);
  auto e = check(FaultOp::kRename, from, "cannot rename");
  if (!e) e = check(FaultOp::kRename, to, "cannot rename to");
  if (e) return fail(*e);
  auto source = base_.stat(from);
  if (!source) return fail(source.error());
  if (source->kind != FileKind::kFile) return base_.rename_file(from, to);  // untracked kinds
  auto target = base_.stat(to);
  if (!target) return fail(target.error());
  const long id = model_.file_at(from);
  long replaced = -1;
  std::optional<std::string> lost;
  if (target->kind == FileKind::kFile) {
    replaced = model_.file_at(to);
    auto content = model_.durable_content(replaced);
    if (!content) return fail(content.error());
    lost = std::move(*content);
  }
  if (auto s = base_.rename_file(from, to); !s) return s;
  model_.renamed(id, from, to, replaced, std::move(lost));
  return {};
}

Status FaultInjectionEnv::remove_file(const fs::path& p) {
  const fs::path path = norm(p);
  const std::lock_guard lock(mu_);
  if (auto e = check(FaultOp::kRemove, path, "cannot remove")) return fail(*e);
  auto info = base_.stat(path);
  if (!info) return fail(info.error());
  if (info->kind != FileKind::kFile) return base_.remove_file(path);
  const long id = model_.file_at(path);
  auto lost = model_.durable_content(id);
  if (!lost) return fail(lost.error());
  if (auto s = base_.remove_file(path); !s) return s;
  model_.removed(id, path, std::move(*lost));
  return {};
}

Status FaultInjectionEnv::remove_dir(const fs::path& p) {
  const fs::path path = norm(p);
  const std::lock_guard lock(mu_);
  if (auto e = check(FaultOp::kRemove, path, "cannot remove directory")) return fail(*e);
  if (auto s = base_.remove_dir(path); !s) return s;
  model_.removed_dir(path);
  return {};
}

Status FaultInjectionEnv::create_dirs(const fs::path& p) {
  const fs::path path = norm(p);
  const std::lock_guard lock(mu_);
  std::deque<fs::path> missing;  // outermost first
  for (fs::path q = path; q.has_relative_path(); q = q.parent_path()) {
    auto info = base_.stat(q);
    if (!info) return fail(info.error());
    if (info->kind != FileKind::kMissing) break;
    missing.push_front(q);
  }
  if (missing.empty()) return base_.create_dirs(path);
  if (auto e = check(FaultOp::kCreate, path, "cannot create directory")) return fail(*e);
  if (auto s = base_.create_dirs(path); !s) return s;
  for (const auto& dir : missing) model_.made_dir(dir);
  return {};
}

Status FaultInjectionEnv::sync_dir(const fs::path& d) {
  const fs::path dir = norm(d);
  std::unique_lock lock(mu_);
  ++sync_attempts_[dir];
  if (auto e = check(FaultOp::kSyncDir, dir, "cannot fsync directory")) return fail(*e);
  const std::size_t seen = model_.change_count();  // changes made before the sync started
  const bool real = real_syncs_ && !noop_;
  lock.unlock();
  if (real) {
    if (auto s = base_.sync_dir(dir); !s) return s;
  }
  lock.lock();
  if (crashed_) {
    return fail(ErrorCode::kIoError,
                "cannot fsync directory " + dir.string() + ": simulated power cut");
  }
  if (!noop_) model_.dir_synced(dir, seen);
  count_sync_point();
  return {};
}

Status FaultInjectionEnv::list_dir(const fs::path& dir, bool recursive,
                                   const std::function<Status(const DirEntry&)>& fn) {
  return base_.list_dir(dir, recursive, fn);
}

Result<FileInfo> FaultInjectionEnv::stat(const fs::path& path) { return base_.stat(path); }

Result<std::unique_ptr<FileLock>> FaultInjectionEnv::lock_file(const fs::path& p, bool create) {
  const fs::path path = norm(p);
  const std::lock_guard lock(mu_);
  auto info = base_.stat(path);
  if (!info) return fail(info.error());
  const bool creates = create && info->kind == FileKind::kMissing;
  if (creates) {
    if (auto e = check(FaultOp::kCreate, path, "cannot create")) return fail(*e);
  }
  auto locked = base_.lock_file(path, create);
  if (!locked) return fail(locked.error());
  if (creates) model_.created_file(path);
  return locked;
}

Result<std::unique_ptr<ExternalFile>> FaultInjectionEnv::track_external(const fs::path& p,
                                                                        bool create) {
  const fs::path path = norm(p);
  const std::lock_guard lock(mu_);
  auto info = base_.stat(path);
  if (!info) return fail(info.error());
  long id = -1;
  if (create && info->kind == FileKind::kMissing) {
    if (auto e = check(FaultOp::kCreate, path, "cannot create")) return fail(*e);
    id = model_.created_file(path);
  } else {
    id = model_.file_at(path);
  }
  return std::unique_ptr<ExternalFile>(std::make_unique<FaultExternalFile>(*this, id));
}

void FaultInjectionEnv::note_volatile_file(const fs::path& path) {
  const std::lock_guard lock(mu_);
  model_.add_volatile(norm(path));
}

Status FaultInjectionEnv::drop_unsynced() {
  const std::lock_guard lock(mu_);
  Status result = model_.apply("/", "/");
  model_.reset();
  faults_.clear();
  crashed_ = false;
  countdown_ = -1;
  sync_points_ = 0;
  sync_attempts_.clear();
  return result;
}

Status FaultInjectionEnv::write_power_cut_image(const fs::path& root, const fs::path& out) {
  const std::lock_guard lock(mu_);
  return image_locked(norm(root), norm(out));
}

void FaultInjectionEnv::write_images_at_sync_points(const fs::path& root,
                                                    const fs::path& images_dir) {
  const std::lock_guard lock(mu_);
  images_.emplace(norm(root), norm(images_dir));
}

void FaultInjectionEnv::stop_images() {
  const std::lock_guard lock(mu_);
  images_.reset();
}

Status FaultInjectionEnv::images_status() const {
  const std::lock_guard lock(mu_);
  return images_status_;
}

Status FaultInjectionEnv::image_locked(const fs::path& root, const fs::path& out) {
  // Copy first (under the lock, so no directory change interleaves), then cut the copy.
  // Bytes appended concurrently outside the lock may or may not be copied; the cut
  // removes them either way, as they are not synced.
  if (auto s = base_.create_dirs(out); !s) return s;
  std::vector<DirEntry> entries;
  auto listed = base_.list_dir(root, true, [&](const DirEntry& e) -> Status {
    entries.push_back(e);
    return {};
  });
  if (!listed) return listed;
  for (const DirEntry& e : entries) {
    const fs::path to = out / e.path.lexically_relative(root);
    if (e.kind == FileKind::kDirectory) {
      if (auto s = base_.create_dirs(to); !s) return s;
    } else if (e.kind == FileKind::kFile) {
      auto in = base_.new_sequential_file(e.path);
      if (!in) {
        if (in.error().code == ErrorCode::kNotFound) continue;
        return fail(in.error());
      }
      auto copy = base_.new_writable_file(to);
      if (!copy) return fail(copy.error());
      std::vector<std::byte> buf(std::max<std::uint64_t>((*in)->size(), 1));
      for (;;) {
        auto n = (*in)->read(buf);
        if (!n) return fail(n.error());
        if (*n == 0) break;
        if (auto s = (*copy)->append(std::span(buf.data(), *n)); !s) return s;
      }
      if (auto s = (*copy)->close(); !s) return s;
    }
  }
  return model_.apply(root, out);
}

}  // namespace custos
