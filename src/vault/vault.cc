#include "vault/vault.h"

#include <chrono>
#include <map>
#include <system_error>

#include "base/posix_file.h"
#include "blob/file_blob_store.h"
#include "index/sqlite_index.h"
#include "vault/importer.h"

namespace custos::vault {
namespace fs = std::filesystem;

Status Vault::init(const fs::path& root, const InitOptions& options, const Clock& clock) {
  if (options.encryption) {
    return fail(ErrorCode::kUnsupported,
                "encryption at rest is not available yet; use custos init --no-encryption");
  }
  const Layout layout{root};
  std::error_code ec;
  if (fs::exists(layout.descriptor(), ec)) {
    return fail(ErrorCode::kConflict, "a vault already exists at " + root.string());
  }
  if (fs::exists(root, ec) && !fs::is_empty(root, ec)) {
    return fail(ErrorCode::kConflict,
                root.string() + " is not empty; choose an empty or new directory for the vault");
  }
  for (const auto& dir : {layout.root, layout.blobs(), layout.audit(), layout.tmp()}) {
    if (auto s = make_dirs(dir); !s) return s;
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  {
    auto index = index::SqliteIndex::open({layout.index_db(), true});
    if (!index) return fail(index.error());
  }
  Descriptor d;
  d.created_at = format_utc(clock.now());
  // vault.json last: its presence is what makes the directory a vault.
  if (auto s = write_file_atomic(layout.descriptor(), as_bytes(descriptor_json(d))); !s) return s;
  return fsync_dir(root.parent_path().empty() ? fs::path(".") : root.parent_path());
}

Result<std::unique_ptr<Vault>> Vault::open(const fs::path& root, const Clock& clock) {
  const Layout layout{root};
  auto text = read_small_file(layout.descriptor(), 64 * 1024);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) {
      return fail(ErrorCode::kNotFound,
                  "no vault at " + root.string() + " (create one with: custos init)");
    }
    return fail(text.error());
  }
  auto descriptor = parse_descriptor(*text);
  if (!descriptor) return fail(with_context(descriptor.error(), root.string()));
  auto blobs = blob::FileBlobStore::open({layout.blobs(), layout.tmp()});
  if (!blobs) return fail(blobs.error());
  auto index = index::SqliteIndex::open({layout.index_db(), false});
  if (!index) return fail(index.error());
  return std::make_unique<Vault>(layout, *descriptor, std::move(*blobs), std::move(*index), clock);
}

Vault::Vault(Layout layout, Descriptor descriptor, std::unique_ptr<blob::BlobStore> blobs,
             std::unique_ptr<index::Index> index, const Clock& clock)
    : layout_(std::move(layout)),
      descriptor_(std::move(descriptor)),
      blobs_(std::move(blobs)),
      index_(std::move(index)),
      clock_(clock) {}

Vault::~Vault() = default;

namespace {

// Files and bytes under the inputs, for the progress bar's ETA. Best effort, stat only.
void estimate(std::span<const fs::path> inputs, long& files, std::uint64_t& bytes) {
  std::error_code ec;
  for (const auto& input : inputs) {
    if (fs::is_directory(input, ec)) {
      for (auto it = fs::recursive_directory_iterator(
               input, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) {
          ++files;
          bytes += it->file_size(ec);
        }
      }
      ec.clear();
    } else if (fs::is_regular_file(input, ec)) {
      ++files;
      bytes += fs::file_size(input, ec);
    }
  }
}

}  // namespace

Result<ImportSummary> Vault::import(std::span<const fs::path> inputs, const ImportOptions& options,
                                    ProgressObserver* progress) {
  const auto start = std::chrono::steady_clock::now();
  if (progress) {
    long files = 0;
    std::uint64_t bytes = 0;
    estimate(inputs, files, bytes);
    progress->on_start(files, bytes);
  }
  Importer importer(*blobs_, *index_, parser_, clock_, options, progress);
  std::vector<Error> input_errors;
  for (const auto& input : inputs) {
    if (importer.stopped()) break;
    if (auto s = source::walk(input, options.walk, importer); !s) input_errors.push_back(s.error());
  }
  importer.finish();
  if (progress) progress->on_finish();
  ImportSummary summary = importer.take_summary();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!input_errors.empty() && input_errors.size() == inputs.size()) {
    return fail(input_errors.front());
  }
  for (const auto& e : input_errors) {
    ++summary.files_seen;
    summary.rejected.push_back({"", e.message});
  }
  return summary;
}

Result<std::vector<index::StudyRow>> Vault::studies() {
  std::vector<index::StudyRow> out;
  auto s = index_->read([&](index::ReadTxn& txn) -> Status {
    auto rows = txn.studies();
    if (!rows) return fail(rows.error());
    out = std::move(*rows);
    return {};
  });
  if (!s) return fail(s.error());
  return out;
}

