// EnvVfs: a shim over SQLite's unix VFS. Every file it opens for writing is registered with
// the Env (Env::track_external); writes, truncations and syncs ask the Env first, deletes
// and directory syncs go through the Env. Everything else is the unix VFS unchanged.
#include "index/sqlite_env_vfs.h"

#include <sqlcipher/sqlite3.h>

#include <cstddef>
#include <filesystem>
#include <new>
#include <string>

namespace custos::index {

struct EnvVfs::State {
  sqlite3_vfs vfs{};            // what SQLite sees; pAppData points back here
  sqlite3_vfs* real = nullptr;  // the unix VFS
  Env* env = nullptr;           // not owned
  std::string name;
};

namespace {

// Per open file, constructed in the memory SQLite hands to xOpen and destroyed in xClose
// (SQLite owns that memory; the objects in it live exactly as long as the open file).
struct OpenFile {
  Env* env = nullptr;
  std::unique_ptr<ExternalFile> tracker;  // null for read-only and temporary files
  std::string path;
  bool sync_dir_pending = false;  // a new journal or WAL: its directory entry needs a sync
};

// What SQLite sees: sqlite3_file first, as the C API requires.
struct EnvFile {
  sqlite3_file base;
  OpenFile* open;  // lives at kOpenOffset in the same block
};

constexpr std::size_t align_up(std::size_t n) {
  constexpr std::size_t a = alignof(std::max_align_t);
  return (n + a - 1) / a * a;
}
constexpr std::size_t kOpenOffset = align_up(sizeof(EnvFile));
constexpr std::size_t kRealOffset = align_up(kOpenOffset + sizeof(OpenFile));

EnvFile* env_file(sqlite3_file* f) { return reinterpret_cast<EnvFile*>(f); }
OpenFile& open_of(sqlite3_file* f) { return *env_file(f)->open; }
sqlite3_file* real_of(sqlite3_file* f) {
  return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kRealOffset);
}
EnvVfs::State& state_of(sqlite3_vfs* vfs) { return *static_cast<EnvVfs::State*>(vfs->pAppData); }

int sqlite_code(const Error& e, int io_code) {
  return e.code == ErrorCode::kNoSpace ? SQLITE_FULL : io_code;
}

std::filesystem::path parent_of(const std::string& path) {
  return std::filesystem::path(path).parent_path();
}

// ---- the file methods ----

int x_close(sqlite3_file* f) {
  sqlite3_file* real = real_of(f);
  const int rc = real->pMethods != nullptr ? real->pMethods->xClose(real) : SQLITE_OK;
  open_of(f).~OpenFile();
  return rc;
}

int x_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xRead(real, buf, amount, offset);
}

int x_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  OpenFile& o = open_of(f);
  if (o.tracker) {
    auto s = o.tracker->before_write(static_cast<std::uint64_t>(offset),
                                     static_cast<std::uint64_t>(amount));
    if (!s) return sqlite_code(s.error(), SQLITE_IOERR_WRITE);
  }
  sqlite3_file* real = real_of(f);
  return real->pMethods->xWrite(real, buf, amount, offset);
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  OpenFile& o = open_of(f);
  if (o.tracker) {
    auto s = o.tracker->before_truncate(static_cast<std::uint64_t>(size));
    if (!s) return sqlite_code(s.error(), SQLITE_IOERR_TRUNCATE);
  }
  sqlite3_file* real = real_of(f);
  return real->pMethods->xTruncate(real, size);
}

