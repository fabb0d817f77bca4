// The audit log writer: one O_APPEND segment at a time, write + fsync per append (or per
// batch), rotation by size, periodic signed checkpoints, and resume after a crash.
#include "audit/audit_log.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "audit/log_files.h"

namespace custos::audit {
namespace {

namespace fs = std::filesystem;

Result<UniqueFd> open_append(const fs::path& path, bool create) {
  const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
  const int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) return fail(posix_error(create ? "cannot create" : "cannot open", path, errno));
  return UniqueFd(fd);
}

Status make_private_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return {};
  if (dir.has_parent_path()) {
    if (auto s = make_dirs(dir.parent_path()); !s) return s;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(posix_error("cannot create directory", dir, errno));
  }
  return fsync_dir(dir.has_parent_path() ? dir.parent_path() : fs::path("."));
}

// Cuts a file back to `size` bytes and makes that durable.
Status truncate_durably(const fs::path& path, std::uint64_t size) {
  auto fd = open_append(path, false);
  if (!fd) return fail(fd.error());
  if (::ftruncate(fd->get(), static_cast<off_t>(size)) != 0) {
    return fail(posix_error("cannot truncate", path, errno));
  }
  return fsync_fd(fd->get(), path);
}

// Decodes the last line of the log when resuming; the chain continues from it.
Result<Entry> decode_last(const EntrySealer& sealer, const std::string& line,
                          const fs::path& path) {
  const std::string where = "the last audit entry in " + path.string();
  auto opened = sealer.open(line);
  if (!opened) return fail(with_context(opened.error(), where));
  auto entry = parse_entry(opened->plaintext);
  if (!entry) return fail(with_context(entry.error(), where));
  if (canonical_json(*entry, true) != opened->plaintext || compute_hash(*entry) != entry->hash ||
      (opened->seq && *opened->seq != entry->seq)) {
    return fail(ErrorCode::kCorruption,
                where + " was altered; run the audit verification before writing more");
  }
  return entry;
}

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::open(AuditLogOptions options) {
  if (options.clock == nullptr || !options.sealer) {
    return fail(ErrorCode::kInvalidArgument, "an audit log needs a clock and a sealer");
  }
  const fs::path dir = options.dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (!options.create_if_missing) {
      return fail(ErrorCode::kNotFound, "there is no audit log in " + dir.string());
    }
    if (auto s = make_private_dir(dir); !s) return fail(s.error());
  }
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(options)));

  const fs::path lock_path = dir / kLockFile;
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) return fail(posix_error("cannot open", lock_path, errno));
  log->lock_ = UniqueFd(lock_fd);
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return fail(ErrorCode::kConflict,
                  "the audit log in " + dir.string() + " is being written by another process");
    }
    return fail(posix_error("cannot lock", lock_path, errno));
  }

  auto info = read_chain_info(dir);
  if (!info && info.error().code == ErrorCode::kNotFound) {
    auto segments = list_segments(dir);
    if (!segments) return fail(segments.error());
    if (!segments->empty()) {
      return fail(ErrorCode::kCorruption,
                  "the audit log in " + dir.string() + " has entries but no chain.json");
    }
    if (!log->options_.create_if_missing) {
      return fail(ErrorCode::kNotFound, "there is no audit log in " + dir.string());
    }
    if (auto s = ensure_sodium(); !s) return fail(s.error());
    ChainInfo fresh;
    // A random chain id per vault: entry 1 links to it, so two vaults' logs cannot be
    // spliced together.
    randombytes_buf(fresh.chain_id.data(), fresh.chain_id.size());
    fresh.sealing = std::string(log->options_.sealer->scheme());
    if (auto s = write_chain_info(dir, fresh); !s) return fail(s.error());
    info = fresh;
  }
  if (!info) return fail(info.error());
  if (info->sealing != log->options_.sealer->scheme()) {
    return fail(ErrorCode::kInvalidArgument,
                "the audit log in " + dir.string() + " is sealed with \"" + info->sealing +
                    "\" but was opened with \"" + std::string(log->options_.sealer->scheme()) +
                    "\"");
  }
  log->chain_id_ = info->chain_id;
  log->head_ = Head{0, info->chain_id};
  if (auto s = log->resume(); !s) return fail(s.error());
  return log;
}

AuditLog::~AuditLog() = default;

Status AuditLog::resume() {
  const fs::path& dir = options_.dir;
  auto segments = list_segments(dir);
  if (!segments) return fail(segments.error());
  for (std::size_t i = segments->size(); i-- > 0;) {
    const Segment& seg = (*segments)[i];
    auto tail = read_tail(seg.path);
    if (!tail) return fail(tail.error());
    if (i + 1 == segments->size()) {
      if (tail->file_bytes > tail->complete_bytes) {
        // Only the last segment is ever appended to, and a line is acknowledged only once
        // its '\n' is fsynced: bytes after the last '\n' were never acknowledged.
        if (auto s = truncate_durably(seg.path, tail->complete_bytes); !s) return s;
        torn_bytes_ = tail->file_bytes - tail->complete_bytes;
      }
      if (auto s = open_segment(seg.number, false); !s) return s;
      segment_size_ = tail->complete_bytes;
    }
    if (!tail->last_line) continue;  // an empty segment just after a rotation
    auto last = decode_last(*options_.sealer, *tail->last_line, seg.path);
    if (!last) return fail(last.error());
    head_ = Head{last->seq, last->hash};
    last_time_ = last->time;
    break;
  }

  const fs::path cp_path = dir / kCheckpointFile;
  auto cp_tail = read_tail(cp_path);
  if (!cp_tail) {
    if (cp_tail.error().code == ErrorCode::kNotFound) return {};
    return fail(cp_tail.error());
  }
  if (cp_tail->file_bytes > cp_tail->complete_bytes) {
    if (auto s = truncate_durably(cp_path, cp_tail->complete_bytes); !s) return s;
  }
  if (cp_tail->last_line) {
    // A damaged checkpoint line only delays the next automatic checkpoint; verify reports it.
    if (auto c = parse_checkpoint(*cp_tail->last_line)) last_checkpoint_seq_ = c->seq;
  }
  return {};
}

