// PowerCutModel: records changes and syncs; applies a power cut by undoing, newest first,
// every directory change not made durable, then rolling files back to their synced bytes.
#include "base/power_cut_model.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "base/posix_file.h"

namespace custos {
namespace fs = std::filesystem;
namespace {

bool is_under(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (p == path.end() || *p != *d) return false;
  }
  return true;
}

Result<std::string> read_prefix(Env& env, const fs::path& path, std::uint64_t limit) {
  auto file = env.new_sequential_file(path);
  if (!file) return fail(file.error());
  std::string out;
  std::vector<std::byte> buf(std::min<std::uint64_t>(limit, (*file)->size()) + 1);
  while (out.size() < limit) {
    auto n = (*file)->read(buf);
    if (!n) return fail(n.error());
    if (*n == 0) break;
    const std::size_t take = std::min<std::uint64_t>(*n, limit - out.size());
    out.append(reinterpret_cast<const char*>(buf.data()), take);
  }
  return out;
}

Status ignore_missing(Status s) {
  if (!s && s.error().code == ErrorCode::kNotFound) return {};
  return s;
}

}  // namespace

Result<std::string> PowerCutModel::durable_bytes(Env& env, const TrackedFile& f,
                                                 const fs::path& at) {
  if (f.snapshot) return *f.snapshot;
  if (!f.dirty) return read_prefix(env, at, UINT64_MAX);
  // Only appends since the last sync: the durable content is the synced prefix.
  auto prefix = read_prefix(env, at, f.synced_size);
  if (!prefix) return prefix;
  prefix->resize(f.synced_size, '\0');
  return prefix;
}

long PowerCutModel::created_file(const fs::path& path) {
  files_.push_back(TrackedFile{path, 0, false, std::nullopt});
  const long id = static_cast<long>(files_.size() - 1);
  by_path_[path] = id;
  ops_.push_back({OpKind::kCreateFile, path, {}, path.parent_path(), id});
  return id;
}

long PowerCutModel::file_at(const fs::path& path) {
  if (auto it = by_path_.find(path); it != by_path_.end()) return it->second;
  auto info = base_.stat(path);
  files_.push_back(TrackedFile{path, info ? info->size : 0, false, std::nullopt});
  const long id = static_cast<long>(files_.size() - 1);
  by_path_[path] = id;
  return id;
}

Result<std::string> PowerCutModel::durable_content(long id) const {
  return durable_bytes(base_, files_[id], files_[id].path);
}

Status PowerCutModel::before_change(long id, std::uint64_t offset) {
  TrackedFile& f = files_[id];
  if (offset < f.synced_size && !f.snapshot) {
    // The first overwrite or shrink of durable bytes since the last sync: keep them.
    auto content = durable_content(id);
    if (!content) return fail(content.error());
    f.snapshot = std::move(*content);
  }
  f.dirty = true;
  return {};
}

void PowerCutModel::synced(long id, std::uint64_t size) {
  TrackedFile& f = files_[id];
  f.synced_size = size;
  f.dirty = false;
  f.snapshot.reset();
}

void PowerCutModel::made_dir(const fs::path& path) {
  ops_.push_back({OpKind::kMakeDir, path, {}, path.parent_path()});
}

void PowerCutModel::renamed(long id, const fs::path& from, const fs::path& to, long replaced,
                            std::optional<std::string> lost) {
  if (replaced >= 0) files_[replaced].path.clear();
  files_[id].path = to;
  by_path_.erase(from);
  by_path_[to] = id;
  // A rename is durable once the target's directory is synced (ext4, xfs, btrfs: one
  // journal transaction covers both entries).
  ops_.push_back({OpKind::kRename, from, to, to.parent_path(), id, replaced, std::move(lost)});
}

void PowerCutModel::removed(long id, const fs::path& path, std::string lost) {
  files_[id].path.clear();
  by_path_.erase(path);
  ops_.push_back({OpKind::kRemoveFile, path, {}, path.parent_path(), id, -1, std::move(lost)});
}

void PowerCutModel::removed_dir(const fs::path& path) {
  ops_.push_back({OpKind::kRemoveDir, path, {}, path.parent_path()});
}

