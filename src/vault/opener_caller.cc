// The vault's operations as the Caller given at open() (the command line's local owner):
// each delegates to the overload that takes the caller per call and checks its role.
#include "vault/import_session.h"
#include "vault/vault.h"

namespace custos::vault {
namespace fs = std::filesystem;

Status Vault::change_passphrase(const std::string& new_passphrase, const crypto::KdfParams& kdf) {
  return change_passphrase(caller_, new_passphrase, kdf);
}

Status Vault::add_key_file(const fs::path& path) { return add_key_file(caller_, path); }

Result<std::vector<audit::Entry>> Vault::audit_entries(const audit::ListFilter& filter) {
  return audit_entries(caller_, filter);
}

Result<audit::VerifyResult> Vault::audit_verify(const std::vector<audit::Checkpoint>& checkpoints) {
  return audit_verify(caller_, checkpoints);
}

Result<audit::Checkpoint> Vault::audit_checkpoint() { return audit_checkpoint(caller_); }

Result<ImportSummary> Vault::import(std::span<const fs::path> inputs, const ImportOptions& options,
                                    ProgressObserver* progress) {
  return import(caller_, inputs, options, progress);
}

std::unique_ptr<ImportSession> Vault::begin_import(const ImportOptions& options) {
  // The opener's caller is trusted to import (the local owner). Should it not be, the
  // session still exists but every item fails: callers of this overload cannot take an error.
  auto session = begin_import(caller_, options);
  if (session) return std::move(*session);
  return std::make_unique<ImportSession>(
      *blobs_, *index_, parser_, clock_, options,
      [error = session.error()](std::span<const audit::Entry>)
          -> Result<std::optional<std::string>> { return fail(error); });
}

Result<std::vector<index::StudyRow>> Vault::studies() { return studies(caller_); }

Result<ShowResult> Vault::show(const std::string& uid) { return show(caller_, uid); }

Result<ExportSummary> Vault::export_to(std::span<const std::string> uids, const fs::path& out,
                                       const ExportOptions& options, ProgressObserver* progress) {
  return export_to(caller_, uids, out, options, progress);
}

Result<std::vector<ScanLogEntry>> Vault::scan_log() { return scan_log(caller_); }

Result<VerifyReport> Vault::verify(ProgressObserver* progress) { return verify(caller_, progress); }

}  // namespace custos::vault
