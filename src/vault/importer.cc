#include "vault/importer.h"

#include <algorithm>

#include "base/sha256.h"
#include "dicom/header_reader.h"
#include "dicom/stream_scanner.h"
#include "vault/vault.h"

namespace custos::vault {
namespace {

constexpr std::size_t kChunk = 1u << 20;

index::InstanceRecord to_record(const dicom::InstanceHeader& h) {
  index::InstanceRecord r;
  r.patient_name = h.patient_name;
  r.patient_id = h.patient_id;
  r.patient_birth_date = h.patient_birth_date;
  r.patient_sex = h.patient_sex;
  r.study_uid = h.study_uid;
  r.study_date = h.study_date;
  r.study_time = h.study_time;
  r.accession_number = h.accession_number;
  r.study_description = h.study_description;
  r.referring_physician_name = h.referring_physician_name;
  r.study_id = h.study_id;
  r.institution_name = h.institution_name;
  r.body_part_examined = h.body_part_examined;
  r.timezone_offset = h.timezone_offset;
  r.series_uid = h.series_uid;
  r.series_number = h.series_number;
  r.series_description = h.series_description;
  r.modality = h.modality;
  r.series_date = h.series_date;
  r.sop_uid = h.sop_uid;
  r.sop_class_uid = h.sop_class_uid;
  r.transfer_syntax_uid = h.transfer_syntax_uid;
  r.instance_number = h.instance_number;
  r.number_of_frames = h.number_of_frames;
  r.rows = h.rows;
  r.columns = h.columns;
  r.bits_allocated = h.bits_allocated;
  return r;
}

}  // namespace

struct Importer::Pending {
  std::unique_ptr<blob::BlobWriter> writer;
  blob::BlobId id;
  index::InstanceRecord record;
  std::string path;
  std::optional<std::string> flag;
};

Importer::Importer(blob::BlobStore& blobs, index::Index& index,
                   dicom::IsolatedHeaderReader& parser, const Clock& clock,
                   const ImportOptions& options, ProgressObserver* progress,
                   AuditAppender audit)
    : blobs_(blobs),
      index_(index),
      parser_(parser),
      clock_(clock),
      options_(options),
      progress_(progress),
      audit_(std::move(audit)),
      buffer_(kChunk) {}

Importer::~Importer() = default;

void Importer::reject(const std::string& path, std::string reason) {
  summary_.rejected.push_back({path, std::move(reason)});
}

void Importer::stop(const std::string& path, const Error& error) {
  if (!summary_.error) {
    summary_.error = path.empty() ? error.message : "cannot store " + path + ": " + error.message;
  }
}

void Importer::itemize(const std::string& path, const dicom::InstanceHeader& header,
                       ImportedItem::Outcome outcome) {
  if (!options_.itemize) return;
  summary_.items.push_back({path, header.sop_uid, header.sop_class_uid, header.study_uid,
                            header.series_uid, outcome});
}

void Importer::on_rejected(const std::string& display_path, const std::string& reason) {
  if (stopped()) return;
  ++summary_.files_seen;
  reject(display_path, reason);
}

void Importer::on_missing(const std::string& display_path, const std::string& reason) {
  summary_.missing.push_back({display_path, reason});
}

void Importer::on_item(const source::Item& item, source::ByteReader& reader) {
  if (stopped()) return;
  ++summary_.files_seen;
  const std::string& path = item.display_path;
  Sha256 hasher;
  dicom::StreamScanner scanner(dicom::ScanLimits{}, item.size);
  std::unique_ptr<blob::BlobWriter> writer;
  std::uint64_t size = 0;
  for (;;) {
    auto n = reader.read(buffer_);
    if (!n) {
      reject(path, n.error().message);
      return;
    }
    if (*n == 0) break;
    const std::span<const std::byte> chunk(buffer_.data(), *n);
    size += *n;
    summary_.bytes_read += *n;
    scanner.feed(chunk);
    if (!writer) {
      if (scanner.not_dicom()) {
        // A viewer program, an autorun file, a JPEG: nothing to keep, no need to read on.
        ++summary_.skipped_non_dicom;
        if (progress_) progress_->on_progress(++files_done_, summary_.bytes_read);
        return;
      }
      auto w = blobs_.create();
      if (!w) return stop(path, w.error());
      writer = std::move(*w);
    }
    hasher.update(chunk);
    if (auto s = writer->write(chunk); !s) return stop(path, s.error());
    if (progress_) progress_->on_progress(files_done_, summary_.bytes_read);
  }
  if (progress_) progress_->on_progress(++files_done_, summary_.bytes_read);

  auto scan = scanner.finish();
  if (!scan) {
    if (scan.error().code == ErrorCode::kUnsupported) {
      ++summary_.skipped_non_dicom;
    } else {
      reject(path, scan.error().message);
    }
    return;
  }
  if (scan->media_storage_sop_class_uid == dicom::kMediaStorageDirectoryClassUid) {
    ++summary_.skipped_non_dicom;  // the DICOMDIR itself: an index of the media, not an image
    return;
  }
  // DCMTK runs in the worker process: a parser crash or hang costs this file only.
  auto header = parser_.read(*scan);
  if (!header) return reject(path, header.error().message);

  blob::BlobId id{hasher.finish()};
  const std::string sha = id.hex();
  if (pending_sha_.contains(sha)) {
    ++summary_.duplicates;
    studies_.insert(header->study_uid);
    itemize(path, *header, ImportedItem::Outcome::kDuplicate);
    return;
  }
  std::optional<index::InstanceRow> existing;
  const Status looked = index_.read([&](index::ReadTxn& txn) -> Status {
    auto row = txn.instance_by_sha256(sha);
    if (!row) return fail(row.error());
    existing = std::move(*row);
    return {};
  });
  if (!looked) return stop(path, looked.error());
  if (existing) {
    ++summary_.duplicates;
    studies_.insert(header->study_uid);
    itemize(path, *header, ImportedItem::Outcome::kDuplicate);
    if (scan->preamble_warning) summary_.flagged.push_back({path, *scan->preamble_warning});
    return;
  }
  if (auto s = writer->finish_as(id); !s) return stop(path, s.error());

  Pending p;
  p.writer = std::move(writer);
  p.id = id;
  p.record = to_record(*header);
  p.record.sha256 = sha;
  p.record.size = size;
  p.record.received_at = format_utc(clock_.now());
  p.record.source = path;
  if (scan->preamble_warning) {
    p.flag = *scan->preamble_warning;
    p.record.flags = "preamble: " + *scan->preamble_warning;
  }
  p.path = path;
  pending_sha_.insert(sha);
  pending_bytes_ += size;
  pending_.push_back(std::move(p));
  if (pending_.size() >= options_.batch_files || pending_bytes_ >= options_.batch_bytes) {
    commit_batch();
  }
}

void Importer::commit_batch() {
  if (pending_.empty()) return;
  std::vector<blob::Publication> pubs;
  pubs.reserve(pending_.size());
  for (const auto& p : pending_) pubs.push_back({p.writer.get(), p.id});
  const std::vector<Status> published = blobs_.publish(pubs);

  std::vector<const Pending*> durable;
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (published[i]) {
      durable.push_back(&pending_[i]);
    } else {
      stop(pending_[i].path, published[i].error());
    }
  }
  // The audit entry is durable before the index transaction that it records, and that
  // transaction stores the chain's new head (docs/adr/0005).
  std::optional<std::string> head;
  if (audit_ && !durable.empty()) {
    std::vector<audit::Entry> entries(1);
    audit::Entry& e = entries.front();
    e.action = "import";
    std::set<std::string> studies, series;
    for (const Pending* p : durable) {
      studies.insert(p->record.study_uid);
      series.insert(p->record.series_uid);
      e.uids.instances.push_back(p->record.sop_uid);
    }
    e.uids.studies.assign(studies.begin(), studies.end());
    e.uids.series.assign(series.begin(), series.end());
    e.detail = std::to_string(durable.size()) + " instances from " + durable.front()->path;
    for (const Pending* p : durable) {
      if (!p->flag) continue;
      audit::Entry flag;
      flag.action = "security.flag";
      flag.uids.instances.push_back(p->record.sop_uid);
      flag.uids.studies.push_back(p->record.study_uid);
      flag.detail = *p->flag;
      entries.push_back(std::move(flag));
    }
    auto appended = audit_(entries);
    if (!appended) {
      stop("", appended.error());
      pending_.clear();
      pending_sha_.clear();
      pending_bytes_ = 0;
      return;
    }
    head = *appended;
  }
  std::vector<index::AddOutcome> outcomes;
  const Status committed = index_.write([&](index::WriteTxn& txn) -> Status {
    outcomes.clear();
    if (head) {
      if (auto s = txn.set_meta(kAuditHeadKey, *head); !s) return s;
    }
    for (const Pending* p : durable) {
      auto outcome = txn.add_instance(p->record);
      if (!outcome) return fail(with_context(outcome.error(), p->path));
      outcomes.push_back(*outcome);
    }
    return {};
  });
  if (!committed) {
    stop("", committed.error());
  } else {
    // Only now, with blob and index row durable, is an instance counted as stored.
    for (std::size_t i = 0; i < durable.size(); ++i) {
      const Pending& p = *durable[i];
      studies_.insert(p.record.study_uid);
      if (p.flag) summary_.flagged.push_back({p.path, *p.flag});
      if (options_.itemize) {
        summary_.items.push_back({p.path, p.record.sop_uid, p.record.sop_class_uid,
                                  p.record.study_uid, p.record.series_uid,
                                  outcomes[i] == index::AddOutcome::kAdded
                                      ? ImportedItem::Outcome::kAdded
                                  : outcomes[i] == index::AddOutcome::kConflict
                                      ? ImportedItem::Outcome::kConflict
                                      : ImportedItem::Outcome::kDuplicate});
      }
      switch (outcomes[i]) {
        case index::AddOutcome::kConflict:
          ++summary_.conflicts;
          [[fallthrough]];
        case index::AddOutcome::kAdded:
          ++summary_.instances_added;
          summary_.bytes_added += p.record.size;
          break;
        case index::AddOutcome::kDuplicate:
          ++summary_.duplicates;
          break;
      }
    }
  }
  pending_.clear();
  pending_sha_.clear();
  pending_bytes_ = 0;
}

void Importer::finish() { commit_batch(); }

ImportSummary Importer::take_summary() {
  summary_.studies.assign(studies_.begin(), studies_.end());
  return std::move(summary_);
}

}  // namespace custos::vault
