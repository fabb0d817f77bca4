// An import fed item by item rather than from paths: browser uploads (a folder's files, a
// zip) and DICOMweb STOW-RS parts arrive as streams over HTTP and go through the same
// pipeline, limits and group commit as `custos import`.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "source/source.h"
#include "vault/importer.h"
#include "vault/reports.h"

namespace custos::vault {

// Counters a second thread may read while the import runs (an upload page polling).
struct ImportProgress {
  long files_done = 0;
  std::uint64_t bytes_done = 0;
  bool finished = false;
};

// Not thread-safe except progress(): one thread adds items, then calls finish() once.
// Destroying a session without finish() still commits what was staged (acknowledged only
// through finish()'s summary, but never half-written).
class ImportSession {
 public:
  ImportSession(blob::BlobStore& blobs, index::Index& index, dicom::IsolatedHeaderReader& parser,
                const Clock& clock, const ImportOptions& options, AuditAppender audit);
  ~ImportSession();
  ImportSession(const ImportSession&) = delete;
  ImportSession& operator=(const ImportSession&) = delete;

  // One uploaded file under the name the client gave (a relative path). A zip (by name or
  // by its first bytes) is expanded entry by entry with the zip limits; anything else is
  // one item. Problems go into the summary; an item the reader fails part way is rejected.
  void add(const std::string& name, source::ByteReader& reader,
           std::optional<std::uint64_t> size = std::nullopt);
  // Something refused before it became an item (a part with no file name, a body cut).
  void reject(const std::string& name, const std::string& reason);
  // Whether a vault I/O failure stopped the import (the rest should not be sent).
  [[nodiscard]] bool stopped() const;
  // Commits what is pending and returns the summary (as `custos import --json` gives it).
  [[nodiscard]] ImportSummary finish();
  [[nodiscard]] ImportProgress progress() const;

 private:
  class Counter;
  std::unique_ptr<ImportOptions> options_;  // the importer keeps a reference
  std::unique_ptr<Counter> counter_;
  std::unique_ptr<Importer> importer_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace custos::vault
