// Folder walk: list the tree once (sorted, no symlinked folders), deliver what each
// DICOMDIR references in its order, then the rest, each file exactly once.
#include "source/folder_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/posix_file.h"
#include "dicom/dicomdir.h"
#include "source/file_reader.h"

namespace custos::source {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMissingReason = "referenced by DICOMDIR but not present";

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

enum class Kind { kFile, kDir };

struct Child {
  std::string name;
  Kind kind;
};

std::string join(const std::string& dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string out = dir;
  out += '/';
  out += name;
  return out;
}

std::size_t depth_of(const std::string& rel) {
  return static_cast<std::size_t>(std::count(rel.begin(), rel.end(), '/'));
}

std::string parent_of(const std::string& rel) {
  const auto slash = rel.rfind('/');
  return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}

std::string_view base_name(const std::string& rel) {
  const auto slash = rel.rfind('/');
  return slash == std::string::npos ? std::string_view(rel)
                                    : std::string_view(rel).substr(slash + 1);
}

// The key a CD file name is matched on: upper case, without an ISO-9660 version suffix
// (";1") and without trailing dots ("IM000001." as some mounts show 8.3 names).
std::string normalized(std::string_view name) {
  const auto semi = name.rfind(';');
  if (semi != std::string_view::npos && semi + 1 < name.size() &&
      std::all_of(name.begin() + static_cast<std::ptrdiff_t>(semi) + 1, name.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    name = name.substr(0, semi);
  }
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

class FolderWalker {
 public:
  FolderWalker(const fs::path& root, ItemSink& sink) : root_(root), sink_(sink) {}

  Status run() {
    if (auto s = enumerate(); !s) return s;
    delivered_.assign(files_.size(), false);
    for (const std::size_t index : dicomdirs_in_order()) deliver_references(index);
    for (std::size_t i = 0; i < files_.size(); ++i) {
      if (delivered_[i]) continue;
      delivered_[i] = true;
      deliver_file(absolute(files_[i]), display(files_[i]), false, sink_);
    }
    return {};
  }

 private:
  fs::path absolute(const std::string& rel) const { return rel.empty() ? root_ : root_ / rel; }
  std::string display(const std::string& rel) const { return absolute(rel).string(); }

  // Lists one directory, sorted by name. Symlinks count as files only when they point to
  // a regular file; symlinked folders, devices, FIFOs and sockets are left out.
  Result<std::vector<Child>> list(const std::string& rel) {
    const fs::path dir = absolute(rel);
    auto fd = open_dir(dir);
    if (!fd) return fail(fd.error());
    struct stat self {};
    if (::fstat(fd->get(), &self) != 0) return fail(posix_error("cannot stat", dir, errno));
    // Symlinks are never followed into folders, so only a bind mount could loop; the
    // (device, inode) set stops that too.
    if (!visited_.emplace(self.st_dev, self.st_ino).second) return std::vector<Child>{};
    const int dir_fd = fd->get();
    DirPtr d(::fdopendir(dir_fd));
    if (!d) return fail(posix_error("cannot open directory", dir, errno));
    fd->release();  // now owned by d

    std::vector<Child> out;
    for (;;) {
      errno = 0;
      const dirent* e = ::readdir(d.get());
      if (e == nullptr) {
        if (errno != 0) return fail(posix_error("cannot list directory", dir, errno));
        break;
      }
      const std::string_view name(e->d_name);
      if (name == "." || name == "..") continue;
      std::optional<Kind> kind;
      unsigned char type = e->d_type;
      if (type == DT_UNKNOWN) {
        struct stat st {};
        if (::fstatat(::dirfd(d.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        type = S_ISDIR(st.st_mode)   ? DT_DIR
               : S_ISREG(st.st_mode) ? DT_REG
               : S_ISLNK(st.st_mode) ? DT_LNK
                                     : DT_UNKNOWN;
      }
      if (type == DT_DIR) kind = Kind::kDir;
      if (type == DT_REG) kind = Kind::kFile;
      if (type == DT_LNK) {
        struct stat st {};
        if (::fstatat(::dirfd(d.get()), e->d_name, &st, 0) == 0 && S_ISREG(st.st_mode)) {
          kind = Kind::kFile;
        }
      }
      if (kind) out.push_back(Child{std::string(name), *kind});
    }
    std::sort(out.begin(), out.end(),
              [](const Child& a, const Child& b) { return a.name < b.name; });
    return out;
  }

  // Depth-first, in name order, without recursion (depth is bounded only by PATH_MAX).
  Status enumerate() {
    struct Frame {
      std::string rel;
      std::vector<Child> children;
      std::size_t next = 0;
    };
    auto top = list("");
    if (!top) return fail(top.error());
    std::vector<Frame> stack;
    stack.push_back(Frame{"", std::move(*top)});
    remember_names("", stack.back().children);
    while (!stack.empty()) {
      Frame& frame = stack.back();
      if (frame.next == frame.children.size()) {
        stack.pop_back();
        continue;
      }
      const Child& child = frame.children[frame.next++];
      std::string rel = join(frame.rel, child.name);
      if (child.kind == Kind::kFile) {
        file_index_.emplace(rel, files_.size());
        files_.push_back(std::move(rel));
        continue;
      }
      auto sub = list(rel);
      if (!sub) {
        sink_.on_rejected(display(rel), sub.error().message);
        continue;
      }
      remember_names(rel, *sub);
      stack.push_back(Frame{std::move(rel), std::move(*sub)});  // invalidates `frame`
    }
    return {};
  }

  void remember_names(const std::string& rel, const std::vector<Child>& children) {
    std::vector<std::string> names;
    names.reserve(children.size());
    for (const auto& c : children) names.push_back(c.name);
    names_[rel] = std::move(names);  // already sorted
  }

  // Every file called DICOMDIR, the shallowest first (the root's before a subfolder's).
  std::vector<std::size_t> dicomdirs_in_order() const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < files_.size(); ++i) {
      if (normalized(base_name(files_[i])) == "DICOMDIR") out.push_back(i);
    }
    std::stable_sort(out.begin(), out.end(), [this](std::size_t a, std::size_t b) {
      return depth_of(files_[a]) < depth_of(files_[b]);
    });
    return out;
  }

  // The name in directory `rel` that a DICOMDIR component designates: the exact name if
  // present, else the first (in sorted order) that matches case-insensitively.
  std::optional<std::string> match(const std::string& rel, std::string_view component) {
    const auto it = names_.find(rel);
    if (it == names_.end()) return std::nullopt;
    const auto& names = it->second;
    const auto exact = std::lower_bound(names.begin(), names.end(), component);
    if (exact != names.end() && *exact == component) return *exact;
    auto [folded, inserted] = folded_.try_emplace(rel);
    if (inserted) {
      for (const auto& n : names) folded->second.try_emplace(normalized(n), n);
    }
    const auto hit = folded->second.find(normalized(component));
    if (hit == folded->second.end()) return std::nullopt;
    return hit->second;
  }

  std::optional<std::size_t> resolve(const std::string& base, const std::string& ref) {
    std::string cur = base;
    std::string_view rest = ref;
    while (!rest.empty()) {
      const auto slash = rest.find('/');
      const std::string_view component = rest.substr(0, slash);
      rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
      auto name = match(cur, component);
      if (!name) return std::nullopt;
      cur = join(cur, *name);
    }
    const auto f = file_index_.find(cur);
    if (f == file_index_.end()) return std::nullopt;
    return f->second;
  }

  void deliver_references(std::size_t dicomdir_index) {
    const std::string& rel = files_[dicomdir_index];
    auto refs = dicom::read_dicomdir_references(absolute(rel));
    if (!refs) {
      // The DICOMDIR itself is still delivered later, as an ordinary file.
      sink_.on_rejected(display(rel), refs.error().message);
      return;
    }
    const std::string base = parent_of(rel);
    for (const auto& ref : *refs) {
      const auto index = resolve(base, ref);
      if (!index) {
        std::string shown = display(join(base, ref));
        if (missing_.insert(shown).second) sink_.on_missing(shown, std::string(kMissingReason));
        continue;
      }
      if (delivered_[*index]) continue;
      delivered_[*index] = true;
      deliver_file(absolute(files_[*index]), display(files_[*index]), true, sink_);
    }
  }

  fs::path root_;
  ItemSink& sink_;
  std::vector<std::string> files_;  // paths relative to root_, '/'-separated, walk order
  std::unordered_map<std::string, std::size_t> file_index_;
  std::unordered_map<std::string, std::vector<std::string>> names_;  // folder -> sorted names
  std::unordered_map<std::string, std::unordered_map<std::string, std::string>> folded_;
  std::set<std::pair<dev_t, ino_t>> visited_;
  std::vector<bool> delivered_;
  std::unordered_set<std::string> missing_;
};

}  // namespace

Status walk_folder(const fs::path& root, ItemSink& sink) {
  FolderWalker walker(root, sink);
  return walker.run();
}

}  // namespace custos::source