Result<ShowResult> Vault::show(const std::string& uid) {
  ShowResult r;
  auto s = index_->read([&](index::ReadTxn& txn) -> Status {
    if (auto study = txn.study(uid); !study) {
      return fail(study.error());
    } else if (*study) {
      r.level = "study";
      r.studies.push_back(**study);
      auto series = txn.series_of(uid);
      if (!series) return fail(series.error());
      r.series = std::move(*series);
      return {};
    }
    if (auto series = txn.series(uid); !series) {
      return fail(series.error());
    } else if (*series) {
      r.level = "series";
      r.series.push_back(**series);
      auto inst = txn.instances_of(uid);
      if (!inst) return fail(inst.error());
      r.instances = std::move(*inst);
      return {};
    }
    if (auto inst = txn.instances_by_sop(uid); !inst) {
      return fail(inst.error());
    } else if (!inst->empty()) {
      r.level = "instance";
      r.instances = std::move(*inst);
      return {};
    }
    auto studies = txn.studies_of_patient(uid);
    if (!studies) return fail(studies.error());
    if (!studies->empty()) {
      r.level = "patient";
      auto patients = txn.patients();
      if (!patients) return fail(patients.error());
      for (auto& p : *patients) {
        if (p.patient_id == uid) r.patients.push_back(std::move(p));
      }
      r.studies = std::move(*studies);
      return {};
    }
    return fail(ErrorCode::kNotFound, "nothing in the vault has the UID or patient ID " + uid);
  });
  if (!s) return fail(s.error());
  return r;
}

Result<std::vector<ScanLogEntry>> Vault::scan_log() {
  auto studies = this->studies();
  if (!studies) return fail(studies.error());
  std::vector<ScanLogEntry> out;
  for (const auto& st : *studies) {
    ScanLogEntry e;
    e.date = iso_date(st.study_date);
    for (const auto& b : st.body_parts) e.body_part += (e.body_part.empty() ? "" : ", ") + b;
    for (const auto& m : st.modalities) e.modality += (e.modality.empty() ? "" : ", ") + m;
    e.description = st.study_description;
    e.institution = st.institution_name;
    e.series = st.series_count;
    e.images = st.instance_count;
    e.folder = study_folder_name(st);
    e.study_uid = st.study_uid;
    out.push_back(std::move(e));
  }
  return out;
}

Status Vault::read_instance(const std::string& sha256,
                            const std::function<Status(std::span<const std::byte>)>& sink) {
  blob::BlobId id;
  if (!from_hex(sha256, id.digest)) {
    return fail(ErrorCode::kInvalidArgument, "not a SHA-256 digest: " + sha256);
  }
  auto reader = blobs_->open(id);
  if (!reader) return fail(reader.error());
  Sha256 hasher;
  std::vector<std::byte> buf(1u << 20);
  for (;;) {
    auto n = (*reader)->read(buf);
    if (!n) return fail(n.error());
    if (*n == 0) break;
    const std::span<const std::byte> chunk(buf.data(), *n);
    hasher.update(chunk);
    if (auto s = sink(chunk); !s) return s;
  }
  if (hasher.finish() != id.digest) {
    return fail(ErrorCode::kCorruption,
                "stored object " + sha256 + " does not match its SHA-256 (damaged on disk)");
  }
  return {};
}

Result<VerifyReport> Vault::verify(ProgressObserver* progress) {
  VerifyReport report;
  std::vector<index::InstanceRow> rows;
  auto s = index_->read([&](index::ReadTxn& txn) -> Status {
    return txn.for_each_instance([&](const index::InstanceRow& row) -> Status {
      rows.push_back(row);
      return {};
    });
  });
  if (!s) return fail(s.error());
  if (progress) {
    std::uint64_t total = 0;
    for (const auto& r : rows) total += r.size;
    progress->on_start(static_cast<long>(rows.size()), total);
  }
  std::map<std::string, bool> referenced;
  for (const auto& row : rows) {
    referenced[row.sha256] = true;
    ++report.checked;
    std::uint64_t size = 0;
    const Status read = read_instance(row.sha256, [&](std::span<const std::byte> chunk) -> Status {
      size += chunk.size();
      report.bytes += chunk.size();
      if (progress) progress->on_progress(report.checked - 1, report.bytes);
      return {};
    });
    if (!read) {
      std::string reason = read.error().code == ErrorCode::kNotFound
                               ? "stored object is missing"
                               : read.error().message;
      report.failures.push_back({row.sha256, row.sop_uid, row.study_uid, reason});
    } else if (size != row.size) {
      report.failures.push_back({row.sha256, row.sop_uid, row.study_uid,
                                 "size " + std::to_string(size) + " differs from the recorded " +
                                     std::to_string(row.size)});
    } else {
      ++report.ok;
    }
    if (progress) progress->on_progress(report.checked, report.bytes);
  }
  auto listed = blobs_->for_each([&](const blob::BlobId& id, std::uint64_t) -> Status {
    if (!referenced.contains(id.hex())) report.unreferenced.push_back(id.hex());
    return {};
  });
  if (progress) progress->on_finish();
  if (!listed) return fail(listed.error());
  return report;
}

}  // namespace custos::vault
