// What the Vault service's operations report back: plain values the CLI (and later HTTP)
// turn into text or JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "index/records.h"

namespace custos::vault {

struct PathReason {
  std::string path;
  std::string reason;
};

// One stored item of an itemized import (STOW-RS answers per instance).
struct ImportedItem {
  enum class Outcome { kAdded, kDuplicate, kConflict };
  std::string path;
  std::string sop_uid;
  std::string sop_class_uid;
  std::string study_uid;
  std::string series_uid;
  Outcome outcome = Outcome::kAdded;
};

// DESIGN.md: every file seen is counted in exactly one of instances_added, duplicates,
// skipped_non_dicom, rejected. conflicts counts the added instances whose SOP Instance UID
// was already stored with other bytes.
struct ImportSummary {
  long files_seen = 0;
  long instances_added = 0;
  long duplicates = 0;
  long conflicts = 0;
  long skipped_non_dicom = 0;
  std::vector<PathReason> rejected;
  std::vector<PathReason> flagged;
  std::vector<PathReason> missing;
  std::vector<std::string> studies;  // Study Instance UIDs touched, sorted
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_added = 0;
  double seconds = 0;
  std::optional<std::string> error;  // set when the import stopped early (vault I/O failure)
  std::vector<ImportedItem> items;   // only with ImportOptions::itemize, in arrival order
};

// Progress of a long operation, for a progress bar. Called on the calling thread.
class ProgressObserver {
 public:
  virtual ~ProgressObserver() = default;
  virtual void on_start(long files_estimate, std::uint64_t bytes_estimate) = 0;
  virtual void on_progress(long files_done, std::uint64_t bytes_done) = 0;
  virtual void on_finish() = 0;
};

struct ExportedFile {
  std::string path;     // relative to the output directory
  std::string sha256;
  std::string sop_uid;
};

struct ExportedStudy {
  std::string study_uid;
  std::string folder;   // relative to the output directory
  long instances = 0;
};

struct ExportSummary {
  std::string out_dir;
  std::vector<ExportedStudy> studies;
  long files_written = 0;
  std::uint64_t bytes_written = 0;
  std::vector<PathReason> failed;  // path = SOP Instance UID or blob id
};

struct VerifyFailure {
  std::string sha256;
  std::string sop_uid;
  std::string study_uid;
  std::string reason;
};

struct VerifyReport {
  long checked = 0;
  long ok = 0;
  std::uint64_t bytes = 0;
  std::vector<VerifyFailure> failures;
  std::vector<std::string> unreferenced;  // blobs no index row refers to (harmless leftovers)
};

struct ScanLogEntry {
  std::string date;  // YYYY-MM-DD or empty
  std::string body_part;
  std::string modality;
  std::string description;
  std::string institution;
  long series = 0;
  long images = 0;
  std::string folder;
  std::string study_uid;
};

// What `show UID` found: exactly one level is set.
struct ShowResult {
  std::string level;  // "patient", "study", "series", "instance"
  std::vector<index::PatientRow> patients;
  std::vector<index::StudyRow> studies;
  std::vector<index::SeriesRow> series;
  std::vector<index::InstanceRow> instances;
};

}  // namespace custos::vault
