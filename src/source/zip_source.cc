// Zip walk over libarchive: one entry at a time, streamed straight into the caller's
// buffer, with zip-slip, link, encryption and expansion (bomb) checks.
#include "source/zip_source.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/posix_file.h"

namespace custos::source {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kBlockBytes = 1u << 20;
// libarchive may keep answering ARCHIVE_FAILED/RETRY without moving on; give up then.
constexpr int kMaxConsecutiveHeaderFailures = 16;

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveReadFree>;

std::string archive_message(archive* a, std::string_view fallback) {
  const char* s = archive_error_string(a);
  return s != nullptr && *s != '\0' ? std::string(s) : std::string(fallback);
}

// Why an entry name may not be used, or nullopt when it is safe: absolute (POSIX, UNC or
// drive letter) or with a ".." component under either separator (zip-slip). Windows
// ignores trailing dots and spaces, so "..." and ".. " count as ".." too.
std::optional<std::string> unsafe_name(std::string_view name) {
  if (name.empty()) return "empty entry name";
  if (name.front() == '/' || name.front() == '\\') return "absolute path in archive";
  if (name.size() >= 2 && name[1] == ':' &&
      ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'))) {
    return "absolute path in archive";
  }
  while (!name.empty()) {
    const auto sep = name.find_first_of("/\\");
    std::string_view part = name.substr(0, sep);
    name = sep == std::string_view::npos ? std::string_view{} : name.substr(sep + 1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part.size() >= 2 && part.find_first_not_of('.') == std::string_view::npos) {
      return "path escapes the archive ('..' component)";
    }
  }
  return std::nullopt;
}

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return a * b;
}

// Expanded bytes allowed for the whole archive: the absolute cap, and past the floor, the
// ratio to the archive's size on disk.
std::uint64_t expansion_limit(const WalkOptions& options, std::uint64_t archive_bytes) {
  const std::uint64_t by_ratio =
      std::max(options.ratio_floor_bytes, saturating_mul(options.max_archive_ratio, archive_bytes));
  return std::min(options.max_archive_expanded_bytes, by_ratio);
}

// State shared by the walk and the reader of the current entry.
struct ArchiveState {
  archive* handle = nullptr;   // owned by the walk
  std::uint64_t expanded = 0;  // bytes handed out so far, all entries
  std::uint64_t limit = 0;
  std::optional<std::string> stop_reason;  // set when no further entry may be read
  // A streamed archive's size is not known up front: the ratio is then checked against
  // the compressed bytes consumed so far (limit recomputed as they arrive).
  const WalkOptions* stream_options = nullptr;
  std::uint64_t consumed = 0;
  [[nodiscard]] std::uint64_t current_limit() const {
    return stream_options ? expansion_limit(*stream_options, consumed) : limit;
  }
};

// Reads the current entry. Valid only until the next header is read. Not thread-safe.
class EntryReader final : public ByteReader {
 public:
  EntryReader(ArchiveState& state, const std::string& display_path)
      : state_(state), display_path_(display_path) {}

  Result<std::size_t> read(std::span<std::byte> buf) override {
    if (error_) return fail(*error_);
    if (buf.empty() || done_) return std::size_t{0};
    const la_ssize_t n = archive_read_data(state_.handle, buf.data(), buf.size());
    if (n < 0) {
      const std::string why = archive_message(state_.handle, "cannot read entry");
      if (n == ARCHIVE_FATAL) state_.stop_reason = why;
      error_ = Error{ErrorCode::kRejected, display_path_ + ": " + why};
      return fail(*error_);
    }
    if (n == 0) {
      done_ = true;
      return std::size_t{0};
    }
    state_.expanded += static_cast<std::uint64_t>(n);
    if (const std::uint64_t limit = state_.current_limit(); state_.expanded > limit) {
      const std::string why =
          "archive expands beyond " + std::to_string(limit) + " bytes (zip bomb?)";
      state_.stop_reason = why + "; the remaining entries were not read";
      error_ = Error{ErrorCode::kRejected, display_path_ + ": " + why};
      return fail(*error_);
    }
    return static_cast<std::size_t>(n);
  }

 private:
  ArchiveState& state_;
  const std::string& display_path_;
  std::optional<Error> error_;  // sticky: a failed entry never yields more bytes
  bool done_ = false;
};

// Feeds libarchive from a ByteReader (an upload): forward only, so the zip is read through
// its local headers (libarchive's streaming zip reader), never seeking to the directory.
struct StreamInput {
  ByteReader* reader = nullptr;
  ArchiveState* state = nullptr;
  std::vector<std::byte> buffer = std::vector<std::byte>(kBlockBytes);
  std::optional<Error> error;
};

