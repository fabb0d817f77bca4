// The import pipeline: every item a source yields is hashed, scanned, parsed, staged and,
// in group-committed batches, made durable in the blob store and the index before it is
// counted as added. Internal to the vault module.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/clock.h"
#include "audit/entry.h"
#include "blob/blob_store.h"
#include "dicom/isolated_header_reader.h"
#include "index/index.h"
#include "source/source.h"
#include "vault/reports.h"

namespace custos::vault {

struct ImportOptions;

// Appends audit entries durably; returns the head to store with the change (or nullopt).
using AuditAppender =
    std::function<Result<std::optional<std::string>>(std::span<const audit::Entry>)>;

// Not thread-safe: one importer per import, driven by source::walk on one thread.
class Importer final : public source::ItemSink {
 public:
  Importer(blob::BlobStore& blobs, index::Index& index, dicom::IsolatedHeaderReader& parser,
           const Clock& clock, const ImportOptions& options, ProgressObserver* progress,
           AuditAppender audit);
  ~Importer() override;

  void on_item(const source::Item& item, source::ByteReader& reader) override;
  void on_rejected(const std::string& display_path, const std::string& reason) override;
  void on_missing(const std::string& display_path, const std::string& reason) override;

  // Commits what is still pending. Call once after the last walk.
  void finish();
  [[nodiscard]] bool stopped() const { return summary_.error.has_value(); }
  [[nodiscard]] ImportSummary take_summary();

 private:
  struct Pending;
  void reject(const std::string& path, std::string reason);
  void stop(const std::string& path, const Error& error);
  void itemize(const std::string& path, const dicom::InstanceHeader& header,
               ImportedItem::Outcome outcome);
  void commit_batch();

  blob::BlobStore& blobs_;
  index::Index& index_;
  dicom::IsolatedHeaderReader& parser_;
  const Clock& clock_;
  const ImportOptions& options_;
  ProgressObserver* progress_;
  AuditAppender audit_;
  ImportSummary summary_;
  std::set<std::string> studies_;
  std::vector<std::byte> buffer_;
  std::vector<Pending> pending_;
  std::unordered_set<std::string> pending_sha_;
  std::uint64_t pending_bytes_ = 0;
  long files_done_ = 0;
};

}  // namespace custos::vault