void PowerCutModel::dir_synced(const fs::path& dir, std::size_t count) {
  for (std::size_t i = 0; i < std::min(count, ops_.size()); ++i) {
    if (!ops_[i].durable && ops_[i].dir == dir) {
      ops_[i].durable = true;
      ops_[i].lost.reset();
    }
  }
}

void PowerCutModel::reset() {
  files_.clear();
  by_path_.clear();
  ops_.clear();
  volatile_.clear();
}

// Works on its own copy of the files (their paths move as changes are undone), so the
// model can be applied to copies of a directory again and again.
class PowerCutModel::Cut {
 public:
  Cut(const PowerCutModel& model, fs::path root, fs::path target)
      : model_(model), files_(model.files_), root_(std::move(root)), target_(std::move(target)) {}

  Status run() {
    Status result;
    auto keep_first = [&](Status s) {
      if (!s && result) result = std::move(s);
    };
    for (auto it = model_.ops_.rbegin(); it != model_.ops_.rend(); ++it) {
      if (!it->durable) keep_first(revert(*it));
    }
    for (const TrackedFile& f : files_) {
      if (f.path.empty() || !f.dirty) continue;
      const auto at = map(f.path);
      if (!at) continue;
      auto info = env().stat(*at);
      if (!info || info->kind != FileKind::kFile) continue;  // gone with its directory
      auto content = durable_bytes(env(), f, *at);
      if (!content) {
        keep_first(fail(content.error()));
        continue;
      }
      keep_first(write_whole(*at, *content));
    }
    for (const auto& path : model_.volatile_) {
      if (auto at = map(path)) keep_first(ignore_missing(env().remove_file(*at)));
    }
    return result;
  }

 private:
  Env& env() const { return model_.base_; }

  // Where `path` of the live directory is in the target; none outside `root`.
  std::optional<fs::path> map(const fs::path& path) const {
    if (path.empty() || !is_under(path, root_)) return std::nullopt;
    const fs::path rel = path.lexically_relative(root_);
    return rel == "." ? target_ : target_ / rel;
  }

  Status write_whole(const fs::path& at, const std::string& content) {
    if (auto s = ignore_missing(env().remove_file(at)); !s) return s;
    auto file = env().new_writable_file(at);
    if (!file) return fail(file.error());
    if (auto s = (*file)->append(as_bytes(content)); !s) return s;
    return (*file)->close();
  }

  Status restore(long id, const fs::path& path, const std::string& content) {
    const auto at = map(path);
    if (!at) return {};
    if (auto s = write_whole(*at, content); !s) return s;
    files_[id] = TrackedFile{path, content.size(), false, std::nullopt};
    return {};
  }

  Status revert(const DirOp& op) {
    const auto at = map(op.path);
    switch (op.kind) {
      case OpKind::kCreateFile:
        // Unless a durable rename has moved the file away since.
        if (!at || files_[op.file].path != op.path) return {};
        files_[op.file].path.clear();
        return ignore_missing(env().remove_file(*at));
      case OpKind::kMakeDir:
        if (!at) return {};
        for (TrackedFile& f : files_) {
          if (!f.path.empty() && is_under(f.path, op.path)) f.path.clear();
        }
        return remove_tree(env(), *at);
      case OpKind::kRename: {
        const auto to = map(op.to);
        if (at && to && files_[op.file].path == op.to) {
          if (auto s = env().rename_file(*to, *at); !s) return s;
          files_[op.file].path = op.path;
        }
        if (op.replaced >= 0 && op.lost) return restore(op.replaced, op.to, *op.lost);
        return {};
      }
      case OpKind::kRemoveFile: {
        if (!at || !op.lost) return {};
        auto info = env().stat(*at);
        if (!info) return fail(info.error());
        if (info->kind != FileKind::kMissing) return {};
        return restore(op.file, op.path, *op.lost);
      }
      case OpKind::kRemoveDir:
        if (!at) return {};
        return env().create_dirs(*at);
    }
    return {};
  }

  const PowerCutModel& model_;
  std::vector<TrackedFile> files_;
  fs::path root_;
  fs::path target_;
};

Status PowerCutModel::apply(const fs::path& root, const fs::path& target) const {
  return Cut(*this, root, target).run();
}

}  // namespace custos
