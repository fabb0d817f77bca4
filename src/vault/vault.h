// The Vault: the one service layer. The CLI (and later HTTP and DIMSE) are thin adapters
// over it; nothing else touches the index or the blob store, so "acknowledged means
// durable" and "checksum checked on every read" hold in one place.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "blob/blob_store.h"
#include "dicom/isolated_header_reader.h"
#include "index/index.h"
#include "source/source.h"
#include "vault/layout.h"
#include "vault/reports.h"

namespace custos::vault {

struct InitOptions {
  bool encryption = false;
};

struct ImportOptions {
  source::WalkOptions walk;
  std::size_t batch_files = 128;             // group commit: instances per durable batch
  std::uint64_t batch_bytes = 128ull << 20;  // ... or bytes per batch
};

struct ExportOptions {
  bool manifest = false;  // also write SHA256SUMS (sha256sum -c format) in each study folder
};

// Thread-safe: operations may run concurrently (the index and blob store are).
class Vault {
 public:
  // Creates an empty vault at `root` (the directory may exist but must be empty).
  // Errors: kConflict when a vault (or other files) is already there.
  [[nodiscard]] static Status init(const std::filesystem::path& root, const InitOptions& options,
                                   const Clock& clock);
  // Errors: kNotFound when there is no vault at `root` ("run custos init").
  [[nodiscard]] static Result<std::unique_ptr<Vault>> open(const std::filesystem::path& root,
                                                           const Clock& clock);
  // For tests and other backends: a vault over given storage.
  Vault(Layout layout, Descriptor descriptor, std::unique_ptr<blob::BlobStore> blobs,
        std::unique_ptr<index::Index> index, const Clock& clock);
  ~Vault();

  [[nodiscard]] const Descriptor& descriptor() const { return descriptor_; }
  [[nodiscard]] const Layout& layout() const { return layout_; }

  // Imports every input (folder, CD root with DICOMDIR, .zip, file). Per-file problems are
  // in the summary; an error is returned only when no input could be used. A vault I/O
  // failure stops the import: summary.error says why; what was acknowledged is durable.
  [[nodiscard]] Result<ImportSummary> import(std::span<const std::filesystem::path> inputs,
                                             const ImportOptions& options,
                                             ProgressObserver* progress);

  [[nodiscard]] Result<std::vector<index::StudyRow>> studies();
  // A patient (by Patient ID), study, series or instance UID. Errors: kNotFound.
  [[nodiscard]] Result<ShowResult> show(const std::string& uid);
  // Writes the originals of every instance under the given UIDs (patient ID, study, series
  // or instance), checked against their SHA-256, into out/YYYY-MM-DD_BodyPart_Modality/DICOM/.
  [[nodiscard]] Result<ExportSummary> export_to(std::span<const std::string> uids,
                                                const std::filesystem::path& out,
                                                const ExportOptions& options,
                                                ProgressObserver* progress);
  [[nodiscard]] Result<std::vector<ScanLogEntry>> scan_log();
  [[nodiscard]] Result<VerifyReport> verify(ProgressObserver* progress);

  // Streams the original bytes of one stored instance to `sink`, checking the SHA-256 as it
  // goes. Errors: kNotFound, kCorruption (the bytes do not match: nothing after the
  // mismatch is trusted; the caller must discard what it received).
  [[nodiscard]] Status read_instance(const std::string& sha256,
                                     const std::function<Status(std::span<const std::byte>)>& sink);

 private:
  Layout layout_;
  Descriptor descriptor_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<index::Index> index_;
  const Clock& clock_;
  // DCMTK header parsing, in a resource-limited worker process started on first use.
  dicom::IsolatedHeaderReader parser_;
};

}  // namespace custos::vault
