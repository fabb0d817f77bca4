#include "blob/file_blob_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <set>
#include <thread>

#include "base/posix_file.h"

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
  FileBlobWriter(UniqueFd fd, fs::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
  ~FileBlobWriter() override {
    if (!published_) ::unlink(path_.c_str());
  }
  Status write(std::span<const std::byte> bytes) override {
    return write_all(fd_.get(), bytes, path_);
  }
  Status finish() override {
    // Start write-back now so the fsync at group commit finds little left to do.
    ::sync_file_range(fd_.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
    return {};
  }
  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] const fs::path& path() const { return path_; }
  void mark_published() {
    published_ = true;
    fd_ = UniqueFd();
  }

 private:
  UniqueFd fd_;
  fs::path path_;
  bool published_ = false;
};

class FileBlobReader final : public BlobReader {
 public:
  FileBlobReader(UniqueFd fd, fs::path path, std::uint64_t size)
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
  UniqueFd lock;
};

Result<Staging> make_staging(const fs::path& tmp_dir) {
  // Remove staging directories whose owner is gone (their lock is free).
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(tmp_dir, ec)) {
    const fs::path lock_path = entry.path() / "lock";
    const int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (entry.is_directory()) fs::remove_all(entry.path(), ec);
      continue;
    }
    const UniqueFd lock(fd);
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) == 0) fs::remove_all(entry.path(), ec);
  }
  Staging s;
  s.dir = tmp_dir / ("stage-" + random_name());
  if (auto st = make_dirs(s.dir); !st) return fail(st.error());
  const fs::path lock_path = s.dir / "lock";
  const int fd = ::open(lock_path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(posix_error("cannot create", lock_path, errno));
  s.lock = UniqueFd(fd);
  if (::flock(s.lock.get(), LOCK_EX | LOCK_NB) != 0) {
    return fail(posix_error("cannot lock", lock_path, errno));
  }
  return s;
}

}  // namespace

Result<std::unique_ptr<FileBlobStore>> FileBlobStore::open(const FileBlobStoreOptions& options) {
  if (auto s = make_dirs(options.blobs_dir); !s) return fail(s.error());
  if (auto s = make_dirs(options.tmp_dir); !s) return fail(s.error());
  auto staging = make_staging(options.tmp_dir);
  if (!staging) return fail(staging.error());
  return std::unique_ptr<FileBlobStore>(
      new FileBlobStore(options, std::move(staging->dir), std::move(staging->lock)));
}

FileBlobStore::~FileBlobStore() {
  std::error_code ec;
  fs::remove_all(staging_dir_, ec);  // only this store's leftovers; writers are gone by now
}

fs::path FileBlobStore::path_of(const BlobId& id) const {
  const std::string hex = id.hex();
  return options_.blobs_dir / hex.substr(0, 2) / hex.substr(2, 2) / hex;
}

Result<std::unique_ptr<BlobWriter>> FileBlobStore::create() {
  const fs::path path = staging_dir_ / (random_name() + ".part");
  auto fd = create_exclusive(path);
  if (!fd) return fail(fd.error());
  return std::unique_ptr<BlobWriter>(std::make_unique<FileBlobWriter>(std::move(*fd), path));
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
    if (writers[i] != nullptr) results[i] = fsync_fd(writers[i]->fd(), writers[i]->path());
  });
  // 2. Move into place. New fan-out directories need their parent synced too.
  std::set<fs::path> dirs_to_sync;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!results[i]) continue;
    const fs::path target = path_of(batch[i].id);
    const fs::path dir = target.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      if (auto s = make_dirs(dir); !s) {
        results[i] = s;
        continue;
      }
      dirs_to_sync.insert(dir.parent_path());
      dirs_to_sync.insert(dir.parent_path().parent_path());
    }
    results[i] = rename_file(writers[i]->path(), target);
    if (results[i]) {
      writers[i]->mark_published();
      dirs_to_sync.insert(dir);
    }
  }
  // 3. Directory entries durable. A failure fails every object of that directory.
  const std::vector<fs::path> dirs(dirs_to_sync.begin(), dirs_to_sync.end());
  std::vector<Status> dir_results(dirs.size());
  parallel_for(dirs.size(), options_.sync_threads,
               [&](std::size_t d) { dir_results[d] = fsync_dir(dirs[d]); });
  for (std::size_t d = 0; d < dirs.size(); ++d) {
    if (dir_results[d]) continue;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (results[i] && path_of(batch[i].id).parent_path() == dirs[d]) results[i] = dir_results[d];
    }
  }
  return results;
}

Result<std::unique_ptr<BlobReader>> FileBlobStore::open(const BlobId& id) {
  const fs::path path = path_of(id);
  auto fd = open_read(path);
  if (!fd) return fail(fd.error());
  auto size = file_size(fd->get(), path);
  if (!size) return fail(size.error());
  return std::unique_ptr<BlobReader>(
      std::make_unique<FileBlobReader>(std::move(*fd), path, *size));
}

Result<bool> FileBlobStore::contains(const BlobId& id) {
  std::error_code ec;
  const bool exists = fs::is_regular_file(path_of(id), ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return fail(posix_error("cannot stat", path_of(id), ec.value()));
  }
  return exists;
}

Status FileBlobStore::remove(const BlobId& id) {
  const fs::path path = path_of(id);
  if (::unlink(path.c_str()) != 0) return fail(posix_error("cannot remove", path, errno));
  return fsync_dir(path.parent_path());
}

Status FileBlobStore::for_each(const std::function<Status(const BlobId&, std::uint64_t)>& fn) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(options_.blobs_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    BlobId id;
    if (!from_hex(it->path().filename().string(), id.digest)) continue;
    if (auto s = fn(id, it->file_size(ec)); !s) return s;
  }
  if (ec) return fail(posix_error("cannot list", options_.blobs_dir, ec.value()));
  return {};
}

}  // namespace custos::blob
