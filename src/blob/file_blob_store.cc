#include "blob/file_blob_store.h"

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <set>
#include <thread>
#include <utility>
#include <vector>

namespace custos::blob {
namespace fs = std::filesystem;
namespace {

// 64 random bits as hex: staging names never collide, within or across processes.
std::string random_name() {
  std::uint64_t r = 0;
  if (::getrandom(&r, sizeof r, 0) != sizeof r) {
    static std::atomic<std::uint64_t> counter{0};
    r = (static_cast<std::uint64_t>(::getpid()) << 32) ^ counter.fetch_add(1);
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(r));
  return buf;
}

class FileBlobWriter final : public BlobWriter {
 public:
  FileBlobWriter(Env& env, std::unique_ptr<WritableFile> file, fs::path path)
      : env_(env), file_(std::move(file)), path_(std::move(path)) {}
  ~FileBlobWriter() override {
    if (state_ == State::kOpen) discard();
  }
  Status write(std::span<const std::byte> bytes) override {
    if (state_ != State::kOpen) return refused();
    auto s = file_->append(bytes);
    if (!s) discard();  // a half-written file is of no use; free the space now
    return s;
  }
  Status finish() override {
    if (state_ != State::kOpen) return refused();
    file_->start_writeback();  // so the fsync at group commit finds little left to do
    return {};
  }
  // Never retried: after a failed fsync the kernel may have dropped the dirty pages, so a
  // later success would prove nothing. The staged file goes at once.
  Status sync() {
    if (state_ != State::kOpen) return refused();
    auto s = file_->sync();
    if (!s) discard();
    return s;
  }
  [[nodiscard]] const fs::path& path() const { return path_; }
  void mark_published() {
    state_ = State::kPublished;
    (void)file_->close();  // data and name are durable; closing cannot lose them
  }
  void discard() {
    state_ = State::kDiscarded;
    (void)file_->close();
    (void)env_.remove_file(path_);  // if this fails, the next open removes stale staging
  }

 private:
  enum class State { kOpen, kPublished, kDiscarded };
  Status refused() const {
    return fail(ErrorCode::kIoError,
                "staged file " + path_.string() + " was discarded after a failed write or fsync");
  }
  Env& env_;
  std::unique_ptr<WritableFile> file_;
  fs::path path_;
  State state_ = State::kOpen;
};

class FileBlobReader final : public BlobReader {
 public:
  explicit FileBlobReader(std::unique_ptr<SequentialFile> file) : file_(std::move(file)) {}
  Result<std::size_t> read(std::span<std::byte> buf) override { return file_->read(buf); }
  [[nodiscard]] std::uint64_t size() const override { return file_->size(); }

 private:
  std::unique_ptr<SequentialFile> file_;
};

// Whether `path` is `dir` or lies below it.
bool is_under(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (p == path.end() || *p != *d) return false;
  }
  return true;
}

// Runs fn(i) for i in [0, n) on up to `threads` threads.
template <class Fn>
void parallel_for(std::size_t n, unsigned threads, Fn fn) {
  const std::size_t workers = std::min<std::size_t>(std::max(1u, threads), n);
  if (workers <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::jthread> pool;
  pool.reserve(workers);
  for (std::size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (std::size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
    });
  }
}

// Staging area of this process: tmp/<name>/ holding an flock'ed "lock" file while the
// process lives, so another process can tell stale staging (crash leftovers) from live.
struct Staging {
  fs::path dir;
  std::unique_ptr<FileLock> lock;
};

Result<Staging> make_staging(Env& env, const fs::path& tmp_dir) {
  // Remove staging directories whose owner is gone (no lock file, or its lock is free),
  // holding their lock meanwhile. Best effort: what stays is retried at the next open.
  std::vector<std::pair<fs::path, std::unique_ptr<FileLock>>> stale;
  (void)env.list_dir(tmp_dir, false, [&](const DirEntry& entry) -> Status {
    if (entry.kind != FileKind::kDirectory) return {};
    auto lock = env.lock_file(entry.path / "lock", false);
    if (lock) {
      stale.emplace_back(entry.path, std::move(*lock));
    } else if (lock.error().code == ErrorCode::kNotFound) {
      stale.emplace_back(entry.path, nullptr);
    }
    return {};
  });
  for (const auto& [dir, lock] : stale) (void)remove_tree(env, dir);
  Staging s;
  s.dir = tmp_dir / ("stage-" + random_name());
  if (auto st = env.create_dirs(s.dir); !st) return fail(st.error());
  auto lock = env.lock_file(s.dir / "lock", true);
  if (!lock) return fail(lock.error());
  s.lock = std::move(*lock);
  return s;
}

}  // namespace

