// The Vault: the one service layer. The CLI (and later HTTP and DIMSE) are thin adapters
// over it; nothing else touches the index or the blob store, so "acknowledged means
// durable" and "checksum checked on every read" hold in one place.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "crypto/keys.h"
#include "base/error.h"
#include "blob/blob_store.h"
#include "dicom/isolated_header_reader.h"
#include "index/index.h"
#include "source/source.h"
#include "vault/keyring.h"
#include "vault/layout.h"
#include "vault/reports.h"

namespace custos::vault {

struct InitOptions {
  bool encryption = true;
  std::string passphrase;                       // required when encrypted
  crypto::KdfParams kdf = crypto::default_kdf_params();
  std::optional<std::filesystem::path> key_file;  // also create a key file (unattended use)
};

struct InitResult {
  // Shown to the owner once: with the passphrase lost, only this opens the vault.
  std::optional<std::string> recovery_key;
};

// Who is asking, for the audit trail. The command line is the local owner at a terminal.
struct Caller {
  audit::Actor actor{audit::ActorKind::kLocalOwner, "owner"};
  audit::Origin origin{audit::OriginKind::kTerminal, "", "", "", ""};
};


// Index meta key of the audit chain's head, stored with every change it records.
inline constexpr const char* kAuditHeadKey = "audit.head";

struct ImportOptions {
  source::WalkOptions walk;
  std::size_t batch_files = 128;             // group commit: instances per durable batch
  std::uint64_t batch_bytes = 128ull << 20;  // ... or bytes per batch
  bool itemize = false;  // list every stored or duplicate instance in summary.items
};

struct ExportOptions {
  bool manifest = false;  // also write SHA256SUMS (sha256sum -c format) in each study folder
};

struct StudyPlan;
class ImportSession;

// Thread-safe: operations may run concurrently (the index and blob store are).
class Vault {
 public:
  // Creates an empty vault at `root` (the directory may exist but must be empty): encrypted
  // by default, with a one-time recovery key in the result.
  // Errors: kConflict when a vault (or other files) is already there; kInvalidArgument for
  // an empty passphrase.
  [[nodiscard]] static Result<InitResult> init(const std::filesystem::path& root,
                                               const InitOptions& options, const Clock& clock);
  // The descriptor of the vault at `root`, read without unlocking (is it encrypted?).
  // Errors: kNotFound when there is no vault ("run custos init").
  [[nodiscard]] static Result<Descriptor> describe(const std::filesystem::path& root);
  // Opens and, when encrypted, unlocks. Errors: kNotFound; kUnauthenticated for a wrong
  // secret (nothing is changed); kConflict when another process holds the audit log.
  [[nodiscard]] static Result<std::unique_ptr<Vault>> open(const std::filesystem::path& root,
                                                           const Clock& clock,
                                                           const Unlock& unlock = {},
                                                           Caller caller = {});
  // For tests and other backends: a vault over given storage. `audit` may be null (tests of
  // storage alone); a vault opened with open() always has one.
  Vault(Layout layout, Descriptor descriptor, std::unique_ptr<blob::BlobStore> blobs,
        std::unique_ptr<index::Index> index, const Clock& clock,
        std::unique_ptr<audit::AuditLog> audit = nullptr,
        std::optional<crypto::MasterKey> master = std::nullopt, Caller caller = {});
  ~Vault();

  // Re-wraps the master key under a new passphrase; blobs are not re-encrypted.
  // Errors: kUnsupported for an unencrypted vault; kInvalidArgument for an empty passphrase.
  [[nodiscard]] Status change_passphrase(const std::string& new_passphrase,
                                         const crypto::KdfParams& kdf);
  // Adds (or replaces) a key-file slot; the file is created with mode 0600.
  [[nodiscard]] Status add_key_file(const std::filesystem::path& path);

  // The audit trail: entries, verification, a signed checkpoint, DICOM PS3.15 export.
  [[nodiscard]] Result<std::vector<audit::Entry>> audit_entries(const audit::ListFilter& filter);
  [[nodiscard]] Result<audit::VerifyResult> audit_verify(
      const std::vector<audit::Checkpoint>& checkpoints);
  [[nodiscard]] Result<audit::Checkpoint> audit_checkpoint();
  // Appends one entry for something that happened outside the vault's own operations
  // (e.g. a failed unlock attempt recorded by the caller). Durable on return.
  [[nodiscard]] Status record(const std::string& action, audit::Uids uids,
                              audit::Outcome outcome, const std::string& detail);

  [[nodiscard]] const Descriptor& descriptor() const { return descriptor_; }
  [[nodiscard]] const Layout& layout() const { return layout_; }

  // Imports every input (folder, CD root with DICOMDIR, .zip, file). Per-file problems are
  // in the summary; an error is returned only when no input could be used. A vault I/O
  // failure stops the import: summary.error says why; what was acknowledged is durable.
  [[nodiscard]] Result<ImportSummary> import(std::span<const std::filesystem::path> inputs,
                                             const ImportOptions& options,
                                             ProgressObserver* progress);

  // An import fed item by item (uploads, STOW-RS), same pipeline and audit as import().
  [[nodiscard]] std::unique_ptr<ImportSession> begin_import(const ImportOptions& options);

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

  // The studies, without an audit entry (for callers that record their own).
  [[nodiscard]] Result<std::vector<index::StudyRow>> list_studies();

  // Appends entries durably and returns the new head as text, for the caller to store in
  // the index in the same transaction as the change (nullopt without an audit log).
  [[nodiscard]] Result<std::optional<std::string>> append_audit(
      std::span<const audit::Entry> entries);

 private:
  [[nodiscard]] Result<ExportSummary> export_plans(const std::map<std::string, StudyPlan>& plans,
                                                  const std::filesystem::path& out,
                                                  const ExportOptions& options,
                                                  ProgressObserver* progress);

  Layout layout_;
  Descriptor descriptor_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<index::Index> index_;
  const Clock& clock_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::optional<crypto::MasterKey> master_;
  Caller caller_;
  audit::PublicKey audit_public_key_{};
  // DCMTK header parsing, in a resource-limited worker process started on first use.
  dicom::IsolatedHeaderReader parser_;
};

}  // namespace custos::vault