int x_sync(sqlite3_file* f, int flags) {
  OpenFile& o = open_of(f);
  sqlite3_file* real = real_of(f);
  if (!o.tracker) return real->pMethods->xSync(real, flags);
  int rc = SQLITE_OK;
  auto s = o.tracker->sync([&]() -> Status {
    rc = real->pMethods->xSync(real, flags);
    if (rc != SQLITE_OK) return fail(ErrorCode::kIoError, "cannot fsync " + o.path);
    return {};
  });
  if (!s) return rc != SQLITE_OK ? rc : sqlite_code(s.error(), SQLITE_IOERR_FSYNC);
  if (o.sync_dir_pending) {
    // The unix VFS syncs the directory of a new journal or WAL here too (and ignores a
    // failure); doing it through the Env makes the new name durable in the simulation.
    auto d = o.env->sync_dir(parent_of(o.path));
    if (!d) return sqlite_code(d.error(), SQLITE_IOERR_DIR_FSYNC);
    o.sync_dir_pending = false;
  }
  return SQLITE_OK;
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xFileSize(real, size);
}

int x_lock(sqlite3_file* f, int level) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xLock(real, level);
}

int x_unlock(sqlite3_file* f, int level) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xUnlock(real, level);
}

int x_check_reserved_lock(sqlite3_file* f, int* out) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xCheckReservedLock(real, out);
}

int x_file_control(sqlite3_file* f, int op, void* arg) {
  // Size hints and chunk sizes let the unix VFS grow files outside xWrite/xTruncate;
  // they are only hints, so they are declined and every change stays visible.
  if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE) return SQLITE_OK;
  sqlite3_file* real = real_of(f);
  return real->pMethods->xFileControl(real, op, arg);
}

int x_sector_size(sqlite3_file* f) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xSectorSize(real);
}

int x_device_characteristics(sqlite3_file* f) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xDeviceCharacteristics(real);
}

int x_shm_map(sqlite3_file* f, int page, int page_size, int extend, void volatile** out) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xShmMap(real, page, page_size, extend, out);
}

int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xShmLock(real, offset, n, flags);
}

void x_shm_barrier(sqlite3_file* f) {
  sqlite3_file* real = real_of(f);
  real->pMethods->xShmBarrier(real);
}

int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xShmUnmap(real, delete_flag);
}

// Version 2: no xFetch, so SQLite never writes through a memory map behind our back.
const sqlite3_io_methods kMethods = {
    2,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved_lock,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    nullptr,
    nullptr,
};

// ---- the VFS methods ----

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out) {
  EnvVfs::State& st = state_of(vfs);
  f->pMethods = nullptr;  // until the open succeeds: SQLite then skips xClose
  OpenFile* o = new (reinterpret_cast<char*>(f) + kOpenOffset) OpenFile{};
  env_file(f)->open = o;
  o->env = st.env;
  if (name != nullptr && (flags & SQLITE_OPEN_READWRITE) != 0) {
    o->path = name;
    auto info = st.env->stat(o->path);
    const bool creates =
        (flags & SQLITE_OPEN_CREATE) != 0 && info && info->kind == FileKind::kMissing;
    auto tracker = st.env->track_external(o->path, creates);
    if (!tracker) {
      o->~OpenFile();
      return SQLITE_CANTOPEN;
    }
    o->tracker = std::move(*tracker);
    constexpr int kJournals =
        SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_WAL | SQLITE_OPEN_MASTER_JOURNAL;
    o->sync_dir_pending = creates && (flags & kJournals) != 0;
  }
  sqlite3_file* real = real_of(f);
  real->pMethods = nullptr;
  const int rc = st.real->xOpen(st.real, name, real, flags, out);
  if (rc != SQLITE_OK) {
    if (real->pMethods != nullptr) real->pMethods->xClose(real);
    o->~OpenFile();
    return rc;
  }
  if (name != nullptr && (flags & SQLITE_OPEN_MAIN_DB) != 0) {
    st.env->note_volatile_file(std::string(name) + "-shm");
  }
  f->pMethods = &kMethods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  EnvVfs::State& st = state_of(vfs);
  auto s = st.env->remove_file(name);
  if (!s) {
    return s.error().code == ErrorCode::kNotFound ? SQLITE_IOERR_DELETE_NOENT : SQLITE_IOERR_DELETE;
  }
  if (sync_dir != 0) {
    auto d = st.env->sync_dir(parent_of(name));
    if (!d) return SQLITE_IOERR_DIR_FSYNC;
  }
  return SQLITE_OK;
}