Result<std::unique_ptr<FileBlobStore>> FileBlobStore::open(const FileBlobStoreOptions& options) {
  Env& env = options.env;
  if (auto s = env.create_dirs(options.blobs_dir); !s) return fail(s.error());
  if (auto s = env.create_dirs(options.tmp_dir); !s) return fail(s.error());
  auto staging = make_staging(env, options.tmp_dir);
  if (!staging) return fail(staging.error());
  return std::unique_ptr<FileBlobStore>(
      new FileBlobStore(options, std::move(staging->dir), std::move(staging->lock)));
}

FileBlobStore::~FileBlobStore() {
  (void)remove_tree(env_, staging_dir_);  // only this store's leftovers; writers are gone by now
}

fs::path FileBlobStore::path_of(const BlobId& id) const {
  const std::string hex = id.hex();
  return options_.blobs_dir / hex.substr(0, 2) / hex.substr(2, 2) / hex;
}

Result<std::unique_ptr<BlobWriter>> FileBlobStore::create() {
  const fs::path path = staging_dir_ / (random_name() + ".part");
  auto file = env_.new_writable_file(path);
  if (!file) return fail(file.error());
  return std::unique_ptr<BlobWriter>(
      std::make_unique<FileBlobWriter>(env_, std::move(*file), path));
}

std::vector<Status> FileBlobStore::publish(std::span<const Publication> batch) {
  std::vector<Status> results(batch.size());
  std::vector<FileBlobWriter*> writers(batch.size(), nullptr);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    writers[i] = dynamic_cast<FileBlobWriter*>(batch[i].writer);
    if (writers[i] == nullptr) {
      results[i] = fail(ErrorCode::kInternal, "writer does not belong to this blob store");
    }
  }
  // 1. Data durable, in parallel: the file system's journal merges concurrent syncs.
  parallel_for(batch.size(), options_.sync_threads, [&](std::size_t i) {
    if (writers[i] != nullptr) results[i] = writers[i]->sync();
  });
  // 2. Move into place. Every directory on the way is synced below, new or not: a
  // directory another writer created may not be durable yet, and syncing a clean one is
  // cheap.
  std::set<fs::path> dirs_to_sync;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!results[i]) continue;
    const fs::path target = path_of(batch[i].id);
    const fs::path dir = target.parent_path();
    auto info = env_.stat(dir);
    if (!info) {
      results[i] = fail(info.error());
    } else if (info->kind != FileKind::kDirectory) {
      results[i] = env_.create_dirs(dir);
    }
    if (results[i]) results[i] = env_.rename_file(writers[i]->path(), target);
    if (!results[i]) {
      writers[i]->discard();
      continue;
    }
    writers[i]->mark_published();
    dirs_to_sync.insert(dir);
    dirs_to_sync.insert(dir.parent_path());
    dirs_to_sync.insert(dir.parent_path().parent_path());
  }
  // 3. Directory entries durable. A failure fails every object at or below that directory
  // (the object stays in place: it may be the same bytes another row already refers to).
  const std::vector<fs::path> dirs(dirs_to_sync.begin(), dirs_to_sync.end());
  std::vector<Status> dir_results(dirs.size());
  parallel_for(dirs.size(), options_.sync_threads,
               [&](std::size_t d) { dir_results[d] = env_.sync_dir(dirs[d]); });
  for (std::size_t d = 0; d < dirs.size(); ++d) {
    if (dir_results[d]) continue;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (results[i] && is_under(path_of(batch[i].id), dirs[d])) results[i] = dir_results[d];
    }
  }
  return results;
}

Result<std::unique_ptr<BlobReader>> FileBlobStore::open(const BlobId& id) {
  auto file = env_.new_sequential_file(path_of(id));
  if (!file) return fail(file.error());
  return std::unique_ptr<BlobReader>(std::make_unique<FileBlobReader>(std::move(*file)));
}

Result<bool> FileBlobStore::contains(const BlobId& id) {
  auto info = env_.stat(path_of(id));
  if (!info) return fail(info.error());
  return info->kind == FileKind::kFile;
}

Status FileBlobStore::remove(const BlobId& id) {
  const fs::path path = path_of(id);
  if (auto s = env_.remove_file(path); !s) return s;
  return env_.sync_dir(path.parent_path());
}

Status FileBlobStore::for_each(const std::function<Status(const BlobId&, std::uint64_t)>& fn) {
  return env_.list_dir(options_.blobs_dir, true, [&](const DirEntry& entry) -> Status {
    if (entry.kind != FileKind::kFile) return {};
    BlobId id;
    if (!from_hex(entry.path.filename().string(), id.digest)) return {};
    return fn(id, entry.size);
  });
}

}  // namespace custos::blob