la_ssize_t stream_read(archive* a, void* client, const void** out) {
  auto* in = static_cast<StreamInput*>(client);
  auto n = in->reader->read(in->buffer);
  if (!n) {
    in->error = n.error();
    archive_set_error(a, EIO, "%s", n.error().message.c_str());
    return -1;
  }
  in->state->consumed += *n;
  *out = in->buffer.data();
  return static_cast<la_ssize_t>(*n);
}

class ZipWalker {
 public:
  ZipWalker(std::string shown, ItemSink& sink) : shown_(std::move(shown)), sink_(sink) {}

  // A zip file on disk, its size known.
  void run_file(const fs::path& path, const WalkOptions& options, std::uint64_t archive_bytes) {
    ArchivePtr a(archive_read_new());
    if (!a) {
      sink_.on_rejected(shown_, "cannot allocate an archive reader");
      return;
    }
    state_.limit = expansion_limit(options, archive_bytes);
    if (archive_read_support_format_zip(a.get()) != ARCHIVE_OK ||
        archive_read_open_filename(a.get(), path.c_str(), kBlockBytes) != ARCHIVE_OK) {
      sink_.on_rejected(shown_, archive_message(a.get(), "cannot open archive"));
      return;
    }
    run(a.get());
  }

  // A zip arriving as a stream (an upload).
  void run_stream(ByteReader& reader, const WalkOptions& options) {
    ArchivePtr a(archive_read_new());
    if (!a) {
      sink_.on_rejected(shown_, "cannot allocate an archive reader");
      return;
    }
    state_.stream_options = &options;
    StreamInput input{&reader, &state_};
    if (archive_read_support_format_zip_streamable(a.get()) != ARCHIVE_OK ||
        archive_read_open(a.get(), &input, nullptr, stream_read, nullptr) != ARCHIVE_OK) {
      sink_.on_rejected(shown_, archive_message(a.get(), "cannot open archive"));
      return;
    }
    run(a.get());
  }

 private:
  void run(archive* a) {
    state_.handle = a;
    int failures = 0;
    while (!state_.stop_reason) {
      archive_entry* entry = nullptr;  // owned by the archive
      const int r = archive_read_next_header(a, &entry);
      if (r == ARCHIVE_EOF) break;
      if (r == ARCHIVE_FATAL || entry == nullptr) {
        state_.stop_reason = archive_message(a, "corrupt archive");
        break;
      }
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
        sink_.on_rejected(shown_, archive_message(a, "unreadable entry header"));
        if (++failures >= kMaxConsecutiveHeaderFailures) {
          state_.stop_reason = "too many unreadable entries";
        }
        continue;
      }
      failures = 0;
      handle(entry);
    }
    if (state_.stop_reason) sink_.on_rejected(shown_, *state_.stop_reason);
  }

  void handle(archive_entry* entry) {
    const char* raw = archive_entry_pathname(entry);
    if (raw == nullptr) raw = archive_entry_pathname_utf8(entry);
    if (raw == nullptr) {
      sink_.on_rejected(shown_ + "!/?", "entry name cannot be decoded");
      return;
    }
    const std::string name(raw);
    const std::string display = shown_ + "!/" + name;
    if (auto why = unsafe_name(name)) {
      sink_.on_rejected(display, *why);
      return;
    }
    const auto type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) return;
    if (type != AE_IFREG || archive_entry_hardlink(entry) != nullptr ||
        archive_entry_symlink(entry) != nullptr) {
      sink_.on_rejected(display, "not a regular file");
      return;
    }
    if (archive_entry_is_encrypted(entry)) {
      sink_.on_rejected(display, "encrypted entry");
      return;
    }
    Item item;
    item.display_path = display;
    // Declared by the archive, so only a hint: the reader enforces the real limits.
    if (archive_entry_size_is_set(entry) && archive_entry_size(entry) >= 0) {
      item.size = static_cast<std::uint64_t>(archive_entry_size(entry));
    }
    EntryReader reader(state_, display);
    sink_.on_item(item, reader);
  }

  std::string shown_;
  ItemSink& sink_;
  ArchiveState state_;
};

}  // namespace

Status walk_zip(const fs::path& archive_path, const WalkOptions& options, ItemSink& sink) {
  struct stat st {};
  if (::stat(archive_path.c_str(), &st) != 0) {
    return fail(posix_error("cannot access", archive_path, errno));
  }
  ZipWalker walker(archive_path.string(), sink);
  walker.run_file(archive_path, options, static_cast<std::uint64_t>(st.st_size));
  return {};
}

void walk_zip_stream(ByteReader& reader, const std::string& display_name,
                     const WalkOptions& options, ItemSink& sink) {
  ZipWalker walker(display_name, sink);
  walker.run_stream(reader, options);
}

}  // namespace custos::source