int x_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  sqlite3_vfs* real = state_of(vfs).real;
  return real->xAccess(real, name, flags, out);
}

int x_full_pathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  sqlite3_vfs* real = state_of(vfs).real;
  return real->xFullPathname(real, name, n, out);
}

void* x_dl_open(sqlite3_vfs* vfs, const char* name) {
  sqlite3_vfs* real = state_of(vfs).real;
  return real->xDlOpen(real, name);
}

void x_dl_error(sqlite3_vfs* vfs, int n, char* out) {
  sqlite3_vfs* real = state_of(vfs).real;
  real->xDlError(real, n, out);
}

void (*x_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  sqlite3_vfs* real = state_of(vfs).real;
  return real->xDlSym(real, handle, symbol);
}

void x_dl_close(sqlite3_vfs* vfs, void* handle) {
  sqlite3_vfs* real = state_of(vfs).real;
  real->xDlClose(real, handle);
}

int x_randomness(sqlite3_vfs* vfs, int n, char* out) {
  sqlite3_vfs* real = state_of(vfs).real;
  return real->xRandomness(real, n, out);
}

int x_sleep(sqlite3_vfs* vfs, int micros) {
  sqlite3_vfs* real = state_of(vfs).real;
  return real->xSleep(real, micros);
}

int x_current_time(sqlite3_vfs* vfs, double* out) {
  sqlite3_vfs* real = state_of(vfs).real;
  return real->xCurrentTime(real, out);
}

int x_get_last_error(sqlite3_vfs* vfs, int n, char* out) {
  sqlite3_vfs* real = state_of(vfs).real;
  return real->xGetLastError(real, n, out);
}

int x_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  sqlite3_vfs* real = state_of(vfs).real;
  return real->xCurrentTimeInt64(real, out);
}

}  // namespace

Result<std::unique_ptr<EnvVfs>> EnvVfs::register_vfs(const std::string& name, Env& env) {
  if (sqlite3_initialize() != SQLITE_OK) {
    return fail(ErrorCode::kInternal, "index: SQLite cannot be initialized");
  }
  if (sqlite3_vfs_find(name.c_str()) != nullptr) {
    return fail(ErrorCode::kConflict, "index: an SQLite VFS named " + name + " exists");
  }
  sqlite3_vfs* real = sqlite3_vfs_find("unix");
  if (real == nullptr || real->iVersion < 2) {
    return fail(ErrorCode::kInternal, "index: SQLite has no usable unix VFS");
  }
  auto st = std::make_unique<State>();
  st->real = real;
  st->env = &env;
  st->name = name;
  sqlite3_vfs& v = st->vfs;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(kRealOffset) + real->szOsFile;
  v.mxPathname = real->mxPathname;
  v.zName = st->name.c_str();
  v.pAppData = st.get();
  v.xOpen = x_open;
  v.xDelete = x_delete;
  v.xAccess = x_access;
  v.xFullPathname = x_full_pathname;
  v.xDlOpen = x_dl_open;
  v.xDlError = x_dl_error;
  v.xDlSym = x_dl_sym;
  v.xDlClose = x_dl_close;
  v.xRandomness = x_randomness;
  v.xSleep = x_sleep;
  v.xCurrentTime = x_current_time;
  v.xGetLastError = x_get_last_error;
  v.xCurrentTimeInt64 = x_current_time_int64;
  if (sqlite3_vfs_register(&st->vfs, 0) != SQLITE_OK) {
    return fail(ErrorCode::kInternal, "index: SQLite refused the VFS " + name);
  }
  return std::unique_ptr<EnvVfs>(new EnvVfs(std::move(st)));
}

EnvVfs::EnvVfs(std::unique_ptr<State> state) : state_(std::move(state)) {}

EnvVfs::~EnvVfs() { sqlite3_vfs_unregister(&state_->vfs); }

const std::string& EnvVfs::name() const { return state_->name; }

}  // namespace custos::index