Status AuditLog::open_segment(std::uint64_t number, bool create) {
  const fs::path path = options_.dir / segment_name(number);
  auto fd = open_append(path, create);
  if (!fd) return fail(fd.error());
  if (create) {
    if (auto s = fsync_dir(options_.dir); !s) {
      // The new file may or may not survive a crash; reopening sorts it out (an empty last
      // segment is resumed), retrying here could not.
      failed_ = true;
      return s;
    }
  }
  segment_ = std::move(*fd);
  segment_number_ = number;
  segment_size_ = 0;
  return {};
}

Result<EntryId> AuditLog::append(const Entry& entry) {
  auto ids = append_batch(std::span(&entry, 1));
  if (!ids) return fail(ids.error());
  return ids->front();
}

Result<std::vector<EntryId>> AuditLog::append_batch(std::span<const Entry> entries) {
  std::vector<EntryId> ids;
  if (entries.empty()) return ids;
  std::lock_guard lock(mu_);
  if (failed_) {
    return fail(ErrorCode::kIoError,
                "the audit log in " + options_.dir.string() +
                    " could not make an earlier entry durable; reopen it before writing");
  }
  std::string time = format_utc(options_.clock->now());
  if (time < last_time_) time = last_time_;  // a clock stepped back must not reorder the log
  std::string bytes;
  Head h = head_;
  ids.reserve(entries.size());
  for (const Entry& in : entries) {
    Entry e = in;
    if (auto s = normalize(e); !s) return fail(s.error());
    e.seq = h.seq + 1;
    e.time = time;
    e.prev = h.hash;
    e.hash = compute_hash(e);
    auto line = options_.sealer->seal(e.seq, canonical_json(e, true));
    if (!line) return fail(line.error());
    bytes += *line;
    bytes += '\n';
    h = Head{e.seq, e.hash};
    ids.push_back(h);
  }

  if (segment_number_ == 0) {
    if (auto s = open_segment(1, true); !s) return fail(s.error());
  } else if (segment_size_ > 0 && segment_size_ + bytes.size() > options_.segment_bytes) {
    if (auto s = open_segment(segment_number_ + 1, true); !s) return fail(s.error());
  }
  const fs::path path = options_.dir / segment_name(segment_number_);
  if (auto s = write_all(segment_.get(), as_bytes(bytes), path); !s) {
    // Take back a partial line so the next append starts on a line of its own.
    if (::ftruncate(segment_.get(), static_cast<off_t>(segment_size_)) != 0) failed_ = true;
    return fail(with_context(s.error(), "appending to the audit log"));
  }
  if (auto s = fsync_fd(segment_.get(), path); !s) {
    failed_ = true;  // never retried: the kernel may already have dropped the pages
    return fail(with_context(s.error(), "appending to the audit log"));
  }
  segment_size_ += bytes.size();
  head_ = h;
  last_time_ = time;
  const std::uint64_t every = options_.checkpoint_every;
  if (options_.signer && every > 0 && head_.seq / every > last_checkpoint_seq_ / every) {
    // The entries are durable whatever happens here; a failed checkpoint is retried on the
    // next append because it is still due.
    (void)checkpoint_locked();
  }
  return ids;
}

Head AuditLog::head() const {
  std::lock_guard lock(mu_);
  return head_;
}

Result<Checkpoint> AuditLog::checkpoint() {
  std::lock_guard lock(mu_);
  return checkpoint_locked();
}

Result<Checkpoint> AuditLog::checkpoint_locked() {
  if (!options_.signer) {
    return fail(ErrorCode::kUnsupported, "this audit log has no checkpoint key");
  }
  std::string time = format_utc(options_.clock->now());
  if (time < last_time_) time = last_time_;
  Checkpoint c = options_.signer->sign(chain_id_, head_.seq, head_.hash, std::move(time));
  const std::string line = checkpoint_json(c) + "\n";
  const fs::path path = options_.dir / kCheckpointFile;
  std::error_code ec;
  const bool existed = fs::exists(path, ec);
  const int fd_raw = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_raw < 0) return fail(posix_error("cannot open", path, errno));
  UniqueFd fd(fd_raw);
  auto size = file_size(fd.get(), path);
  if (!size) return fail(size.error());
  if (auto s = write_all(fd.get(), as_bytes(line), path); !s) {
    (void)::ftruncate(fd.get(), static_cast<off_t>(*size));
    return fail(s.error());
  }
  if (auto s = fsync_fd(fd.get(), path); !s) return fail(s.error());
  if (!existed) {
    if (auto s = fsync_dir(options_.dir); !s) return fail(s.error());
  }
  last_checkpoint_seq_ = c.seq;
  return c;
}

Result<std::vector<Entry>> AuditLog::list(const ListFilter& filter) const {
  return list_entries(options_.dir, *options_.sealer, filter);
}

Result<VerifyResult> AuditLog::verify(const VerifyOptions& options) const {
  return verify_log(options_.dir, *options_.sealer, options);
}

}  // namespace custos::audit
